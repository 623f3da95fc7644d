use std::process::Command;

use diesel::RunQueryDsl;
use serde_json::json;

use protectcert::db::models::AuditEntry;
use protectcert::domain::audit::{AuditRecord, format_time, sha256_link};

use crate::helpers::{TestApp, certified_scheme, spawn_app};

/// `protectcert audit verify [extra…]` on the app's register, with its data dir
/// (where its audit key is).
fn audit_cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_protectcert"))
        .arg("audit")
        .args(args)
        .env("PROTECTCERT_DATABASE_URL", &app.settings.database_url)
        .env("PROTECTCERT_DATA_DIR", &app.settings.data_dir)
        .output()
        .expect("run protectcert")
}

fn audit_verify(app: &TestApp) -> std::process::Output {
    audit_cli(app, &["verify"])
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
    let ok = audit_verify(&app);
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
    let broken = audit_verify(&app);
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
    let out = audit_verify(&app);
    assert!(
        !out.status.success(),
        "a truncated chain must fail verification"
    );
}

/// Every stored entry, oldest first, as the chain hashes it, with its stored links.
fn stored_chain(app: &TestApp) -> Vec<(AuditRecord, String, String)> {
    use diesel::prelude::*;
    use protectcert::db::schema::audit_log;
    let mut conn = app.db.get().expect("conn");
    let rows: Vec<AuditEntry> = audit_log::table
        .order(audit_log::seq.asc())
        .select(audit_log::all_columns)
        .load(&mut *conn)
        .expect("entries");
    rows.into_iter()
        .map(|e| {
            (
                AuditRecord {
                    seq: e.seq,
                    at: format_time(e.at),
                    actor_id: e.actor_id,
                    actor_role: e.actor_role,
                    action: e.action,
                    entity_type: e.entity_type,
                    entity_id: e.entity_id,
                    before: e.before,
                    after: e.after,
                },
                e.prev_hash,
                e.hash,
            )
        })
        .collect()
}

/// What someone with write access to the database, but not the key, can do: store
/// `chain` with every link from `from` on recomputed as plain SHA-256 (as the chain
/// was before links were keyed), and the counter's head to match.
fn relink_with_sha256(app: &TestApp, chain: &[(AuditRecord, String, String)], from: i64) {
    let mut conn = app.db.get().expect("conn");
    let mut prev = chain
        .iter()
        .find(|(r, _, _)| r.seq == from - 1)
        .map(|(_, _, h)| h.clone())
        .unwrap_or_default();
    for (record, _, _) in chain.iter().filter(|(r, _, _)| r.seq >= from) {
        let hash = sha256_link(&prev, record);
        let quote = |v: &Option<String>| match v {
            Some(v) => format!("'{}'", v.replace('\'', "''")),
            None => "NULL".into(),
        };
        diesel::sql_query(format!(
            "UPDATE audit_log SET action = '{}', after = {}, prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
            record.action.replace('\'', "''"),
            quote(&record.after),
            record.seq
        ))
        .execute(&mut *conn)
        .expect("rewrite entry");
        prev = hash;
    }
    let last = chain.last().map(|(r, _, _)| r.seq).unwrap_or(0);
    diesel::sql_query(format!(
        "UPDATE sequences SET value = {last}, last_hash = '{prev}' WHERE name = 'audit'"
    ))
    .execute(&mut *conn)
    .expect("rewrite head");
}

#[tokio::test]
async fn an_edit_relinked_with_sha256_is_detected_without_the_key() {
    let app = spawn_app().await;
    certified_scheme(&app).await;
    let mut chain = stored_chain(&app);
    let issued = chain
        .iter()
        .position(|(r, _, _)| r.action == "certificate.issued")
        .expect("issued entry");
    let seq = chain[issued].0.seq;
    chain[issued].0.after = Some(json!({"forged": true}).to_string());
    relink_with_sha256(&app, &chain, seq);
    let out = audit_verify(&app);
    assert!(
        !out.status.success(),
        "an edit whose chain was recomputed must still fail verification"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("audit entry {seq}")), "{stderr}");
    // The key is a file of the data dir, readable by its owner only, and is not in
    // the database.
    let key_file = protectcert::audit_key::key_file(&app.settings);
    let key = std::fs::read_to_string(&key_file).expect("key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "audit key mode {mode:o}");
    }
    let mut conn = app.db.get().expect("conn");
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found: Count = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM secrets WHERE value LIKE '%{}%'",
        key.trim()
    ))
    .get_result(&mut *conn)
    .expect("count");
    assert_eq!(found.n, 0, "the audit key is not stored in the database");
}

#[tokio::test]
async fn an_exported_head_proves_the_log_only_grew() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let out = audit_cli(&app, &["head"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head: serde_json::Value = serde_json::from_slice(&out.stdout).expect("head is JSON");
    let head_seq = head["seq"].as_i64().expect("seq");
    assert!(head_seq > 0);
    assert_eq!(head["hash"].as_str().map(str::len), Some(64), "{head}");
    let dir = tempfile::tempdir().expect("dir");
    let head_file = dir.path().join("head.json");
    std::fs::write(&head_file, &out.stdout).expect("write head");
    let head_arg = head_file.to_string_lossy().into_owned();

    // More activity: the log grows, and still holds the head.
    app.building(&scheme.operator, 120).await;
    assert!(stored_chain(&app).len() as i64 > head_seq);
    let grown = audit_cli(&app, &["verify", "--head", &head_arg]);
    assert!(
        grown.status.success(),
        "{}",
        String::from_utf8_lossy(&grown.stderr)
    );
    assert!(String::from_utf8_lossy(&grown.stdout).contains("intact"));

    // Cut back to before the head, counter and head link made to agree: the chain
    // alone still verifies (nothing in it says what was there), the head does not.
    let chain = stored_chain(&app);
    let keep = head_seq - 2;
    let last_kept = chain[(keep - 1) as usize].2.clone();
    {
        let mut conn = app.db.get().expect("conn");
        diesel::sql_query(format!("DELETE FROM audit_log WHERE seq > {keep}"))
            .execute(&mut *conn)
            .expect("delete");
        diesel::sql_query(format!(
            "UPDATE sequences SET value = {keep}, last_hash = '{last_kept}' WHERE name = 'audit'"
        ))
        .execute(&mut *conn)
        .expect("counter");
    }
    let plain = audit_verify(&app);
    assert!(
        plain.status.success(),
        "a clean cut is a shorter valid chain"
    );
    let cut = audit_cli(&app, &["verify", "--head", &head_arg]);
    assert!(!cut.status.success(), "a log cut below the head must fail");
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert!(
        stderr.contains(&format!("audit entry {head_seq}")),
        "{stderr}"
    );

    // Rewritten from the head on (relinked with SHA-256, the only links one without
    // the key can make): fails, with or without the head.
    let mut chain = stored_chain(&app);
    chain[(keep - 1) as usize].0.action = "forged".into();
    relink_with_sha256(&app, &chain, keep);
    assert!(
        !audit_cli(&app, &["verify", "--head", &head_arg])
            .status
            .success()
    );
    assert!(!audit_verify(&app).status.success());

    // A file that is not a head is refused with the reason.
    std::fs::write(&head_file, "not json").expect("write");
    let bad = audit_cli(&app, &["verify", "--head", &head_arg]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("audit head"));
}

#[tokio::test]
async fn a_log_from_before_keyed_links_is_checked_and_rekeyed_once() {
    let app = spawn_app().await;
    certified_scheme(&app).await;
    // As an older version left it: plain SHA-256 links, and no key file yet.
    let chain = stored_chain(&app);
    relink_with_sha256(&app, &chain, 1);
    let key_file = protectcert::audit_key::key_file(&app.settings);
    std::fs::remove_file(&key_file).expect("remove key");
    // The first start with keyed links generates the key and re-keys the log.
    protectcert::startup::prepare(app.settings.clone())
        .await
        .expect("start on the old register");
    assert!(key_file.exists());
    let out = audit_verify(&app);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rekeyed = stored_chain(&app);
    assert_eq!(rekeyed.len(), chain.len(), "no entry lost or added");
    assert!(rekeyed.iter().zip(&chain).all(|(a, b)| a.0 == b.0));
    // Later, an instance with another key is refused rather than forking the chain,
    // and so is a log relinked with SHA-256 (it is not re-keyed again).
    let mut other = app.settings.clone();
    other.audit_key = protectcert::config::Secret::new("another key of thirty-two characters!!");
    let refused = protectcert::startup::prepare(other).await;
    let message = format!("{:#}", refused.err().expect("another key is refused"));
    assert!(message.contains("same key"), "{message}");
    relink_with_sha256(&app, &stored_chain(&app), 1);
    let refused = protectcert::startup::prepare(app.settings.clone()).await;
    let message = format!("{:#}", refused.err().expect("a relinked log is refused"));
    assert!(
        message.contains("not linked with this audit key"),
        "{message}"
    );
    assert!(!audit_verify(&app).status.success());
}

#[tokio::test]
async fn a_lost_key_stops_the_service_rather_than_starting_a_new_chain() {
    let app = spawn_app().await;
    certified_scheme(&app).await;
    let key_file = protectcert::audit_key::key_file(&app.settings);
    let key = std::fs::read(&key_file).expect("key");
    std::fs::remove_file(&key_file).expect("lose the key");
    let refused = protectcert::startup::prepare(app.settings.clone()).await;
    let message = format!(
        "{:#}",
        refused.err().expect("a start without the key is refused")
    );
    assert!(message.contains("restore"), "{message}");
    assert!(!key_file.exists(), "no new key is left behind");
    let out = audit_verify(&app);
    assert!(!out.status.success(), "nor can the log be checked");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no audit key"));
    // The key restored, all is as it was.
    std::fs::write(&key_file, key).expect("restore the key");
    protectcert::startup::prepare(app.settings.clone())
        .await
        .expect("starts with its key back");
    assert!(audit_verify(&app).status.success());
}
