//! Faults: the real binary killed with SIGKILL in the middle of a stream of
//! completions leaves no certificate without its PDF, no half-completed
//! application and an intact audit chain, and the completions it did not finish
//! can be made after a restart (on SQLite, and on PostgreSQL with
//! PROTECTCERT_TEST_DATABASE_URL).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use diesel::RunQueryDsl;
use protectcert::config::Settings;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fresh_database};

/// The service binary, killed (SIGKILL) when dropped.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Starts `protectcert serve` on `settings` and waits until it answers.
async fn serve(settings: &Settings) -> (Service, String) {
    let port = free_port();
    let address = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_protectcert"))
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PROTECTCERT_DATA_DIR", &settings.data_dir)
        .env("PROTECTCERT_DATABASE_URL", &settings.database_url)
        .env("PROTECTCERT_LISTEN", format!("127.0.0.1:{port}"))
        .env("PROTECTCERT_PUBLIC_URL", &address)
        .env("PROTECTCERT_REMINDERS_INTERVAL_SECS", "3600")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start protectcert serve");
    let service = Service(child);
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{address}/healthz")).send().await
            && r.status().is_success()
        {
            return (service, address);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("protectcert serve did not answer at {address}");
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.db.get().expect("conn");
    diesel::sql_query(sql)
        .get_result::<Count>(&mut *conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// The invariants a crash must never break.
fn assert_consistent(app: &TestApp, moment: &str) {
    let orphans = count(
        app,
        "SELECT COUNT(*) AS n FROM certificates c WHERE NOT EXISTS \
         (SELECT 1 FROM certificate_documents d WHERE d.certificate_id = c.id)",
    );
    assert_eq!(orphans, 0, "{moment}: a certificate without its PDF");
    let half = count(
        app,
        "SELECT COUNT(*) AS n FROM applications a WHERE a.status = 'completed' AND NOT EXISTS \
         (SELECT 1 FROM certificates c WHERE c.application_id = a.id)",
    );
    assert_eq!(
        half, 0,
        "{moment}: a completed application without its certificate"
    );
    let early = count(
        app,
        "SELECT COUNT(*) AS n FROM certificates c JOIN applications a ON a.id = c.application_id \
         WHERE a.status <> 'completed'",
    );
    assert_eq!(
        early, 0,
        "{moment}: a certificate for an application not completed"
    );
    let unaudited = count(
        app,
        "SELECT COUNT(*) AS n FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM audit_log l \
         WHERE l.action = 'certificate.issued' AND l.entity_id = c.number)",
    );
    assert_eq!(
        unaudited, 0,
        "{moment}: a certificate without its audit entry"
    );
    let twice = count(
        app,
        "SELECT COUNT(*) AS n FROM (SELECT entity_id FROM audit_log WHERE action = 'certificate.issued' \
         GROUP BY entity_id HAVING COUNT(*) > 1) t",
    );
    assert_eq!(twice, 0, "{moment}: a certificate issued twice");
    let out = Command::new(env!("CARGO_BIN_EXE_protectcert"))
        .args(["audit", "verify"])
        .env("PROTECTCERT_DATA_DIR", &app.settings.data_dir)
        .env("PROTECTCERT_DATABASE_URL", &app.settings.database_url)
        .output()
        .expect("audit verify");
    assert!(
        out.status.success(),
        "{moment}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn complete(client: &reqwest::Client, address: &str, advisor: &str, id: &str) -> Option<u16> {
    client
        .post(format!("{address}/api/v1/applications/{id}/complete"))
        .bearer_auth(advisor)
        .json(&json!({}))
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

#[tokio::test]
async fn sigkill_during_completions_leaves_every_record_whole() {
    const APPLICATIONS: usize = 12;
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = Settings::defaults().expect("settings");
    settings.data_dir = dir.path().to_path_buf();
    settings.database_url = fresh_database(dir.path());
    let (service, address) = serve(&settings).await;
    let app = TestApp::attached(address.clone(), settings.clone(), dir);

    // Twelve applications, each claimed and scored, ready to complete.
    let admin = app.admin().await;
    let (operator, _) = app.operator("Crash Test Venues Ltd").await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;
    let mut ready: Vec<String> = Vec::new();
    for _ in 0..APPLICATIONS {
        let premises = app.building(&operator, 300).await;
        let application = app
            .answered_application(&operator, premises["id"].as_str().expect("id"))
            .await;
        let id = application["id"].as_str().expect("id").to_string();
        let claimed = app.submit_and_claim(&operator, &advisor, &id).await;
        app.score_all(&advisor, &claimed, |item: &Value| item["max_score"].clone())
            .await;
        ready.push(id);
    }

    // All completions at once; SIGKILL once a third have answered, the rest in flight.
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(APPLICATIONS);
    let mut stream = Vec::new();
    for id in &ready {
        let (client, address, advisor, id, tx) = (
            app.client.clone(),
            address.clone(),
            advisor.clone(),
            id.clone(),
            done_tx.clone(),
        );
        stream.push(tokio::spawn(async move {
            let status = complete(&client, &address, &advisor, &id).await;
            if status == Some(200) {
                let _ = tx.send(()).await;
            }
            status
        }));
    }
    drop(done_tx);
    for _ in 0..APPLICATIONS / 3 {
        tokio::time::timeout(Duration::from_secs(60), done_rx.recv())
            .await
            .expect("a completion within a minute")
            .expect("completions succeed before the kill");
    }
    drop(service); // SIGKILL, mid-stream
    let mut answered = 0;
    for task in stream {
        if task.await.expect("join") == Some(200) {
            answered += 1;
        }
    }
    assert_consistent(&app, "after SIGKILL");
    let completed = count(
        &app,
        "SELECT COUNT(*) AS n FROM applications WHERE status = 'completed'",
    ) as usize;
    assert!(
        completed >= answered,
        "every completion answered 200 was kept ({completed} kept, {answered} answered)"
    );
    eprintln!(
        "killed with {completed} of {APPLICATIONS} completions committed ({answered} answered)"
    );

    // Restarted, the service finishes what the kill interrupted, and nothing twice.
    let (_service, address) = serve(&settings).await;
    for id in &ready {
        let status = complete(&app.client, &address, &advisor, id).await;
        assert!(
            matches!(status, Some(200) | Some(409)),
            "completing {id} after the restart: {status:?}"
        );
    }
    assert_consistent(&app, "after the restart");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM certificates") as usize,
        APPLICATIONS,
        "one certificate per application"
    );
}
