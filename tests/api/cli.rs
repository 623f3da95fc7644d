use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn admin_create_reads_the_password_from_stdin() {
    let app = spawn_app().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_protectcert"))
        .args([
            "admin",
            "create",
            "--email",
            "root@scheme.test",
            "--name",
            "Root Admin",
        ])
        .env("PROTECTCERT_DATABASE_URL", &app.settings.database_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "root@scheme.test", "password": PASSWORD}),
        )
        .await
        .ok();
    assert_eq!(login["role"], "admin");
    // A weak password is refused with the reason.
    let mut child = Command::new(env!("CARGO_BIN_EXE_protectcert"))
        .args([
            "admin",
            "create",
            "--email",
            "weak@scheme.test",
            "--name",
            "Weak",
        ])
        .env("PROTECTCERT_DATABASE_URL", &app.settings.database_url)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"short\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
}

#[tokio::test]
async fn migrate_is_idempotent() {
    let app = spawn_app().await;
    let out = Command::new(env!("CARGO_BIN_EXE_protectcert"))
        .arg("migrate")
        .env("PROTECTCERT_DATABASE_URL", &app.settings.database_url)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 migration(s) applied"));
}
