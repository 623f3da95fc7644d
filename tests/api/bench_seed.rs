//! Issue 12 part A: `protectcert bench seed` fills an empty register that the real
//! app then serves as users rely on, and refuses one that already holds a register.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, fresh_database, spawn_app_with};

/// Runs `protectcert bench seed` on `url` with `data` as the data dir.
fn seed(url: &str, data: &Path, samples: &Path, extra: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_protectcert"))
        .args(["bench", "seed", "--password", PASSWORD])
        .args(extra)
        .arg("--sample-dir")
        .arg(samples)
        .env("PROTECTCERT_DATABASE_URL", url)
        .env("PROTECTCERT_DATA_DIR", data)
        .env(
            "PROTECTCERT_CHECKLISTS_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config/checklists"),
        )
        .output()
        .expect("run bench seed");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn lines(dir: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .lines()
        .map(str::to_string)
        .collect()
}

/// A register seeded by the binary, and the app booted on it.
async fn seeded(certificates: &str, pdfs: &str) -> (TestApp, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let samples = dir.path().join("samples");
    let url = fresh_database(dir.path());
    let (ok, out, err) = seed(
        &url,
        &data,
        &samples,
        &["--certificates", certificates, "--pdfs", pdfs],
    );
    assert!(ok, "seed failed: {out}\n{err}");
    let (data_dir, db_url) = (data.clone(), url.clone());
    let app = spawn_app_with(move |s| {
        s.data_dir = data_dir;
        s.database_url = db_url;
    })
    .await;
    (app, dir, out)
}

async fn count(app: &TestApp, police: &str, query: &str) -> usize {
    app.get(
        &format!("/api/v1/certificates?{query}&limit=200"),
        Some(police),
    )
    .await
    .ok()
    .as_array()
    .expect("list")
    .len()
}

#[tokio::test]
async fn a_seeded_register_verifies_searches_and_holds_signed_pdfs() {
    let (app, dir, out) = seeded("300", "3").await;
    let samples = dir.path().join("samples");
    assert!(out.contains("300 certificates"), "{out}");
    assert!(
        out.contains("admin@bench.test") && out.contains(PASSWORD),
        "{out}"
    );

    // A sampled number verifies with the status the seed meant.
    let expected: Vec<(String, String)> = lines(&samples, "expected.tsv")
        .into_iter()
        .map(|l| {
            let (n, s) = l.split_once('\t').expect("tab");
            (n.to_string(), s.to_string())
        })
        .collect();
    assert_eq!(
        expected.len(),
        300,
        "every certificate is a sample at this size"
    );
    for (number, status) in expected.iter().step_by(37) {
        let v = app
            .get(&format!("/api/v1/verify/{number}"), None)
            .await
            .ok();
        assert_eq!(v["status"], status.as_str(), "{number}");
    }
    // The counts by status are those of a real register: renewals superseded, lapsed
    // ones expired, most of the rest valid, a few withdrawn at most.
    let mut by_status: HashMap<&str, usize> = HashMap::new();
    for (_, s) in &expected {
        *by_status.entry(s.as_str()).or_default() += 1;
    }
    for status in ["valid", "expired", "superseded"] {
        assert!(
            by_status.get(status).copied().unwrap_or(0) >= 15,
            "{by_status:?}"
        );
    }
    let withdrawn = by_status.get("suspended").copied().unwrap_or(0)
        + by_status.get("revoked").copied().unwrap_or(0);
    assert!(withdrawn < 30, "{by_status:?}");

    // A sampled QR token verifies, for the certificate it names.
    let tokens = lines(&samples, "tokens.txt");
    let t = app
        .get(&format!("/api/v1/verify/token/{}", tokens[5]), None)
        .await
        .ok();
    assert_eq!(t["signature"], "valid");
    assert_eq!(t["certificate"]["number"], expected[5].0.as_str());
    assert_eq!(t["certificate"]["status"], expected[5].1.as_str());

    // The seeded police login searches by postcode, and by a premises name word.
    let police: Value = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "police@bench.test", "password": PASSWORD}),
        )
        .await
        .ok();
    let police = police["token"].as_str().expect("token").to_string();
    let postcode = &lines(&samples, "postcodes.txt")[7];
    let found = app
        .get(
            &format!(
                "/api/v1/certificates?postcode={}",
                postcode.replace(' ', "")
            ),
            Some(&police),
        )
        .await
        .ok();
    assert!(
        found
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["postcode"] == postcode.as_str()),
        "{postcode}: {found}"
    );
    let word = &lines(&samples, "names.txt")[3];
    assert!(
        count(&app, &police, &format!("q={word}")).await >= 1,
        "{word}"
    );
    // Two words of one name find it: the seeder wrote its pair terms.
    let pairs = lines(&samples, "name-pairs.txt");
    assert!(pairs.len() > 10, "{} lines", pairs.len());
    let mut found = 0;
    for pair in &pairs[..10] {
        assert_eq!(pair.split(' ').count(), 2, "{pair}");
        found += count(&app, &police, &format!("q={}", pair.replace(' ', "%20"))).await;
    }
    assert!(found >= 1, "{:?}", &pairs[..10]);
    // Every status a verifier reports is searchable, and the counts match the seed's.
    for status in ["valid", "expired", "superseded"] {
        let n = count(&app, &police, &format!("status={status}")).await;
        assert_eq!(n, by_status[status].min(200), "{status}");
    }

    // A seeded PDF passes the PDF verification of the installation.
    let number = &lines(&samples, "pdf-numbers.txt")[0];
    let admin: Value = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "admin@bench.test", "password": PASSWORD}),
        )
        .await
        .ok();
    let admin = admin["token"].as_str().expect("token");
    let res = app
        .client
        .get(app.url(&format!("/api/v1/certificates/{number}/pdf")))
        .bearer_auth(admin)
        .send()
        .await
        .expect("pdf");
    assert_eq!(res.status(), 200);
    let pdf = res.bytes().await.expect("bytes");
    let file = dir.path().join("seeded.pdf");
    std::fs::write(&file, &pdf).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_protectcert"))
        .arg("verify-pdf")
        .arg(&file)
        .args(["--url", &app.address])
        .output()
        .expect("verify-pdf");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("signature: valid"), "{text}");
    let meant = expected
        .iter()
        .find(|(n, _)| n == number)
        .map(|(_, s)| s.as_str())
        .expect("sampled");
    assert_eq!(out.status.success(), meant == "valid", "{meant}: {text}");
}

#[tokio::test]
async fn a_second_seed_is_refused_and_changes_nothing() {
    let (app, dir, _) = seeded("40", "1").await;
    let admin: Value = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "admin@bench.test", "password": PASSWORD}),
        )
        .await
        .ok();
    let admin = admin["token"].as_str().expect("token").to_string();
    let before = count(&app, &admin, "status=").await;
    let other = dir.path().join("again");
    let (ok, out, err) = seed(
        &app.settings.database_url,
        &app.settings.data_dir,
        &other,
        &["--certificates", "40"],
    );
    assert!(!ok, "a second seed must be refused: {out}");
    assert!(err.contains("already holds a register"), "{err}");
    assert!(!other.exists(), "no sample files for a refused seed");
    assert_eq!(before, 40);
    assert_eq!(count(&app, &admin, "status=").await, before);
}
