//! Fuzzing, as property tests: the parsers that read what anyone can hand the
//! service (checklist files, certificate numbers, PDFs given to `verify-pdf`, QR
//! tokens) are fed arbitrary input and mutations of real input. None may panic, and
//! no mutation of a genuine PDF or token may pass as genuine.
//!
//! Each target runs 1,024 cases (seconds, well under half a minute on a CI machine)
//! under `cargo test`; `PROPTEST_CASES=100000 cargo test --release --test fuzz`
//! runs longer.
//! (A `cargo fuzz` harness needs a nightly toolchain and a sanitizer build of the
//! whole dependency tree; these run on the stable toolchain CI already uses.)

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use protectcert::certificates::document::{CertificateDocuments, token_in};
use protectcert::certificates::pki::generate_identity;
use protectcert::certificates::render::CertificateFields;
use protectcert::certificates::signature::verify_document;
use protectcert::certificates::token::{PublicKey, TokenType, verify};
use protectcert::domain::certificate_number::{self, CertificateNumber};
use protectcert::domain::checklist::Checklist;
use rand::SeedableRng;
use rand::rngs::StdRng;
use x509_cert::Certificate;

/// 1,024 cases per target, or PROPTEST_CASES.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    ProptestConfig::with_cases(cases)
}

/// One way to spoil real input: flip a byte, cut the end off, insert or delete a run.
#[derive(Debug, Clone)]
enum Mutation {
    Set { at: usize, byte: u8 },
    Truncate { at: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Delete { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Set { at, byte }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        2 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        1 => (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Delete { at, len }),
    ]
}

fn apply(input: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut out = input.to_vec();
    for m in mutations {
        let n = out.len().max(1);
        match m {
            Mutation::Set { at, byte } => {
                if let Some(b) = out.get_mut(at % n) {
                    *b = *byte;
                }
            }
            Mutation::Truncate { at } => out.truncate(at % n),
            Mutation::Insert { at, bytes } => {
                let at = at % (out.len() + 1);
                out.splice(at..at, bytes.iter().copied());
            }
            Mutation::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(out.len());
                if at < end {
                    out.drain(at..end);
                }
            }
        }
    }
    out
}

// ---- the checklist loader ---------------------------------------------------

fn checklist_sources() -> &'static [String] {
    static SOURCES: OnceLock<Vec<String>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        ["building.toml", "event.toml"]
            .iter()
            .map(|f| {
                std::fs::read_to_string(
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("config/checklists")
                        .join(f),
                )
                .expect("shipped checklist")
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_checklist_loader_takes_any_text(text in any::<String>()) {
        let _ = Checklist::parse(&text);
    }

    #[test]
    fn the_checklist_loader_takes_any_spoilt_checklist(
        which in 0usize..2,
        mutations in proptest::collection::vec(mutation(), 1..8),
    ) {
        let source = checklist_sources()[which].as_bytes();
        let spoilt = apply(source, &mutations);
        let _ = Checklist::parse(&String::from_utf8_lossy(&spoilt));
    }
}

// ---- certificate numbers ------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_certificate_number_parses_from_any_text(text in any::<String>()) {
        let _ = text.parse::<CertificateNumber>();
    }

    #[test]
    fn a_certificate_number_parses_from_number_like_text(text in "[ PSCpsc0-9A-Za-z-]{0,24}") {
        if let Ok(n) = text.parse::<CertificateNumber>() {
            // Whatever parses prints as a number that parses back to itself.
            prop_assert_eq!(n.to_string().parse::<CertificateNumber>(), Ok(n));
        }
    }

    #[test]
    fn a_printed_certificate_number_parses_back(year in 2000i32..2100, seed in any::<u64>()) {
        let n = CertificateNumber::random(year, &mut StdRng::seed_from_u64(seed));
        prop_assert_eq!(n.to_string().parse::<CertificateNumber>(), Ok(n));
    }

    #[test]
    fn a_printed_old_certificate_number_parses_back(year in 2000i32..2100, serial in 0u64..1_000_000) {
        let n = CertificateNumber::legacy(year, serial);
        prop_assert_eq!(n.to_string().parse::<CertificateNumber>(), Ok(n));
    }
}

// ---- the verify-pdf parser ----------------------------------------------------

struct SignedPdf {
    pdf: Vec<u8>,
    ca: Certificate,
    /// The bytes the signature covers: all but the signature's own /Contents.
    covered: Vec<std::ops::Range<usize>>,
}

fn signed_pdf() -> &'static SignedPdf {
    static PDF: OnceLock<SignedPdf> = OnceLock::new();
    PDF.get_or_init(|| {
        let scheme = "Protective Security Certification Scheme";
        let identity = generate_identity(scheme).expect("identity");
        let ca = identity.ca().clone();
        let documents = CertificateDocuments::new(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("certificate-templates"),
            identity,
            scheme,
            "https://certificates.example.org",
            "Europe/London",
        )
        .expect("documents");
        let pdf = documents
            .build(&fields(scheme), &"e".repeat(360))
            .expect("a signed certificate");
        verify_document(&pdf, &ca).expect("the unspoilt PDF verifies");
        let covered = byte_range(&pdf);
        SignedPdf { pdf, ca, covered }
    })
}

/// The two ranges of `/ByteRange [a b c d]`.
fn byte_range(pdf: &[u8]) -> Vec<std::ops::Range<usize>> {
    let at = memchr::memmem::find(pdf, b"/ByteRange").expect("a /ByteRange");
    let open = at + pdf[at..].iter().position(|&b| b == b'[').expect("[");
    let close = open + pdf[open..].iter().position(|&b| b == b']').expect("]");
    let n: Vec<usize> = std::str::from_utf8(&pdf[open + 1..close])
        .expect("ascii")
        .split_whitespace()
        .map(|v| v.parse().expect("offset"))
        .collect();
    vec![n[0]..n[0] + n[1], n[2]..n[2] + n[3]]
}

fn fields(scheme: &str) -> CertificateFields {
    CertificateFields {
        scheme_name: scheme.into(),
        public_url: "https://certificates.example.org".into(),
        number: certificate_number::EXAMPLE.to_string(),
        premises_name: "Riverside Hall".into(),
        address: "1 Quay Street, Bristol".into(),
        town: "Bristol".into(),
        postcode: "BS1 4DJ".into(),
        kind: "building".into(),
        tier: "standard".into(),
        tier_label: "Standard tier".into(),
        outcome_label: "Certified".into(),
        issued: "24 November 2026".into(),
        expires: "24 November 2027".into(),
        event_start: String::new(),
        event_end: String::new(),
        advisor_name: "Ada Advisor".into(),
        accreditation_number: "PSA-0001".into(),
        checklist_version: "1".into(),
        conditions: Vec::new(),
        // Issue 13 part 9.
        lapse_terms: String::new(),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn verify_pdf_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let signed = signed_pdf();
        prop_assert!(verify_document(&bytes, &signed.ca).is_err());
        let _ = token_in(&bytes);
    }

    #[test]
    fn verify_pdf_takes_any_spoilt_certificate(mutations in proptest::collection::vec(mutation(), 1..6)) {
        let signed = signed_pdf();
        let spoilt = apply(&signed.pdf, &mutations);
        let _ = verify_document(&spoilt, &signed.ca);
        let _ = token_in(&spoilt);
    }

    #[test]
    fn no_changed_byte_of_a_signed_certificate_verifies(at in any::<usize>(), byte in any::<u8>()) {
        let signed = signed_pdf();
        let covered: Vec<usize> = signed.covered.iter().flat_map(|r| r.clone()).collect();
        let at = covered[at % covered.len()];
        prop_assume!(signed.pdf[at] != byte);
        let mut spoilt = signed.pdf.clone();
        spoilt[at] = byte;
        prop_assert!(verify_document(&spoilt, &signed.ca).is_err(), "byte {} changed and still valid", at);
    }
}

// ---- the QR token decoder -----------------------------------------------------

struct SignedToken {
    token: String,
    keys: Vec<PublicKey>,
}

fn signed_token() -> &'static SignedToken {
    static TOKEN: OnceLock<SignedToken> = OnceLock::new();
    TOKEN.get_or_init(|| {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        let der = key.to_pkcs8_der().expect("pkcs8");
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some("k1".into());
        header.typ = Some(TokenType::Certificate.typ().into());
        let claims = serde_json::json!({
            "sub": certificate_number::EXAMPLE.to_string(), "name": "Riverside Hall",
            "postcode": "BS1 4DJ", "kind": "building", "tier": "standard",
            "iat": 1_790_000_000, "exp": 1_820_000_000,
        });
        let token = jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
        )
        .expect("token");
        let keys = vec![PublicKey {
            kid: "k1".into(),
            x: URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes()),
        }];
        verify::<serde_json::Value>(&token, &keys, TokenType::Certificate)
            .expect("the unspoilt token verifies");
        SignedToken { token, keys }
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_token_decoder_takes_any_text(text in any::<String>()) {
        let t = signed_token();
        prop_assert!(verify::<serde_json::Value>(&text, &t.keys, TokenType::Certificate).is_err());
    }

    #[test]
    fn the_token_decoder_takes_jws_shaped_text(text in "[A-Za-z0-9_-]{0,80}\\.[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,100}") {
        let t = signed_token();
        prop_assert!(verify::<serde_json::Value>(&text, &t.keys, TokenType::StatusList).is_err());
        prop_assert!(verify::<serde_json::Value>(&text, &t.keys, TokenType::Certificate).is_err());
    }

    #[test]
    fn no_spoilt_token_verifies(mutations in proptest::collection::vec(mutation(), 1..4)) {
        let t = signed_token();
        let spoilt = String::from_utf8_lossy(&apply(t.token.as_bytes(), &mutations)).into_owned();
        prop_assume!(spoilt != t.token);
        prop_assert!(
            verify::<serde_json::Value>(&spoilt, &t.keys, TokenType::Certificate).is_err(),
            "{} verifies", spoilt
        );
        // A genuine certificate token is never a status list.
        prop_assert!(verify::<serde_json::Value>(&t.token, &t.keys, TokenType::StatusList).is_err());
    }
}
