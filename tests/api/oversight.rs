//! Part 4 (advisor oversight): suspending or withdrawing an accreditation flags the
//! advisor's active certificates for review; admins confirm them or order a
//! reassessment (which emails the operator); the record shows the flag and the
//! accreditation's standing at issue.

use diesel::prelude::*;
use reqwest::header::COOKIE;
use serde_json::{Value, json};

use crate::helpers::{TestApp, certified_scheme, spawn_app};
use crate::pages::Browser;

fn numbers(reviews: &Value) -> Vec<String> {
    let mut out: Vec<String> = reviews
        .as_array()
        .expect("list")
        .iter()
        .map(|r| {
            r["certificate_number"]
                .as_str()
                .expect("number")
                .to_string()
        })
        .collect();
    out.sort();
    out
}

fn audit_count(app: &TestApp, action: &str) -> i64 {
    use protectcert::db::schema::audit_log;
    let mut conn = app.db.get().expect("conn");
    audit_log::table
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(&mut *conn)
        .expect("count")
}

async fn page(app: &TestApp, token: &str, path: &str) -> (u16, String) {
    let res = app
        .client
        .get(app.url(path))
        .header(COOKIE, format!("pc_session={token}"))
        .send()
        .await
        .expect("page");
    (res.status().as_u16(), res.text().await.expect("html"))
}

async fn suspend(app: &TestApp, admin: &str, advisor_id: &str, reason: &str) -> Value {
    app.post(
        &format!("/api/v1/advisors/{advisor_id}/suspend"),
        Some(admin),
        json!({"reason": reason}),
    )
    .await
    .ok()
}

/// One flagged certificate: the scheme's, its advisor suspended.
async fn flagged(app: &TestApp) -> (crate::helpers::Scheme, String) {
    let s = certified_scheme(app).await;
    suspend(
        app,
        &s.admin,
        &s.advisor_id,
        "complaint under investigation",
    )
    .await;
    let reviews = app.get("/api/v1/reviews", Some(&s.admin)).await.ok();
    let id = reviews[0]["id"].as_str().expect("review id").to_string();
    (s, id)
}

#[tokio::test]
async fn suspending_flags_only_the_advisors_active_unexpired_certificates() {
    let app = spawn_app().await;
    let s = certified_scheme(&app).await;
    let active = s.number().to_string();
    // Revoked, expired and superseded certificates of the same advisor, and another
    // advisor's active one: none is flagged.
    let revoked_at = app.building(&s.operator, 300).await;
    let revoked = app
        .certify(
            &s.operator,
            &s.advisor,
            revoked_at["id"].as_str().expect("id"),
        )
        .await;
    app.post(
        &format!("/api/v1/certificates/{revoked}/revoke"),
        Some(&s.admin),
        json!({"reason": "premises closed"}),
    )
    .await
    .ok();
    let expired_at = app.building(&s.operator, 400).await;
    let expired = app
        .certify(
            &s.operator,
            &s.advisor,
            expired_at["id"].as_str().expect("id"),
        )
        .await;
    {
        let mut conn = app.db.get().expect("conn");
        let past =
            protectcert::db::from_utc(time::OffsetDateTime::now_utc() - time::Duration::days(1));
        protectcert::db::certificates::set_expiry(&mut conn, &expired, past).expect("expire");
    }
    let renewed_at = app.building(&s.operator, 500).await;
    let renewed_id = renewed_at["id"].as_str().expect("id");
    let superseded = app.certify(&s.operator, &s.advisor, renewed_id).await;
    let renewal = app.certify(&s.operator, &s.advisor, renewed_id).await;
    let (other_advisor, _) = app.advisor(&s.admin, &["building"], None).await;
    let others_at = app.building(&s.operator, 600).await;
    let others = app
        .certify(
            &s.operator,
            &other_advisor,
            others_at["id"].as_str().expect("id"),
        )
        .await;

    // A suspended one is flagged too: lifting its suspension must not bring it
    // back unreviewed.
    let suspended_at = app.building(&s.operator, 700).await;
    let suspended = app
        .certify(
            &s.operator,
            &s.advisor,
            suspended_at["id"].as_str().expect("id"),
        )
        .await;
    app.post(
        &format!("/api/v1/certificates/{suspended}/suspend"),
        Some(&s.admin),
        json!({"reason": "lockdown procedure under review"}),
    )
    .await
    .ok();

    // Nothing is flagged before the suspension.
    let none = app.get("/api/v1/reviews", Some(&s.admin)).await.ok();
    assert_eq!(none, json!([]));

    suspend(
        &app,
        &s.admin,
        &s.advisor_id,
        "complaint under investigation",
    )
    .await;
    let reviews = app.get("/api/v1/reviews", Some(&s.admin)).await.ok();
    let mut want = vec![active.clone(), renewal.clone(), suspended.clone()];
    want.sort();
    assert_eq!(
        numbers(&reviews),
        want,
        "only the active or suspended, unexpired ones"
    );
    for r in reviews.as_array().expect("list") {
        assert_eq!(r["state"], "open");
        assert_eq!(r["cause"], "suspended");
        assert_eq!(r["flag"], "Assessor's accreditation suspended — review");
        assert_eq!(r["reason"], "complaint under investigation");
        assert_eq!(r["advisor_id"], s.advisor_id.as_str());
        let was = if r["certificate_number"] == suspended.as_str() {
            "suspended"
        } else {
            "valid"
        };
        assert_eq!(r["certificate_status"], was, "the status does not change");
    }
    for n in [&revoked, &expired, &superseded, &others] {
        assert!(!numbers(&reviews).contains(n), "{n} must not be flagged");
    }
    assert_eq!(audit_count(&app, "certificate.flagged_for_review"), 3);
    // The flag's audit entry is the certificate's, in the same chain.
    let entries = app
        .get(
            &format!("/api/v1/audit?entity_type=certificate&entity_id={active}"),
            Some(&s.admin),
        )
        .await
        .ok();
    assert!(
        entries
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["action"] == "certificate.flagged_for_review"
                && e["after"]["cause"] == "suspended")
    );
}

#[tokio::test]
async fn a_withdrawal_after_a_suspension_keeps_one_review_that_says_withdrawn() {
    let app = spawn_app().await;
    let (s, id) = flagged(&app).await;
    app.post(
        &format!("/api/v1/advisors/{}/withdraw", s.advisor_id),
        Some(&s.admin),
        json!({"reason": "investigation upheld"}),
    )
    .await
    .ok();
    let reviews = app.get("/api/v1/reviews", Some(&s.admin)).await.ok();
    let list = reviews.as_array().expect("list");
    assert_eq!(list.len(), 1, "not duplicated: {reviews}");
    assert_eq!(list[0]["id"], id.as_str(), "the same review");
    assert_eq!(list[0]["cause"], "withdrawn");
    assert_eq!(
        list[0]["flag"],
        "Assessor's accreditation withdrawn — review"
    );
    assert_eq!(list[0]["reason"], "investigation upheld");
    // Two entries: the flag, then its change to withdrawn.
    assert_eq!(audit_count(&app, "certificate.flagged_for_review"), 2);
}

#[tokio::test]
async fn reinstating_the_accreditation_leaves_the_review_open_and_a_second_suspension_adds_none() {
    let app = spawn_app().await;
    let (s, id) = flagged(&app).await;
    app.post(
        &format!("/api/v1/advisors/{}/reinstate", s.advisor_id),
        Some(&s.admin),
        json!({"reason": "cleared"}),
    )
    .await
    .ok();
    let reviews = app.get("/api/v1/reviews", Some(&s.admin)).await.ok();
    assert_eq!(reviews.as_array().expect("list").len(), 1);
    assert_eq!(reviews[0]["id"], id.as_str());
    assert_eq!(reviews[0]["state"], "open", "an admin still decides");
    suspend(&app, &s.admin, &s.advisor_id, "again").await;
    let reviews = app.get("/api/v1/reviews", Some(&s.admin)).await.ok();
    assert_eq!(reviews.as_array().expect("list").len(), 1, "{reviews}");
    assert_eq!(audit_count(&app, "certificate.flagged_for_review"), 1);
}

#[tokio::test]
async fn the_record_shows_the_flag_and_the_accreditation_at_issue_but_the_public_check_does_not() {
    let app = spawn_app().await;
    let (s, id) = flagged(&app).await;
    let number = s.number().to_string();
    let police = app.police(&s.admin).await;
    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&police))
        .await
        .ok();
    // Stamped at issue: the advisor is suspended now, the record still says active.
    assert_eq!(record["accreditation_status_at_issue"], "active");
    assert_eq!(record["review"]["id"], id.as_str());
    assert_eq!(record["review"]["state"], "open");
    assert_eq!(
        record["review"]["flag"],
        "Assessor's accreditation suspended — review"
    );
    assert!(
        record["review"].get("reason").is_none(),
        "the admin's reason stays with admins"
    );
    // The police record page.
    let (status, html) = page(&app, &police, &format!("/police/certificates/{number}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Assessor&#39;s accreditation suspended — review")
            || html.contains("Assessor's accreditation suspended — review"),
        "{html}"
    );
    assert!(
        html.contains("Accreditation at issue</dt><dd>Active</dd>"),
        "{html}"
    );
    assert!(
        html.contains("Flagged for review: the advisor&#39;s accreditation changed")
            || html.contains("Flagged for review: the advisor's accreditation changed")
    );
    assert!(
        !html.contains("complaint under investigation"),
        "no admin reason"
    );
    // The public check says nothing of it.
    let public = app
        .get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    assert_eq!(public["status"], "valid");
    assert!(
        public.get("review").is_none() && public.get("accreditation_status_at_issue").is_none()
    );
    let verify = app
        .client
        .get(app.url(&format!("/verify?number={number}")))
        .send()
        .await
        .expect("verify")
        .text()
        .await
        .expect("html");
    assert!(!verify.to_lowercase().contains("review"), "{verify}");
    assert!(!verify.contains("accreditation"), "{verify}");

    // A certificate issued before the standing was recorded reads "not recorded".
    {
        use protectcert::db::schema::certificates;
        let mut conn = app.db.get().expect("conn");
        diesel::update(certificates::table.filter(certificates::number.eq(&number)))
            .set(certificates::accreditation_status_at_issue.eq(None::<String>))
            .execute(&mut *conn)
            .expect("old row");
    }
    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&police))
        .await
        .ok();
    assert_eq!(record["accreditation_status_at_issue"], Value::Null);
    let (_, html) = page(&app, &police, &format!("/police/certificates/{number}")).await;
    assert!(html.contains("Accreditation at issue</dt><dd>Not recorded</dd>"));
    let (_, html) = page(&app, &s.admin, &format!("/admin/certificates/{number}")).await;
    assert!(
        html.contains(&format!("/admin/reviews/{id}")),
        "admins get a link"
    );
}

#[tokio::test]
async fn confirming_closes_the_review_with_a_note_once() {
    let app = spawn_app().await;
    let (s, id) = flagged(&app).await;
    let path = format!("/api/v1/reviews/{id}/confirm");
    let refused = app.post(&path, Some(&s.admin), json!({})).await.expect(422);
    assert_eq!(refused["errors"][0]["field"], "note");
    let refused = app
        .post(&path, Some(&s.admin), json!({"note": "x".repeat(1001)}))
        .await
        .expect(422);
    assert_eq!(refused["errors"][0]["field"], "note");
    let done = app
        .post(
            &path,
            Some(&s.admin),
            json!({"note": "Scores checked against the evidence"}),
        )
        .await
        .ok();
    assert_eq!(done["state"], "confirmed");
    assert_eq!(done["note"], "Scores checked against the evidence");
    assert!(done["resolved_at"].is_string());
    assert_eq!(done["reassess_by"], Value::Null);
    // Open by default, resolved on asking.
    let open = app.get("/api/v1/reviews", Some(&s.admin)).await.ok();
    assert_eq!(open, json!([]));
    let resolved = app
        .get("/api/v1/reviews?status=resolved", Some(&s.admin))
        .await
        .ok();
    assert_eq!(resolved[0]["id"], id.as_str());
    let bad = app
        .get("/api/v1/reviews?status=maybe", Some(&s.admin))
        .await
        .expect(422);
    assert_eq!(bad["errors"][0]["field"], "status");
    // Once.
    let again = app
        .post(
            &format!("/api/v1/reviews/{id}/reassess"),
            Some(&s.admin),
            json!({"note": "changed my mind"}),
        )
        .await
        .expect(409);
    assert_eq!(again["code"], "review_resolved");
    assert_eq!(audit_count(&app, "review.confirmed"), 1);
    let record = app
        .get(
            &format!("/api/v1/certificates/{}", s.number()),
            Some(&s.operator),
        )
        .await
        .ok();
    assert_eq!(record["review"]["state"], "confirmed");
    assert_eq!(record["status"], "valid");
    let unknown = app
        .get("/api/v1/reviews/no-such-review", Some(&s.admin))
        .await
        .expect(404);
    assert_eq!(unknown["code"], "not_found");
}

/// Sends the outbox as the running service's sender does (with no SMTP server
/// configured it writes .eml files) and returns the mail containing `needle`.
async fn written_mail(app: &TestApp, needle: &str) -> String {
    let reminders = protectcert::notify::Reminders::new(&app.settings).expect("reminders");
    let mut report = protectcert::notify::SweepReport::default();
    reminders
        .deliver(&app.db, time::OffsetDateTime::now_utc(), &mut report)
        .await
        .expect("deliver");
    assert_eq!(report.sent.len(), 1, "{report:?}");
    let folder = app.settings.data_dir.join("outbox");
    for entry in std::fs::read_dir(&folder).expect("outbox folder").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
    }
    panic!("no mail containing {needle} in {}", folder.display());
}

/// The plain-text part of a mail, with quoted-printable soft breaks undone.
fn plain_text(eml: &str) -> String {
    let start = eml.find("Content-Type: text/plain").expect("a text part");
    let rest = &eml[start..];
    let body = &rest[rest.find("\r\n\r\n").map(|i| i + 4).unwrap_or(0)..];
    let end = body.find("\r\n--").unwrap_or(body.len());
    let body = body[..end].replace("=\r\n", "");
    // Decode =XX escapes (UTF-8 bytes).
    let mut bytes = Vec::new();
    let raw = body.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'=' && i + 2 < raw.len() {
            if let Ok(b) = u8::from_str_radix(&body[i + 1..i + 3], 16) {
                bytes.push(b);
                i += 3;
                continue;
            }
        }
        bytes.push(raw[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

#[tokio::test]
async fn ordering_a_reassessment_emails_the_operator_what_to_do_and_by_when() {
    let app = spawn_app().await;
    let (s, id) = flagged(&app).await;
    let number = s.number().to_string();
    let done = app
        .post(
            &format!("/api/v1/reviews/{id}/reassess"),
            Some(&s.admin),
            json!({"note": "Re-check the lockdown procedure and its exercise record"}),
        )
        .await
        .ok();
    assert_eq!(done["state"], "reassessment_ordered");
    let by = time::OffsetDateTime::now_utc().date() + time::Duration::days(90);
    assert_eq!(done["reassess_by"], by.to_string());
    assert_eq!(audit_count(&app, "review.reassessment_ordered"), 1);

    // The outbox row goes to the operator.
    let me = app.get("/api/v1/me", Some(&s.operator)).await.ok();
    let operator_email = me["email"].as_str().expect("email").to_string();
    let rows = app
        .get(
            "/api/v1/notifications?kind=reassessment_ordered",
            Some(&s.admin),
        )
        .await
        .ok();
    assert_eq!(rows.as_array().expect("rows").len(), 1, "{rows}");
    assert!(rows[0]["recipients"].to_string().contains(&operator_email));

    // The mail as written, read as the operator reads it.
    let eml = written_mail(&app, &number).await;
    assert!(eml.contains(&operator_email));
    let subject = eml
        .lines()
        .find(|l| l.starts_with("Subject:"))
        .expect("subject");
    assert!(subject.contains("Reassessment needed by"), "{subject}");
    let text = plain_text(&eml);
    let by_words = format!("{} {} {}", by.day(), by.month(), by.year());
    for want in [
        "asks you to have the premises assessed again by",
        by_words.as_str(),
        "Re-check the lockdown procedure and its exercise record",
        "was suspended",
        "It is not a finding against your premises.",
        "What to do:",
        "Until then the certificate stays valid",
        number.as_str(),
        &format!("/renew/{}", s.premises["id"].as_str().expect("id")),
    ] {
        assert!(text.contains(want), "the mail lacks {want:?}:\n{text}");
    }
    assert!(
        !text.contains("complaint under investigation"),
        "no admin reason"
    );

    // The certificate stays valid, marked on the record; the dashboard says so.
    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&s.operator))
        .await
        .ok();
    assert_eq!(record["status"], "valid");
    assert_eq!(record["review"]["state"], "reassessment_ordered");
    let (_, html) = page(&app, &s.operator, "/operator").await;
    assert!(html.contains("Reassessment ordered"), "{html}");
    assert!(html.contains("Re-check the lockdown procedure"));
    assert!(html.contains(&format!(
        "/operator/premises/{}/renew",
        s.premises["id"].as_str().expect("id")
    )));
    let police = app.police(&s.admin).await;
    let (_, html) = page(&app, &police, &format!("/police/certificates/{number}")).await;
    assert!(html.contains("Reassessment ordered"));
    assert!(html.contains(&by_words));
    // Withdrawing the accreditation later flags it no more.
    app.post(
        &format!("/api/v1/advisors/{}/withdraw", s.advisor_id),
        Some(&s.admin),
        json!({"reason": "final"}),
    )
    .await
    .ok();
    assert_eq!(
        app.get("/api/v1/reviews", Some(&s.admin)).await.ok(),
        json!([])
    );
}

#[tokio::test]
async fn the_admin_pages_count_list_and_resolve_reviews_keeping_the_note_on_a_refusal() {
    let app = spawn_app().await;
    let s = certified_scheme(&app).await;
    // The advisor page says what a suspension would flag.
    let (_, html) = page(&app, &s.admin, &format!("/admin/advisors/{}", s.advisor_id)).await;
    assert!(
        html.contains(
            "Suspending or withdrawing flags for review 1 certificate issued by this advisor"
        ),
        "{html}"
    );
    suspend(&app, &s.admin, &s.advisor_id, "complaint").await;
    let (_, html) = page(&app, &s.admin, &format!("/admin/advisors/{}", s.advisor_id)).await;
    assert!(
        html.contains("Withdrawing flags for review 1 certificate issued by this advisor"),
        "{html}"
    );
    let (_, html) = page(&app, &s.admin, "/admin").await;
    assert!(
        html.contains("<span class=\"count\">1</span> certificate flagged for review"),
        "{html}"
    );
    assert!(html.contains("href=\"/admin/reviews\""));
    let (status, html) = page(&app, &s.admin, "/admin/reviews").await;
    assert_eq!(status, 200);
    assert!(html.contains(s.number()));
    let reviews = app.get("/api/v1/reviews", Some(&s.admin)).await.ok();
    let id = reviews[0]["id"].as_str().expect("id").to_string();

    // A refused form keeps what was typed, with the error next to the field.
    let mut b = Browser::new(&app);
    b.cookies.push(("pc_session".into(), s.admin.clone()));
    let (status, _) = b.get(&format!("/admin/reviews/{id}")).await;
    assert_eq!(status, 200);
    let csrf = b.csrf();
    let long = format!("kept {}", "y".repeat(1000));
    let (status, html) = b
        .post(
            &format!("/admin/reviews/{id}/reassess"),
            &[("csrf", &csrf), ("note", &long)],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"reassess-note-error\""), "{html}");
    assert!(html.contains(&long), "the input is kept");
    let (status, html) = b
        .post(
            &format!("/admin/reviews/{id}/confirm"),
            &[("csrf", &csrf), ("note", "")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"confirm-note-error\""));
    let (status, to) = b
        .post(
            &format!("/admin/reviews/{id}/confirm"),
            &[("csrf", &csrf), ("note", "Scores checked")],
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (
            303,
            format!("/admin/reviews/{id}?done=review_confirmed").as_str()
        )
    );
    let (_, html) = b.get("/admin/reviews?status=resolved").await;
    assert!(html.contains("Reviewed: certificate confirmed"), "{html}");
    // A second decision is refused on the page, which says why.
    let (status, html) = b
        .post(
            &format!("/admin/reviews/{id}/reassess"),
            &[("csrf", &csrf), ("note", "late")],
        )
        .await;
    assert_eq!(status, 409);
    assert!(html.contains("closed already"), "{html}");
}

/// For the authorisation matrices: another advisor certifies a new building of the
/// scheme's operator, then is suspended; returns the open review's id.
pub(crate) async fn flagged_review(app: &TestApp, s: &crate::helpers::Scheme) -> String {
    let (advisor, advisor_id) = app.advisor(&s.admin, &["building"], None).await;
    let premises = app.building(&s.operator, 320).await;
    let number = app
        .certify(&s.operator, &advisor, premises["id"].as_str().expect("id"))
        .await;
    suspend(app, &s.admin, &advisor_id, "matrix").await;
    let reviews = app.get("/api/v1/reviews", Some(&s.admin)).await.ok();
    reviews
        .as_array()
        .expect("list")
        .iter()
        .find(|r| r["certificate_number"] == number.as_str())
        .and_then(|r| r["id"].as_str())
        .expect("the review")
        .to_string()
}

#[tokio::test]
async fn the_public_advisor_register_shows_each_accreditations_standing() {
    let app = spawn_app().await;
    let (s, _) = flagged(&app).await;
    let register = app.get("/api/v1/advisors", None).await.ok();
    let entry = register
        .as_array()
        .expect("register")
        .iter()
        .find(|a| a["id"] == s.advisor_id.as_str())
        .cloned()
        .expect("the advisor");
    assert_eq!(entry["status"], "suspended");
    assert!(entry.get("reason").is_none(), "no reason in public");
    let res = app
        .client
        .get(app.url("/advisors"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    let number = entry["accreditation_number"].as_str().expect("number");
    let row = html
        .split("<tr>")
        .find(|r| r.contains(number))
        .expect("the advisor's row");
    assert!(row.contains(">Suspended</span>"), "{row}");
    assert!(!html.contains("complaint under investigation"));
    assert!(
        !html.contains(s.number()),
        "no certificates on the register"
    );
}
