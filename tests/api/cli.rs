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
        .env("PROTECTCERT_DATA_DIR", &app.settings.data_dir)
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
        .env("PROTECTCERT_DATA_DIR", &app.settings.data_dir)
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

/// Runs the binary with `env`, feeding `stdin`; returns (success, stdout, stderr).
fn run_cli(args: &[&str], env: &[(&str, &str)], stdin: &str) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_protectcert"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn");
    // A command that refuses at once may exit before reading its input.
    match child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.expect("write"),
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn commands_that_read_the_register_refuse_to_make_an_empty_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_string_lossy();
    for args in [
        &["reminders", "run"][..],
        &["audit", "verify"],
        &["keys", "rotate"],
        &[
            "users", "create", "--role", "police", "--email", "p@x.test", "--name", "P",
        ],
    ] {
        let (ok, _, err) = run_cli(
            args,
            &[("PROTECTCERT_DATA_DIR", &data)],
            &format!("{PASSWORD}\n"),
        );
        assert!(!ok, "{args:?} must fail without a register");
        assert!(err.contains("no register at"), "{args:?}: {err}");
        assert!(
            !dir.path().join("data").exists(),
            "{args:?} created {}",
            dir.path().join("data").display()
        );
    }
    let (ok, out, _) = run_cli(&["--help"], &[], "");
    assert!(ok);
    assert!(
        out.contains("PROTECTCERT_DATA_DIR") && out.contains("relative to the working folder"),
        "{out}"
    );
}

#[tokio::test]
async fn police_and_advisor_accounts_can_be_made_from_the_command_line() {
    let app = spawn_app().await;
    let data_dir = app.settings.data_dir.to_string_lossy();
    let db = [
        (
            "PROTECTCERT_DATABASE_URL",
            app.settings.database_url.as_str(),
        ),
        ("PROTECTCERT_DATA_DIR", &data_dir),
    ];
    let (ok, out, err) = run_cli(
        &[
            "users",
            "create",
            "--role",
            "police",
            "--email",
            "pc@police.test",
            "--name",
            "PC One",
        ],
        &db,
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("police account created"), "{out}");
    let (ok, _, err) = run_cli(
        &[
            "users", "create", "--role", "operator", "--email", "o@x.test", "--name", "O",
        ],
        &db,
        &format!("{PASSWORD}\n"),
    );
    assert!(!ok && err.contains("--role"), "{err}");
    let (ok, out, err) = run_cli(
        &[
            "advisors",
            "accredit",
            "--email",
            "adv@advisors.test",
            "--name",
            "Ann Advisor",
            "--number",
            "PSA-CLI-1",
            "--until",
            "2099-12-31",
            "--scopes",
            "building,event",
        ],
        &db,
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("PSA-CLI-1"), "{out}");
    for (email, role) in [
        ("pc@police.test", "police"),
        ("adv@advisors.test", "advisor"),
    ] {
        let login = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": PASSWORD}),
            )
            .await
            .ok();
        assert_eq!(login["role"], role);
    }
    let register = app.get("/api/v1/advisors", None).await.ok();
    let ann = register
        .as_array()
        .expect("advisors")
        .iter()
        .find(|a| a["accreditation_number"] == "PSA-CLI-1")
        .expect("on the register");
    assert_eq!(ann["scopes"], json!(["building", "event"]));
}

#[tokio::test]
async fn the_demo_seeds_an_empty_register_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let env = [("PROTECTCERT_DATA_DIR", data.to_str().expect("path"))];
    let (ok, out, err) = run_cli(&["demo"], &env, "");
    assert!(ok, "{err}");
    for email in [
        "admin@demo.test",
        "ada@advisors.demo.test",
        "pat@police.demo.test",
        "olive@quayside.demo.test",
    ] {
        assert!(out.contains(email), "{out}");
    }
    let (ok, _, err) = run_cli(&["audit", "verify"], &env, "");
    assert!(ok, "{err}");
    let (ok, _, err) = run_cli(&["demo"], &env, "");
    assert!(!ok, "a second demo must refuse");
    assert!(err.contains("empty database"), "{err}");
}
