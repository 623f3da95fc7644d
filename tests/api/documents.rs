//! Signed PDF certificates checked by independent tools: poppler's `pdfsig`,
//! `pdftotext` and `pdftoppm`, zbar's `zbarimg` and NSS's `certutil` (`.ci/test`
//! installs them). Then the QR token, the JWKS, the status list and `verify-pdf`.

use std::path::Path;
use std::process::{Command, Output};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::helpers::{Reply, Scheme, TestApp, certified_scheme, spawn_app};

/// Runs an external checker; a missing tool fails the test with what to install.
fn tool(program: &str, args: &[&str]) -> Output {
    Command::new(program).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {program} ({e}): install poppler-utils, zbar-tools and libnss3-tools (.ci/test does)")
    })
}

fn stdout(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub async fn download_pdf(app: &TestApp, token: &str, number: &str) -> Vec<u8> {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/certificates/{number}/pdf")))
        .bearer_auth(token)
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().expect("type"),
        "application/pdf"
    );
    res.bytes().await.expect("bytes").to_vec()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.to_string_lossy().into_owned()
}

/// pdfsig's report for a file, trusting the scheme CA through an NSS database.
fn pdfsig(dir: &Path, file: &str, ca_pem: &Path) -> String {
    let nss = dir.join("nss");
    if !nss.exists() {
        std::fs::create_dir_all(&nss).expect("nss dir");
        let db = format!("sql:{}", nss.display());
        let out = tool("certutil", &["-N", "-d", &db, "--empty-password"]);
        assert!(out.status.success(), "certutil -N: {}", stdout(&out));
        let ca = ca_pem.to_string_lossy();
        let out = tool(
            "certutil",
            &[
                "-A",
                "-d",
                &db,
                "-n",
                "scheme-ca",
                "-t",
                "CT,C,C",
                "-i",
                &ca,
            ],
        );
        assert!(out.status.success(), "certutil -A: {}", stdout(&out));
    }
    // pdfsig exits 0 even for a bad signature: the report is what counts.
    stdout(&tool(
        "pdfsig",
        &["-nssdir", &format!("sql:{}", nss.display()), file],
    ))
}

fn ca_path(app: &TestApp) -> std::path::PathBuf {
    app.settings.data_dir.join("keys").join("scheme-ca.pem")
}

#[tokio::test]
async fn the_issued_pdf_is_signed_and_pdfsig_trusts_it_through_the_scheme_ca() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let pdf = download_pdf(&app, &scheme.operator, scheme.number()).await;
    assert!(pdf.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().expect("dir");
    let file = write(dir.path(), "certificate.pdf", &pdf);
    let report = pdfsig(dir.path(), &file, &ca_path(&app));
    assert!(report.contains("Signature is Valid."), "{report}");
    assert!(report.contains("Total document signed"), "{report}");
    assert!(report.contains("Certificate is Trusted."), "{report}");
    assert!(report.contains("adbe.pkcs7.detached"), "{report}");

    // The published CA is the one the data dir holds.
    let published = app
        .client
        .get(app.url("/.well-known/scheme-ca.pem"))
        .send()
        .await
        .expect("ca")
        .text()
        .await
        .expect("pem");
    assert_eq!(
        published,
        std::fs::read_to_string(ca_path(&app)).expect("ca file")
    );
}

#[tokio::test]
async fn changing_any_signed_byte_breaks_the_signature() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let pdf = download_pdf(&app, &scheme.operator, scheme.number()).await;
    let dir = tempfile::tempdir().expect("dir");

    // A forger renames the premises in the document information.
    let at = pdf
        .windows(b"Riverside Hall".len())
        .position(|w| w == b"Riverside Hall")
        .expect("premises name in the metadata");
    let mut renamed = pdf.clone();
    renamed[at..at + 14].copy_from_slice(b"Riverside Hell");
    // And a single byte flipped at the very start and end of the signed range.
    let mut first = pdf.clone();
    first[9] ^= 0x01;
    let mut last = pdf.clone();
    let end = last.len() - 3;
    last[end] ^= 0x01;

    for (name, bytes) in [("renamed", &renamed), ("first", &first), ("last", &last)] {
        let file = write(dir.path(), &format!("{name}.pdf"), bytes);
        let report = pdfsig(dir.path(), &file, &ca_path(&app));
        assert!(
            !report.contains("Signature is Valid."),
            "{name}: pdfsig still says valid: {report}"
        );
    }
    // The untouched file still verifies, in the same NSS database.
    let file = write(dir.path(), "original.pdf", &pdf);
    assert!(pdfsig(dir.path(), &file, &ca_path(&app)).contains("Signature is Valid."));
}

#[tokio::test]
async fn every_download_returns_the_identical_file() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let police = app.police(&scheme.admin).await;
    let a = download_pdf(&app, &scheme.operator, scheme.number()).await;
    let b = download_pdf(&app, &police, scheme.number()).await;
    let c = download_pdf(&app, &scheme.admin, scheme.number()).await;
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[tokio::test]
async fn the_text_is_extractable_and_says_what_the_certificate_is() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let pdf = download_pdf(&app, &scheme.operator, scheme.number()).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = write(dir.path(), "c.pdf", &pdf);
    let out = tool("pdftotext", &["-layout", &file, "-"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        scheme.number(),
        "Riverside Hall",
        "1 Quay Street, Bristol, BS1 4DJ",
        "Standard tier",
        "Ada Advisor",
        "voluntary assurance",
        "not a statement of compliance",
        "not issued or approved by the regulator",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let info = stdout(&tool("pdfinfo", &[&file]));
    let field = |name: &str| -> String {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    assert_eq!(field("Pages:"), "1", "{info}");
    assert!(field("Page size:").ends_with("(A4)"), "{info}");
    let fonts = stdout(&tool("pdffonts", &[&file]));
    assert!(fonts.contains("DejaVuSans"), "{fonts}");
    // Every font is embedded (the `emb` column).
    for line in fonts.lines().skip(2) {
        assert!(line.contains(" yes "), "font not embedded: {line}");
    }
}

/// The QR code on the page rendered at 150 dpi, as a phone would see it.
fn qr_of(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let file = write(dir.path(), "c.pdf", pdf);
    let prefix = dir.path().join("page").to_string_lossy().into_owned();
    let out = tool(
        "pdftoppm",
        &["-r", "150", "-png", "-singlefile", &file, &prefix],
    );
    assert!(out.status.success(), "pdftoppm: {}", stdout(&out));
    let out = tool("zbarimg", &["--raw", "-q", &format!("{prefix}.png")]);
    assert!(
        out.status.success(),
        "zbarimg found no code: {}",
        stdout(&out)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn token_of(app: &TestApp, url: &str) -> String {
    url.strip_prefix(&format!("{}/v/", app.address))
        .unwrap_or_else(|| panic!("QR url {url} is not under {}/v/", app.address))
        .to_string()
}

#[tokio::test]
async fn the_qr_code_decodes_to_a_signed_token_that_verifies_online_and_offline() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let pdf = download_pdf(&app, &scheme.operator, scheme.number()).await;
    let url = qr_of(&pdf);
    let token = token_of(&app, &url);

    // Online: signature and live status.
    let checked = app
        .get(&format!("/api/v1/verify/token/{token}"), None)
        .await
        .ok();
    assert_eq!(checked["signature"], "valid");
    assert_eq!(checked["claims"]["sub"], scheme.number());
    assert_eq!(checked["claims"]["name"], "Riverside Hall");
    assert_eq!(checked["claims"]["postcode"], "BS1 4DJ");
    assert_eq!(checked["claims"]["kind"], "building");
    assert_eq!(checked["claims"]["tier"], "standard");
    assert_eq!(checked["certificate"]["status"], "valid");

    // Offline: the JWKS key named in the header verifies the signature with an
    // Ed25519 implementation that is not the service's.
    let jwks = app.get("/.well-known/jwks.json", None).await.ok();
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().expect("header"))
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(header["alg"], "EdDSA");
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the token's key is published");
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert!(ed25519_verifies(&token, key["x"].as_str().expect("x")));

    // The PDF's metadata carries the same token, so machines need not scan it.
    let dir = tempfile::tempdir().expect("dir");
    let file = write(dir.path(), "c.pdf", &pdf);
    let info = stdout(&tool("pdfinfo", &["-custom", &file]));
    assert!(info.contains(&token), "{info}");

    // The page the QR opens says VALID first, and no assessment detail.
    let page = page(&app, &format!("/v/{token}")).await;
    assert!(page.contains("<h1>VALID</h1>"), "{page}");
    assert!(page.contains("Riverside Hall"));
    assert!(page.contains("Bristol"));
    for secret in ["Ada Advisor", "score", "condition", "1 Quay Street"] {
        assert!(!page.contains(secret), "the public page shows {secret}");
    }
}

pub fn ed25519_verifies(token: &str, x: &str) -> bool {
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};
    let (signed, sig) = token.rsplit_once('.').expect("jws");
    let key: [u8; 32] = URL_SAFE_NO_PAD
        .decode(x)
        .expect("x")
        .try_into()
        .expect("32 bytes");
    let sig: [u8; 64] = URL_SAFE_NO_PAD
        .decode(sig)
        .expect("sig")
        .try_into()
        .expect("64 bytes");
    VerifyingKey::from_bytes(&key)
        .expect("key")
        .verify(signed.as_bytes(), &Signature::from_bytes(&sig))
        .is_ok()
}

pub async fn page(app: &TestApp, path: &str) -> String {
    let res = app.client.get(app.url(path)).send().await.expect("page");
    assert_eq!(res.status(), 200, "{path}");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/html")
    );
    res.text().await.expect("html")
}

#[tokio::test]
async fn altered_or_foreign_tokens_are_refused_on_every_surface() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let pdf = download_pdf(&app, &scheme.operator, scheme.number()).await;
    let token = token_of(&app, &qr_of(&pdf));

    // Change the tier in the payload, keep the signature.
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
    claims["tier"] = "enhanced".into();
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    let forged = parts.join(".");

    // A token from another installation of the service (its own keys).
    let other = spawn_app().await;
    let other_scheme = certified_scheme(&other).await;
    let other_pdf = download_pdf(&other, &other_scheme.operator, other_scheme.number()).await;
    let foreign = token_of(&other, &qr_of(&other_pdf));

    for bad in [forged.as_str(), foreign.as_str(), "not.a.token"] {
        let problem = app
            .get(&format!("/api/v1/verify/token/{bad}"), None)
            .await
            .expect(400);
        assert_eq!(crate::helpers::Reply::fields(&problem), vec!["token"]);
        let page = page(&app, &format!("/v/{bad}")).await;
        assert!(page.contains("<h1>NOT GENUINE</h1>"), "{page}");
    }
}

#[tokio::test]
async fn the_verify_page_takes_a_typed_number_and_catches_typos() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();

    let ask = page(&app, "/verify").await;
    assert!(ask.contains("CHECK A CERTIFICATE"));
    let valid = page(&app, &format!("/verify?number={number}")).await;
    assert!(valid.contains("<h1>VALID</h1>"), "{valid}");
    assert!(valid.contains("Riverside Hall"));
    // Lower case and spaces around are forgiven.
    let lower = page(
        &app,
        &format!("/verify?number=%20{}%20", number.to_lowercase()),
    )
    .await;
    assert!(lower.contains("<h1>VALID</h1>"), "{lower}");

    // One wrong check character: caught, not matched to anything.
    let last = number.chars().last().expect("check");
    let wrong = if last == 'A' { 'B' } else { 'A' };
    let typo = format!("{}{wrong}", &number[..number.len() - 1]);
    let page_typo = page(&app, &format!("/verify?number={typo}")).await;
    assert!(page_typo.contains("CHECK THE NUMBER"), "{page_typo}");
    assert!(!page_typo.contains("Riverside Hall"));
    // Escaped, never echoed raw.
    let hostile = page(&app, "/verify?number=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert!(!hostile.contains("<script>alert(1)</script>"));
    // Shown back escaped (as a named or a numeric character reference).
    assert!(
        hostile.contains("&lt;script&gt;") || hostile.contains("&#60;script&#62;"),
        "{hostile}"
    );
}

#[tokio::test]
async fn the_status_list_is_signed_with_a_published_key() {
    let app = spawn_app().await;
    let scheme: Scheme = certified_scheme(&app).await;
    let list = app.get("/api/v1/status-list", None).await.ok();
    let index = {
        let pdf = download_pdf(&app, &scheme.operator, scheme.number()).await;
        crate::public_register::status_index(
            &protectcert::certificates::document::token_in(&pdf).expect("token"),
        )
    };
    assert!(!crate::public_register::bits(&list, "suspension").get(index));
    assert!(!crate::public_register::bits(&list, "revocation").get(index));
    let token = list["token"].as_str().expect("token");
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().expect("h"))
            .expect("b64"),
    )
    .expect("json");
    let jwks = app.get("/.well-known/jwks.json", None).await.ok();
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("published");
    assert!(ed25519_verifies(token, key["x"].as_str().expect("x")));
    assert_eq!(header["typ"], "status-list+jwt");
    // Fresh for a day; an offline verifier knows when to fetch again.
    assert_eq!(
        list["exp"].as_i64().expect("exp") - list["iat"].as_i64().expect("iat"),
        86_400
    );
    // Signed with the same key, but never accepted as a certificate's token.
    let refused = app
        .get(&format!("/api/v1/verify/token/{token}"), None)
        .await
        .expect(400);
    assert!(
        refused["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("status-list+jwt"),
        "{refused}"
    );
    // The certificate's own token says what it is.
    let pdf = download_pdf(&app, &scheme.operator, scheme.number()).await;
    let cert_token = protectcert::certificates::document::token_in(&pdf).expect("token");
    let cert_header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(cert_token.split('.').next().expect("h"))
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(cert_header["typ"], "cert+jwt");
}

#[tokio::test]
async fn a_rotated_key_signs_new_certificates_and_old_ones_still_verify() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let old_token = token_of(
        &app,
        &qr_of(&download_pdf(&app, &scheme.operator, scheme.number()).await),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_protectcert"))
        .args(["keys", "rotate"])
        .env("PROTECTCERT_DATABASE_URL", &app.settings.database_url)
        .output()
        .expect("run keys rotate");
    assert!(out.status.success(), "{}", stdout(&out));

    let jwks = app.get("/.well-known/jwks.json", None).await.ok();
    assert_eq!(jwks["keys"].as_array().expect("keys").len(), 2);
    // The old certificate still verifies.
    app.get(&format!("/api/v1/verify/token/{old_token}"), None)
        .await
        .ok();
    // A new certificate is signed with the new, first-listed key.
    let renewal = certified_scheme(&app).await;
    let new_token = token_of(
        &app,
        &qr_of(&download_pdf(&app, &renewal.operator, renewal.number()).await),
    );
    let kid_of = |t: &str| -> Value {
        serde_json::from_slice::<Value>(
            &URL_SAFE_NO_PAD
                .decode(t.split('.').next().expect("h"))
                .expect("b64"),
        )
        .expect("json")["kid"]
            .clone()
    };
    assert_ne!(kid_of(&old_token), kid_of(&new_token));
    assert_eq!(kid_of(&new_token), jwks["keys"][0]["kid"]);
}

#[tokio::test]
async fn verify_pdf_passes_a_genuine_certificate_and_fails_a_tampered_one() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let pdf = download_pdf(&app, &scheme.operator, scheme.number()).await;
    let dir = tempfile::tempdir().expect("dir");
    let good = write(dir.path(), "good.pdf", &pdf);
    let mut altered = pdf.clone();
    let at = altered
        .windows(14)
        .position(|w| w == b"Riverside Hall")
        .expect("name");
    altered[at] = b'G';
    let bad = write(dir.path(), "bad.pdf", &altered);

    let run = |file: &str, extra: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_protectcert"))
            .arg("verify-pdf")
            .arg(file)
            .args(extra)
            .env("PROTECTCERT_DATABASE_URL", &app.settings.database_url)
            .output()
            .expect("run verify-pdf")
    };
    // Against the running service (CA, keys and live status over HTTP) …
    let out = run(&good, &["--url", &app.address]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("signature: valid"), "{text}");
    assert!(text.contains("verdict: VALID"), "{text}");
    // The signed status lists, read as an offline checker would.
    assert!(
        text.contains("status list: neither suspended nor revoked"),
        "{text}"
    );
    // Trusting the CA the same URL serves is said out loud, with its fingerprint.
    assert!(text.contains("trust: the CA served by"), "{text}");
    // … and against this installation's own database.
    let out = run(&good, &[]);
    assert!(out.status.success(), "{}", stdout(&out));

    let out = run(&bad, &["--url", &app.address]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("signature: NOT VALID"), "{text}");

    // A CA that did not issue the signing certificate is not trusted.
    let other = spawn_app().await;
    let foreign_ca = ca_path(&other);
    let out = run(
        &good,
        &["--url", &app.address, "--ca", &foreign_ca.to_string_lossy()],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("not made by a certificate of this scheme's CA"),
        "{text}"
    );

    // A genuine file of a certificate the scheme has revoked is not valid.
    app.post(
        &format!("/api/v1/certificates/{}/revoke", scheme.number()),
        Some(&scheme.admin),
        serde_json::json!({"reason": "premises closed"}),
    )
    .await
    .ok();
    for extra in [&["--url", app.address.as_str()][..], &[]] {
        let out = run(&good, extra);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains("signature: valid"), "{text}");
        assert!(text.contains("status: revoked"), "{text}");
        assert!(text.contains("verdict: NOT VALID (revoked)"), "{text}");
    }
    let text = stdout(&run(&good, &["--url", app.address.as_str()]));
    assert!(text.contains("status list: revoked"), "{text}");
}

/// Flips one byte of a certificate's stored PDF, as a fault or an intruder might.
pub fn corrupt_stored_pdf(app: &TestApp, number: &str) {
    use diesel::prelude::*;
    use protectcert::db::schema::{certificate_documents, certificates};
    let mut conn = app.db.get().expect("conn");
    let id: String = certificates::table
        .filter(certificates::number.eq(number))
        .select(certificates::id)
        .first(&mut *conn)
        .expect("certificate");
    let mut pdf: Vec<u8> = certificate_documents::table
        .find(&id)
        .select(certificate_documents::pdf)
        .first(&mut *conn)
        .expect("pdf");
    let middle = pdf.len() / 2;
    pdf[middle] ^= 0x20;
    diesel::update(certificate_documents::table.find(&id))
        .set(certificate_documents::pdf.eq(pdf))
        .execute(&mut *conn)
        .expect("corrupt");
}

/// A stored PDF that no longer matches the SHA-256 recorded at issue is never
/// served: a 500 problem instead.
#[tokio::test]
async fn a_corrupted_stored_pdf_is_refused_not_served() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    let good = download_pdf(&app, &scheme.operator, &number).await;
    assert!(good.starts_with(b"%PDF-"));
    corrupt_stored_pdf(&app, &number);
    let res = app
        .client
        .get(app.url(&format!("/api/v1/certificates/{number}/pdf")))
        .bearer_auth(&scheme.operator)
        .send()
        .await
        .expect("download");
    let reply = Reply::from(res).await;
    let body = reply.expect(500);
    assert_eq!(body["code"], "internal_error");
    assert!(!body.to_string().contains("%PDF"), "{body}");
}
