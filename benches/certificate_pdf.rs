//! Render and sign one certificate: the whole making of the PDF that issuance
//! does (template layout with embedded, subset fonts, the QR code, metadata, the
//! CMS signature over the byte range).
//!
//!     cargo bench --bench certificate_pdf
//!
//! Prints the median, 90th percentile and fastest of 300 runs after 30 warm-up
//! runs, and the file size, for the usual certificate and for one with an
//! accented name (its fonts cut for the document); BENCHMARKS.md records the
//! figures. Under `cargo test` (no `--bench` argument) it only makes one
//! certificate, as a smoke test.

use std::path::Path;
use std::time::{Duration, Instant};

use protectcert::certificates::document::CertificateDocuments;
use protectcert::certificates::pki::generate_identity;
use protectcert::certificates::render::{CertificateFields, ConditionFields};

const WARM_UP: usize = 30;
const RUNS: usize = 300;

fn main() -> anyhow::Result<()> {
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("certificate-templates");
    let scheme = "Protective Security Certification Scheme";
    let documents = CertificateDocuments::new(
        &templates,
        generate_identity(scheme)?,
        scheme,
        "https://certificates.example.org",
        "Europe/London",
    )?;
    let fields = fields(scheme);
    // A real token is about this long: header, seven claims, an Ed25519 signature.
    let token = "e".repeat(360);

    let pdf = documents.build(&fields, &token)?;
    // To look at the page (pdftoppm) or check it (pdfsig) by hand.
    if let Some(out) = std::env::var_os("CERTIFICATE_PDF_OUT") {
        std::fs::write(out, &pdf)?;
    }
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "certificate_pdf: one certificate made ({} bytes); run `cargo bench --bench certificate_pdf` to measure",
            pdf.len()
        );
        return Ok(());
    }
    measure(&documents, &fields, &token, "render + sign one certificate")?;
    // A name outside the fonts' fixed cuts: both faces are cut for the document.
    let accented = CertificateFields {
        premises_name: "Zoë Ó Briain".into(),
        advisor_name: "Zoë Ó Briain".into(),
        ..fields
    };
    measure(&documents, &accented, &token, "  with an accented name")?;
    Ok(())
}

fn measure(
    documents: &CertificateDocuments,
    fields: &CertificateFields,
    token: &str,
    what: &str,
) -> anyhow::Result<()> {
    let pdf = documents.build(fields, token)?;
    for _ in 0..WARM_UP {
        documents.build(fields, token)?;
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let pdf = documents.build(fields, token);
            let elapsed = start.elapsed();
            pdf.map(|_| elapsed)
        })
        .collect::<anyhow::Result<_>>()?;
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what} ({RUNS} runs): median {:.2} ms, p90 {:.2} ms, fastest {:.2} ms; {} bytes",
        ms(times[RUNS / 2]),
        ms(times[RUNS * 9 / 10]),
        ms(times[0]),
        pdf.len()
    );
    Ok(())
}

fn fields(scheme: &str) -> CertificateFields {
    CertificateFields {
        scheme_name: scheme.into(),
        public_url: "https://certificates.example.org".into(),
        number: "PSC-2026-000123-K".into(),
        premises_name: "Riverside Hall".into(),
        address: "1 Quay Street, Bristol".into(),
        town: "Bristol".into(),
        postcode: "BS1 4DJ".into(),
        kind: "building".into(),
        tier: "enhanced".into(),
        tier_label: "Enhanced tier".into(),
        outcome_label: "Certified with conditions".into(),
        issued: "24 November 2026".into(),
        expires: "24 November 2027".into(),
        event_start: String::new(),
        event_end: String::new(),
        advisor_name: "Ada Advisor".into(),
        accreditation_number: "PSA-0001".into(),
        checklist_version: "1".into(),
        conditions: vec![ConditionFields {
            item_id: "proc-04".into(),
            text: "Bring fully into place: a way to alert staff and the public quickly".into(),
            due: "22 February 2027".into(),
        }],
        // Issue 13 part 9.
        lapse_terms: String::new(),
    }
}
