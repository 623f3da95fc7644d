use std::process::Command;

use diesel::RunQueryDsl;
use serde_json::json;

use crate::helpers::{certified_scheme, spawn_app};

fn audit_verify(database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_protectcert"))
        .args(["audit", "verify"])
        .env("PROTECTCERT_DATABASE_URL", database_url)
        .output()
        .expect("run protectcert")
}

#[tokio::test]
async fn every_state_change_is_audited_with_who_and_what() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let entries = app
        .get("/api/v1/audit?limit=1000", Some(&scheme.admin))
        .await
        .ok();
    let entries = entries.as_array().expect("entries");
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "checklist.published",
        "organisation.signed_up",
        "advisor.accredited",
        "premises.registered",
        "application.created",
        "application.answered",
        "application.submitted",
        "application.claimed",
        "application.scored",
        "application.completed",
        "certificate.issued",
    ] {
        assert!(actions.contains(&action), "no {action} in {actions:?}");
    }
    let issued = entries
        .iter()
        .find(|e| e["action"] == "certificate.issued")
        .expect("issued entry");
    assert_eq!(issued["actor_id"], scheme.advisor_id.as_str());
    assert_eq!(issued["actor_role"], "advisor");
    assert_eq!(issued["entity_id"], scheme.number());
    let submitted = entries
        .iter()
        .find(|e| e["action"] == "application.submitted")
        .expect("submitted entry");
    assert_eq!(submitted["before"]["status"], "draft");
    assert_eq!(submitted["after"]["status"], "submitted");
    // Chained: each entry names the hash of the one before.
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    let police = app.police(&scheme.admin).await;
    app.get("/api/v1/audit", Some(&police)).await.expect(403);
    app.get("/api/v1/audit?limit=0", Some(&scheme.admin))
        .await
        .expect(422);
    // Not a number at all: serde's "invalid digit" names nothing, the problem does.
    let body = app
        .get("/api/v1/audit?limit=abc", Some(&scheme.admin))
        .await
        .expect(400);
    assert_eq!(crate::helpers::Reply::fields(&body), ["limit"]);
}

#[tokio::test]
async fn audit_verify_passes_then_names_the_first_tampered_entry() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let url = app.settings.database_url.clone();
    let ok = audit_verify(&url);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intact"));
    // Rewrite history: the certificate was "issued" to someone else.
    let entries = app
        .get("/api/v1/audit?entity_type=certificate", Some(&scheme.admin))
        .await
        .ok();
    let seq = entries[0]["seq"].as_i64().expect("seq");
    let mut conn = app.db.get().expect("conn");
    diesel::sql_query(format!(
        "UPDATE audit_log SET after = '{}' WHERE seq = {seq}",
        json!({"forged": true})
    ))
    .execute(&mut *conn)
    .expect("tamper");
    let broken = audit_verify(&url);
    assert!(!broken.status.success(), "tampering must fail verification");
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains(&format!("audit entry {seq}")), "{stderr}");
}

#[tokio::test]
async fn deleting_the_newest_entries_is_detected() {
    let app = spawn_app().await;
    certified_scheme(&app).await;
    let mut conn = app.db.get().expect("conn");
    diesel::sql_query("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .execute(&mut *conn)
        .expect("delete");
    let out = audit_verify(&app.settings.database_url);
    assert!(
        !out.status.success(),
        "a truncated chain must fail verification"
    );
}
