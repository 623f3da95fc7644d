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

/// Runs the binary in `cwd` with `env`, killing it if it has not ended within
/// `limit`; returns (exit code, stderr).
fn run_bounded(
    args: &[&str],
    cwd: &std::path::Path,
    env: &[(&str, &str)],
    limit: std::time::Duration,
) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_protectcert"));
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn");
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            child.kill().expect("kill");
            let out = child.wait_with_output().expect("wait");
            panic!(
                "{args:?} still running after {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_database_url_with_an_unknown_scheme_stops_the_service_without_a_new_register() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_string_lossy().into_owned();
    for url in [
        "Postgres://app:s3cret@127.0.0.1/register",
        "postgress://app:s3cret@127.0.0.1/register",
        "mysql://app:s3cret@127.0.0.1/register",
        " postgres://app:s3cret@127.0.0.1/register",
        "postgres://app:s3cret@127.0.0.1/register ",
        "  ",
    ] {
        for command in ["serve", "migrate"] {
            let (code, err) = run_bounded(
                &[command],
                dir.path(),
                &[
                    ("PROTECTCERT_DATABASE_URL", url),
                    ("PROTECTCERT_DATA_DIR", &data),
                    ("PROTECTCERT_LISTEN", "127.0.0.1:0"),
                ],
                std::time::Duration::from_secs(30),
            );
            assert_eq!(code, Some(1), "{command} with `{url}`: {err}");
            assert!(
                err.contains("PROTECTCERT_DATABASE_URL")
                    && err.contains("postgres://")
                    && err.contains("postgresql://")
                    && err.contains("sqlite://")
                    && err.contains("plain file path"),
                "{command} with `{url}`: {err}"
            );
            assert!(!err.contains("s3cret"), "the password is echoed: {err}");
            let left: Vec<_> = std::fs::read_dir(dir.path())
                .expect("read dir")
                .map(|e| e.expect("entry").file_name())
                .collect();
            assert!(left.is_empty(), "{command} with `{url}` created {left:?}");
        }
    }
}

#[tokio::test]
async fn a_sqlite_url_opens_the_file_it_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, err) = run_bounded(
        &["migrate"],
        dir.path(),
        &[("PROTECTCERT_DATABASE_URL", "sqlite://reg/p.db")],
        std::time::Duration::from_secs(60),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(dir.path().join("reg/p.db").is_file());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["reg"]);
}

#[tokio::test]
async fn a_postgres_server_that_refuses_is_one_clear_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("postgres://app:s3cret@127.0.0.1:{port}/register");
    for command in ["serve", "migrate"] {
        let (code, err) = run_bounded(
            &[command],
            dir.path(),
            &[
                ("PROTECTCERT_DATABASE_URL", url.as_str()),
                ("PROTECTCERT_LISTEN", "127.0.0.1:0"),
            ],
            std::time::Duration::from_secs(20),
        );
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains(&format!(
                "cannot connect to PostgreSQL: connection refused at 127.0.0.1:{port}"
            )),
            "{err}"
        );
        assert!(err.lines().count() <= 2, "more than one line: {err}");
        assert!(!err.contains("s3cret"), "{err}");
        // (`serve` makes its mail outbox folder first; never a SQLite register.)
        assert!(!dir.path().join("data/protectcert.db").exists());
    }
}
