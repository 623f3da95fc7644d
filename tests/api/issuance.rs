//! Issue 12, part D: issuing makes the certificate's PDF before its write
//! transaction, and the transaction decides. Two completions (or two sign-off
//! approvals) of one application at the same moment issue exactly one
//! certificate; a failure after the PDF is made leaves nothing stored; and the
//! file is small (compressed streams, subset fonts). On SQLite, and on PostgreSQL
//! with PROTECTCERT_TEST_DATABASE_URL.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::documents::download_pdf;
use crate::helpers::{TestApp, spawn_app};

fn full_marks(item: &Value) -> Value {
    item["max_score"].clone()
}

fn certificates_of(app: &TestApp, application_id: &str) -> i64 {
    use protectcert::db::schema::certificates::dsl;
    let mut conn = app.db.get().expect("connection");
    dsl::certificates
        .filter(dsl::application_id.eq(application_id))
        .count()
        .get_result(&mut *conn)
        .expect("count")
}

fn audited(app: &TestApp, action: &str, entity_id: &str) -> i64 {
    use protectcert::db::schema::audit_log::dsl;
    let mut conn = app.db.get().expect("connection");
    dsl::audit_log
        .filter(dsl::action.eq(action))
        .filter(dsl::entity_id.eq(entity_id))
        .count()
        .get_result(&mut *conn)
        .expect("count")
}

fn on_postgres(app: &TestApp) -> bool {
    app.settings.database_url.starts_with("postgres")
}

fn execute(app: &TestApp, sql: &str) {
    let mut conn = app.db.get().expect("connection");
    diesel::sql_query(sql)
        .execute(&mut *conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A scheme with an advisor and an operator, and a claimed, fully scored
/// application for a building of `capacity` (900 needs a second sign-off).
async fn scored(app: &TestApp, capacity: u32) -> (String, String, String) {
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let (advisor, _) = app.advisor(&admin, &["building", "event"], None).await;
    let premises = app.building(&operator, capacity).await;
    let application = app
        .answered_application(&operator, premises["id"].as_str().expect("id"))
        .await;
    let id = application["id"].as_str().expect("id").to_string();
    let claimed = app.submit_and_claim(&operator, &advisor, &id).await;
    app.score_all(&advisor, &claimed, full_marks).await;
    (admin, advisor, id)
}

#[tokio::test]
async fn two_completions_of_one_application_at_the_same_moment_issue_one_certificate() {
    let app = spawn_app().await;
    let (_, advisor, id) = scored(&app, 450).await;
    let path = format!("/api/v1/applications/{id}/complete");
    let (a, b) = tokio::join!(
        app.post(&path, Some(&advisor), json!({})),
        app.post(&path, Some(&advisor), json!({})),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{:?} / {:?}", a.body, b.body);
    let lost = if a.status == 409 { &a.body } else { &b.body };
    assert_eq!(lost["code"], "wrong_status", "{lost}");
    assert_eq!(certificates_of(&app, &id), 1);
    assert_eq!(audited(&app, "application.completed", &id), 1);
}

#[tokio::test]
async fn two_sign_off_approvals_at_the_same_moment_issue_one_certificate() {
    let app = spawn_app().await;
    let (_, advisor, id) = scored(&app, 900).await;
    let done = app
        .post(
            &format!("/api/v1/applications/{id}/complete"),
            Some(&advisor),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(done["status"], "awaiting_sign_off", "{done}");
    let (first, second) = (app.admin().await, app.admin().await);
    let (a, b) = tokio::join!(
        app.sign_off(&first, &id, "approve", None),
        app.sign_off(&second, &id, "approve", None),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{:?} / {:?}", a.body, b.body);
    assert_eq!(certificates_of(&app, &id), 1);
    assert_eq!(audited(&app, "application.signed_off", &id), 1);
}

#[tokio::test]
async fn a_failure_after_the_pdf_is_made_leaves_nothing_stored_and_completing_again_works() {
    let app = spawn_app().await;
    let (_, advisor, id) = scored(&app, 450).await;
    // Storing the made PDF fails: everything of the completion must roll back.
    if on_postgres(&app) {
        execute(
            &app,
            "CREATE FUNCTION refuse_documents() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN RAISE EXCEPTION 'documents refused'; END $$",
        );
        execute(
            &app,
            "CREATE TRIGGER refuse_documents BEFORE INSERT ON certificate_documents
             FOR EACH ROW EXECUTE FUNCTION refuse_documents()",
        );
    } else {
        execute(
            &app,
            "CREATE TRIGGER refuse_documents BEFORE INSERT ON certificate_documents
             BEGIN SELECT RAISE(ABORT, 'documents refused'); END",
        );
    }
    let path = format!("/api/v1/applications/{id}/complete");
    let failed = app.post(&path, Some(&advisor), json!({})).await;
    assert_eq!(failed.status, 500, "{:?}", failed.body);
    assert_eq!(certificates_of(&app, &id), 0);
    assert_eq!(audited(&app, "application.completed", &id), 0);
    let seen = app
        .get(&format!("/api/v1/applications/{id}"), Some(&advisor))
        .await
        .ok();
    assert_eq!(seen["status"], "in_review", "{seen}");

    if on_postgres(&app) {
        execute(
            &app,
            "DROP TRIGGER refuse_documents ON certificate_documents",
        );
    } else {
        execute(&app, "DROP TRIGGER refuse_documents");
    }
    let done = app.post(&path, Some(&advisor), json!({})).await.ok();
    assert!(done["certificate"]["number"].is_string(), "{done}");
    assert_eq!(certificates_of(&app, &id), 1);
    assert_eq!(audited(&app, "application.completed", &id), 1);
}

#[tokio::test]
async fn the_certificate_pdf_is_compressed_and_at_most_50_kb() {
    let app = spawn_app().await;
    let (admin, advisor, id) = scored(&app, 450).await;
    let done = app
        .post(
            &format!("/api/v1/applications/{id}/complete"),
            Some(&advisor),
            json!({}),
        )
        .await
        .ok();
    let number = done["certificate"]["number"].as_str().expect("number");
    let pdf = download_pdf(&app, &admin, number).await;
    assert!(pdf.len() <= 50 * 1024, "{} bytes", pdf.len());
    let doc = lopdf::Document::load_mem(&pdf).expect("a PDF");
    let streams: Vec<_> = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .collect();
    assert!(streams.len() >= 5, "page, two fonts and their maps");
    assert!(
        streams
            .iter()
            .all(|s| s.dict.get(b"Filter").and_then(|f| f.as_name()).ok() == Some(b"FlateDecode")),
        "every stream is compressed"
    );
    // The page still draws the QR code and the text (the fonts are subsets).
    let page = doc.page_iter().next().expect("page");
    let content = doc.get_page_content(page);
    assert!(
        content.windows(3).any(|w| w == b" cm"),
        "the QR code's scale"
    );
    assert!(content.windows(2).any(|w| w == b"Tj"), "text");
}
