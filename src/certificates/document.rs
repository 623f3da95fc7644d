//! The signed PDF of a certificate: its QR token, its fields, the rendered page,
//! the token in the PDF's metadata (so machines need not scan the image), and the
//! PDF signature. Made once, when the certificate is issued, and stored byte for byte.

use std::path::Path;

use diesel::prelude::*;
use lopdf::{Dictionary, Object};
use sha2::{Digest, Sha256};

use super::pki::SigningIdentity;
use super::render::{CertificateFields, ConditionFields, Templates};
use super::token::{self, CertificateClaims, StatusEntry, TokenType};
use crate::db::models::{Certificate, Premises};
use crate::db::schema::certificate_documents;
use crate::db::{DbConnection, to_utc};
use crate::domain::clock;
use crate::domain::scoring::{ConditionDraft, Outcome};
use crate::domain::tier::{PremisesKind, Tier};

/// The metadata key under which the PDF carries its QR token.
pub const TOKEN_METADATA_KEY: &str = "ProtectcertToken";

/// Renders and signs certificates; shared by every request (cheap to share: fonts
/// are parsed and templates checked once at start).
pub struct CertificateDocuments {
    templates: Templates,
    pub identity: SigningIdentity,
    scheme_name: String,
    public_url: String,
    /// Dates on the certificate read in the scheme's time zone, as on the pages.
    time_zone: jiff::tz::TimeZone,
}

impl CertificateDocuments {
    pub fn new(
        templates_dir: &Path,
        identity: SigningIdentity,
        scheme_name: &str,
        public_url: &str,
        time_zone: &str,
    ) -> anyhow::Result<CertificateDocuments> {
        Ok(CertificateDocuments {
            templates: Templates::load(templates_dir)?,
            identity,
            scheme_name: scheme_name.to_string(),
            public_url: public_url.trim_end_matches('/').to_string(),
            time_zone: clock::zone(time_zone),
        })
    }

    /// The URL a QR code opens.
    pub fn verification_url(&self, token: &str) -> String {
        format!("{}/v/{token}", self.public_url)
    }

    /// Makes and stores the PDF of a new certificate, in the caller's transaction.
    pub fn issue(
        &self,
        tx: &mut DbConnection,
        cert: &Certificate,
        prem: &Premises,
        checklist_version: u32,
    ) -> anyhow::Result<()> {
        let made = self.make(tx, cert, prem, checklist_version)?;
        self.store(tx, cert, &made)
    }

    /// Signs the token and makes the signed PDF of a certificate, without storing
    /// it: issuance does this before its write transaction (issue 12, part D).
    pub fn make(
        &self,
        conn: &mut DbConnection,
        cert: &Certificate,
        prem: &Premises,
        checklist_version: u32,
    ) -> anyhow::Result<MadeDocument> {
        let claims = claims_of(cert, &self.public_url);
        let token = token::sign(conn, TokenType::Certificate, &claims)?;
        let fields = self.fields(cert, prem, checklist_version)?;
        let pdf = self.build(&fields, &token)?;
        Ok(MadeDocument {
            fields,
            claims,
            token,
            pdf,
        })
    }

    /// Whether `made` is exactly the document `cert` would get now: same fields
    /// on the page, same claims in the token.
    pub fn fits(
        &self,
        made: &MadeDocument,
        cert: &Certificate,
        prem: &Premises,
        checklist_version: u32,
    ) -> anyhow::Result<bool> {
        Ok(made.claims == claims_of(cert, &self.public_url)
            && made.fields == self.fields(cert, prem, checklist_version)?)
    }

    /// Stores a made document as the certificate's, in the caller's transaction.
    pub fn store(
        &self,
        tx: &mut DbConnection,
        cert: &Certificate,
        made: &MadeDocument,
    ) -> anyhow::Result<()> {
        diesel::insert_into(certificate_documents::table)
            .values((
                certificate_documents::certificate_id.eq(&cert.id),
                certificate_documents::sha256.eq(hex::encode(Sha256::digest(&made.pdf))),
                certificate_documents::pdf.eq(&made.pdf),
                certificate_documents::token.eq(&made.token),
                certificate_documents::created_at.eq(cert.issued_at),
            ))
            .execute(tx)?;
        Ok(())
    }

    /// Renders, tags and signs: the whole making of the file (what the benchmark times).
    pub fn build(&self, fields: &CertificateFields, token: &str) -> anyhow::Result<Vec<u8>> {
        let kind = PremisesKind::parse(&fields.kind)
            .ok_or_else(|| anyhow::anyhow!("unknown premises kind {}", fields.kind))?;
        let mut doc = self
            .templates
            .for_kind(kind)
            .render(fields, &self.verification_url(token))?;
        set_metadata(&mut doc, fields, token, &self.scheme_name)?;
        super::signature::sign_document(
            doc,
            &self.identity,
            &self.scheme_name,
            &format!("Certificate {} issued by the scheme", fields.number),
        )
    }

    pub fn fields(
        &self,
        cert: &Certificate,
        prem: &Premises,
        checklist_version: u32,
    ) -> anyhow::Result<CertificateFields> {
        let conditions: Vec<ConditionDraft> = serde_json::from_str(&cert.conditions)?;
        let tier = cert.tier;
        Ok(CertificateFields {
            scheme_name: self.scheme_name.clone(),
            public_url: self.public_url.clone(),
            number: cert.number.clone(),
            premises_name: cert.premises_name.clone(),
            address: cert.address.clone(),
            town: cert.town.clone(),
            postcode: cert.postcode.clone(),
            kind: cert.kind.as_str().to_string(),
            tier: cert.tier.as_str().to_string(),
            tier_label: tier_label(tier).to_string(),
            outcome_label: match cert.outcome {
                Outcome::CertifiedWithConditions => "Certified with conditions",
                _ => "Certified",
            }
            .to_string(),
            issued: clock::long_date(to_utc(cert.issued_at), &self.time_zone),
            expires: clock::long_date(to_utc(cert.expires_at), &self.time_zone),
            event_start: prem
                .event_start
                .map(|t| clock::date_time(to_utc(t), &self.time_zone))
                .unwrap_or_default(),
            event_end: prem
                .event_end
                .map(|t| clock::date_time(to_utc(t), &self.time_zone))
                .unwrap_or_default(),
            advisor_name: cert.advisor_name.clone(),
            accreditation_number: cert.accreditation_number.clone(),
            checklist_version: checklist_version.to_string(),
            conditions: conditions
                .into_iter()
                .map(|c| ConditionFields {
                    item_id: c.item_id,
                    text: c.text,
                    due: clock::long_date(c.due_at, &self.time_zone),
                })
                .collect(),
            lapse_terms: format!(
                "Lapses sooner on {}.",
                crate::domain::qualifying::lapse_words(crate::domain::qualifying::lapse_triggers(
                    cert.kind
                ))
            ),
        })
    }
}

/// A certificate's signed PDF and QR token, with what they were made from.
#[derive(Debug, Clone)]
pub struct MadeDocument {
    pub fields: CertificateFields,
    pub claims: CertificateClaims,
    pub token: String,
    pub pdf: Vec<u8>,
}

/// The public claims of a certificate, as its QR token carries them.
pub fn claims_of(cert: &Certificate, public_url: &str) -> CertificateClaims {
    CertificateClaims {
        sub: cert.number.clone(),
        name: claim_name(&cert.premises_name),
        postcode: cert.postcode.clone(),
        kind: cert.kind.as_str().to_string(),
        tier: cert.tier.as_str().to_string(),
        iat: to_utc(cert.issued_at).unix_timestamp(),
        exp: to_utc(cert.expires_at).unix_timestamp(),
        status: cert.status_index.map(|idx| StatusEntry {
            idx: idx.unsigned_abs(),
            uri: status_list_url(public_url),
        }),
    }
}

/// Where the signed status lists are published.
pub fn status_list_url(public_url: &str) -> String {
    format!("{}/api/v1/status-list", public_url.trim_end_matches('/'))
}

/// Names can be 200 characters; the token rides in the QR code, which must stay
/// scannable from paper, so the signed name is cut (the register has it whole).
const CLAIM_NAME_CHARS: usize = 60;

fn claim_name(name: &str) -> String {
    if name.chars().count() <= CLAIM_NAME_CHARS {
        name.to_string()
    } else {
        let cut: String = name.chars().take(CLAIM_NAME_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

pub fn tier_label(tier: Tier) -> &'static str {
    match tier {
        Tier::Enhanced => "Enhanced tier",
        Tier::Standard => "Standard tier",
        Tier::OutOfScope => "Outside the Act's tiers (voluntary certification)",
    }
}

/// The document information dictionary: title and author for readers, and the QR
/// token for machines.
fn set_metadata(
    doc: &mut lopdf::Document,
    fields: &CertificateFields,
    token: &str,
    scheme_name: &str,
) -> anyhow::Result<()> {
    let info = Dictionary::from_iter(vec![
        (
            "Title",
            Object::string_literal(format!("Protective Security Certificate {}", fields.number)),
        ),
        ("Author", Object::string_literal(scheme_name)),
        (
            "Subject",
            Object::string_literal(format!("{}, {}", fields.premises_name, fields.postcode)),
        ),
        ("Creator", Object::string_literal("protectcert")),
        (TOKEN_METADATA_KEY, Object::string_literal(token)),
    ]);
    let id = doc.add_object(info);
    doc.trailer.set("Info", Object::Reference(id));
    Ok(())
}

/// The QR token a PDF carries in its metadata.
pub fn token_in(pdf: &[u8]) -> Option<String> {
    let doc = lopdf::Document::load_mem(pdf).ok()?;
    let info = doc.trailer.get(b"Info").ok()?;
    let info = match info {
        Object::Reference(id) => doc.get_dictionary(*id).ok()?,
        Object::Dictionary(d) => d,
        _ => return None,
    };
    let value = info
        .get(TOKEN_METADATA_KEY.as_bytes())
        .ok()?
        .as_str()
        .ok()?;
    String::from_utf8(value.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_full_to_every_line_stays_within_50_kb() {
        let scheme = "Protective Security Certification Scheme";
        let documents = CertificateDocuments::new(
            Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/certificate-templates"
            )),
            super::super::pki::generate_identity(scheme).expect("identity"),
            scheme,
            "https://certificates.example.org",
            "Europe/London",
        )
        .expect("documents");
        let long = "Riverside Quay Exhibition & Conference Hall (North Wing), Bristol ".repeat(3);
        let condition = ConditionFields {
            item_id: "proc-04".into(),
            text: "Bring fully into place: a way to alert staff and the public quickly, tested \
                   and written down, with a named person responsible for it on every day"
                .into(),
            due: "22 February 2027".into(),
        };
        let fields = CertificateFields {
            scheme_name: scheme.into(),
            premises_name: long.clone(),
            address: long,
            conditions: vec![condition; 12],
            ..CertificateFields::example()
        };
        // Letters, digits and punctuation only: the fonts' fixed cuts, the
        // biggest faces a certificate carries.
        let pdf = documents.build(&fields, &"e".repeat(360)).expect("pdf");
        assert!(pdf.len() <= 50_000, "{} bytes", pdf.len());
    }

    #[test]
    fn long_names_are_cut_in_the_token_only_past_the_limit() {
        assert_eq!(claim_name("Riverside Hall"), "Riverside Hall");
        let long = "Ä".repeat(200);
        let cut = claim_name(&long);
        assert_eq!(cut.chars().count(), CLAIM_NAME_CHARS);
        assert!(cut.ends_with('…'));
    }
}
