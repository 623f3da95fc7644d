//! PDF digital signatures: a `/Sig` field whose `/Contents` is a CMS detached
//! signature (`adbe.pkcs7.detached`) over the `/ByteRange`, i.e. the whole file but
//! the signature value itself. Readers (poppler's pdfsig, Acrobat) validate it
//! against the certificates embedded in the CMS.
//!
//! Signing is done the usual way: write the file with a zero-filled `/Contents`
//! placeholder and a fixed-width `/ByteRange`, patch the byte range in place,
//! hash everything outside the placeholder, and write the CMS into it.

use cms::builder::{SignedDataBuilder, SignerInfoBuilder, create_signing_time_attribute};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::ContentInfo;
use cms::signed_data::{EncapsulatedContentInfo, SignedData, SignerIdentifier};
use der::asn1::OctetString;
use der::oid::db::{rfc5911, rfc5912};
use der::{Decode, Encode};
use lopdf::{Dictionary, Object, StringFormat};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::pki::SigningIdentity;

/// Room for the CMS beyond its certificates: the signer info, the signed
/// attributes and a P-256 signature take about 300 bytes.
const SIGNATURE_OVERHEAD: usize = 1024;

/// Room for the CMS of `identity`: its chain as DER plus the overhead, in whole
/// 256-byte steps. (A fixed 8 KB was 16 KB of hex zeros in every file; the
/// generated chain is about 1.2 KB.)
fn signature_space(identity: &SigningIdentity) -> anyhow::Result<usize> {
    let mut chain = 0;
    for cert in &identity.chain {
        chain += cert.to_der()?.len();
    }
    Ok((chain + SIGNATURE_OVERHEAD).next_multiple_of(256))
}
/// Marks the byte-range numbers to patch; ten digits is room for any real file.
const RANGE_MARKERS: [i64; 3] = [1_111_111_111, 2_222_222_222, 3_333_333_333];

/// Adds a signature field to `doc`, writes it out and signs the result.
pub fn sign_document(
    mut doc: lopdf::Document,
    identity: &SigningIdentity,
    signer_name: &str,
    reason: &str,
) -> anyhow::Result<Vec<u8>> {
    let signed_at = time::OffsetDateTime::now_utc();
    let space = signature_space(identity)?;
    let sig_id = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Sig".to_vec())),
        ("Filter", Object::Name(b"Adobe.PPKLite".to_vec())),
        ("SubFilter", Object::Name(b"adbe.pkcs7.detached".to_vec())),
        (
            "ByteRange",
            Object::Array(
                std::iter::once(0)
                    .chain(RANGE_MARKERS)
                    .map(Object::Integer)
                    .collect(),
            ),
        ),
        (
            "Contents",
            Object::String(vec![0u8; space], StringFormat::Hexadecimal),
        ),
        ("Name", Object::string_literal(signer_name)),
        ("Reason", Object::string_literal(reason)),
        ("M", Object::string_literal(pdf_date(signed_at))),
    ]));
    let page_id = doc
        .page_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("the document has no page to carry the signature"))?;
    // An invisible widget: the visible statement of who signed is the page itself.
    let field_id = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Annot".to_vec())),
        ("Subtype", Object::Name(b"Widget".to_vec())),
        ("FT", Object::Name(b"Sig".to_vec())),
        ("T", Object::string_literal("Scheme signature")),
        ("V", Object::Reference(sig_id)),
        (
            "Rect",
            Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
        ),
        ("F", Object::Integer(132)),
        ("P", Object::Reference(page_id)),
    ]));
    let page = doc.get_dictionary_mut(page_id)?;
    match page.get_mut(b"Annots") {
        Ok(Object::Array(annots)) => annots.push(Object::Reference(field_id)),
        _ => page.set("Annots", Object::Array(vec![Object::Reference(field_id)])),
    }
    doc.catalog_mut()?.set(
        "AcroForm",
        Dictionary::from_iter(vec![
            ("Fields", Object::Array(vec![Object::Reference(field_id)])),
            // SignaturesExist | AppendOnly
            ("SigFlags", Object::Integer(3)),
        ]),
    );

    let mut bytes = Vec::new();
    doc.save_to(&mut bytes)?;
    let (start, end) = placeholder(&bytes, space)?;
    let range = [0, start, end, bytes.len() - end];
    patch_byte_range(&mut bytes, start, range)?;

    let mut hasher = Sha256::new();
    hasher.update(&bytes[..start]);
    hasher.update(&bytes[end..]);
    let cms = cms_detached(identity, &hasher.finalize())?;
    let hex_cms = hex::encode_upper(&cms);
    if hex_cms.len() > end - start - 2 {
        anyhow::bail!("the CMS signature ({} bytes) does not fit", cms.len());
    }
    bytes[start + 1..start + 1 + hex_cms.len()].copy_from_slice(hex_cms.as_bytes());
    Ok(bytes)
}

/// The `<000…>` placeholder: (offset of `<`, offset just past `>`).
fn placeholder(bytes: &[u8], space: usize) -> anyhow::Result<(usize, usize)> {
    let mut needle = Vec::with_capacity(space * 2 + 2);
    needle.push(b'<');
    needle.extend(std::iter::repeat_n(b'0', space * 2));
    needle.push(b'>');
    let start = find(bytes, &needle)
        .ok_or_else(|| anyhow::anyhow!("signature placeholder not found in the written PDF"))?;
    Ok((start, start + needle.len()))
}

/// Writes the real byte range over the markers, padded to the same width. The
/// markers are looked for only inside the `/ByteRange` array of the object that
/// holds the placeholder: premises names and postcodes elsewhere in the file are
/// user text and may contain the same digits.
fn patch_byte_range(bytes: &mut [u8], placeholder: usize, range: [usize; 4]) -> anyhow::Result<()> {
    let missing = || anyhow::anyhow!("the signature dictionary's /ByteRange was not found");
    let object = rfind(&bytes[..placeholder], b" obj").ok_or_else(missing)?;
    let object_end = placeholder + find(&bytes[placeholder..], b"endobj").ok_or_else(missing)?;
    let key = object + find(&bytes[object..object_end], b"/ByteRange").ok_or_else(missing)?;
    let open = key + find(&bytes[key..object_end], b"[").ok_or_else(missing)?;
    let close = open + find(&bytes[open..object_end], b"]").ok_or_else(missing)?;
    for (marker, value) in RANGE_MARKERS.iter().zip(&range[1..]) {
        let marker = marker.to_string();
        let at = open
            + find(&bytes[open..close], marker.as_bytes())
                .ok_or_else(|| anyhow::anyhow!("byte range marker {marker} not found"))?;
        let text = format!("{value:<width$}", width = marker.len());
        if text.len() != marker.len() {
            anyhow::bail!("the PDF is too large for the byte range");
        }
        bytes[at..at + marker.len()].copy_from_slice(text.as_bytes());
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(haystack, needle)
}

fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: rfc5912::ID_SHA_256,
        parameters: None,
    }
}

/// A CMS SignedData without content, signing `digest` through signed attributes,
/// carrying the whole chain so that readers can build the path to the scheme CA.
fn cms_detached(identity: &SigningIdentity, digest: &[u8]) -> anyhow::Result<Vec<u8>> {
    let content = EncapsulatedContentInfo {
        econtent_type: rfc5911::ID_DATA,
        econtent: None,
    };
    let leaf = identity.leaf();
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: leaf.tbs_certificate.issuer.clone(),
        serial_number: leaf.tbs_certificate.serial_number.clone(),
    });
    let mut signer = SignerInfoBuilder::new(
        &identity.key,
        sid,
        sha256_algorithm(),
        &content,
        Some(digest),
    )
    .map_err(cms_error)?;
    signer
        .add_signed_attribute(create_signing_time_attribute().map_err(cms_error)?)
        .map_err(cms_error)?;
    let mut builder = SignedDataBuilder::new(&content);
    builder
        .add_digest_algorithm(sha256_algorithm())
        .map_err(cms_error)?;
    for cert in &identity.chain {
        builder
            .add_certificate(CertificateChoices::Certificate(cert.clone()))
            .map_err(cms_error)?;
    }
    builder
        .add_signer_info::<SigningKey, DerSignature>(signer)
        .map_err(cms_error)?;
    Ok(builder.build().map_err(cms_error)?.to_der()?)
}

fn cms_error(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("building the CMS signature failed: {e}")
}

/// PDF date string, e.g. `D:20261124193000Z`.
fn pdf_date(t: time::OffsetDateTime) -> String {
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Why a PDF's signature is not good.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureProblem {
    #[error("the file is not a readable PDF")]
    NotPdf,
    #[error("the PDF carries no signature")]
    Unsigned,
    #[error("the signature does not cover the whole file")]
    PartialCoverage,
    #[error("the file was changed after it was signed")]
    Altered,
    #[error("the signature value is not a valid CMS signature")]
    BadCms,
    #[error("the signature was not made by a certificate of this scheme's CA")]
    UntrustedSigner,
    #[error(
        "the signing certificate is not for signing documents (a CA, or no digitalSignature use)"
    )]
    SignerNotForSigning,
    #[error("the signing certificate is outside its validity period")]
    SignerExpired,
}

/// Checks the PDF's signature covers the whole file, matches its bytes, and was
/// made by a certificate that `ca` issued. Returns the signer's subject.
pub fn verify_document(bytes: &[u8], ca: &Certificate) -> Result<String, SignatureProblem> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|_| SignatureProblem::NotPdf)?;
    let sig = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .find(|d| d.get(b"Type").and_then(Object::as_name).ok() == Some(b"Sig".as_slice()))
        .ok_or(SignatureProblem::Unsigned)?;
    let range: Vec<usize> = sig
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .map_err(|_| SignatureProblem::Unsigned)?
        .iter()
        .filter_map(|o| o.as_i64().ok().and_then(|v| usize::try_from(v).ok()))
        .collect();
    let [a, b, c, d] = range[..] else {
        return Err(SignatureProblem::Unsigned);
    };
    // The range must be the whole file but the `<…>` signature value itself.
    if a != 0 || b >= c || c.checked_add(d) != Some(bytes.len()) {
        return Err(SignatureProblem::PartialCoverage);
    }
    if bytes.get(b) != Some(&b'<') || bytes.get(c - 1) != Some(&b'>') {
        return Err(SignatureProblem::PartialCoverage);
    }
    let hex_value: Vec<u8> = bytes[b + 1..c - 1]
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let raw = hex::decode(&hex_value).map_err(|_| SignatureProblem::BadCms)?;
    // The value is zero-padded after the DER; the DER header says where it ends,
    // and the padding must be nothing but zeros (it is outside the signed range).
    let cms = der_prefix(&raw).ok_or(SignatureProblem::BadCms)?;
    if raw[cms.len()..].iter().any(|&b| b != 0) {
        return Err(SignatureProblem::Altered);
    }
    let info = ContentInfo::from_der(cms).map_err(|_| SignatureProblem::BadCms)?;
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|_| SignatureProblem::BadCms)?;
    let signer = signed
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or(SignatureProblem::BadCms)?;
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or(SignatureProblem::BadCms)?;

    let mut hasher = Sha256::new();
    hasher.update(&bytes[..b]);
    hasher.update(&bytes[c..]);
    let digest = hasher.finalize();
    let claimed = attrs
        .iter()
        .find(|a| a.oid == rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or(SignatureProblem::BadCms)?;
    if claimed.as_bytes() != &digest[..] {
        return Err(SignatureProblem::Altered);
    }

    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        return Err(SignatureProblem::BadCms);
    };
    let leaf = signed
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|c| match c {
                CertificateChoices::Certificate(cert)
                    if cert.tbs_certificate.serial_number == sid.serial_number
                        && cert.tbs_certificate.issuer == sid.issuer =>
                {
                    Some(cert.clone())
                }
                _ => None,
            })
        })
        .ok_or(SignatureProblem::BadCms)?;
    let signer_key = verifying_key(&leaf).ok_or(SignatureProblem::BadCms)?;
    let signature = p256::ecdsa::Signature::from_der(signer.signature.as_bytes())
        .map_err(|_| SignatureProblem::BadCms)?;
    let attrs_der = attrs.to_der().map_err(|_| SignatureProblem::BadCms)?;
    use p256::ecdsa::signature::Verifier;
    signer_key
        .verify(&attrs_der, &signature)
        .map_err(|_| SignatureProblem::Altered)?;

    if !issued_by(&leaf, ca) {
        return Err(SignatureProblem::UntrustedSigner);
    }
    check_signing_certificate(&leaf, std::time::SystemTime::now())?;
    Ok(leaf.tbs_certificate.subject.to_string())
}

/// The signer must be an end-entity certificate meant for signatures, valid now:
/// a CA that issues other certificates must not make every one of them a signer
/// of scheme documents by default.
fn check_signing_certificate(
    cert: &Certificate,
    now: std::time::SystemTime,
) -> Result<(), SignatureProblem> {
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
    let tbs = &cert.tbs_certificate;
    let validity = &tbs.validity;
    if now < validity.not_before.to_system_time() || now > validity.not_after.to_system_time() {
        return Err(SignatureProblem::SignerExpired);
    }
    let is_ca = matches!(tbs.get::<BasicConstraints>(), Ok(Some((_, bc))) if bc.ca);
    let signs = matches!(
        tbs.get::<KeyUsage>(),
        Ok(Some((_, usage))) if usage.0.contains(KeyUsages::DigitalSignature)
    );
    if is_ca || !signs {
        return Err(SignatureProblem::SignerNotForSigning);
    }
    Ok(())
}

/// Whether `ca` signed `cert` (names chain and the signature verifies).
pub fn issued_by(cert: &Certificate, ca: &Certificate) -> bool {
    if cert.tbs_certificate.issuer != ca.tbs_certificate.subject {
        return false;
    }
    let (Some(ca_key), Ok(tbs)) = (verifying_key(ca), cert.tbs_certificate.to_der()) else {
        return false;
    };
    let Some(sig) = cert.signature.as_bytes() else {
        return false;
    };
    let Ok(sig) = p256::ecdsa::Signature::from_der(sig) else {
        return false;
    };
    use p256::ecdsa::signature::Verifier;
    ca_key.verify(&tbs, &sig).is_ok()
}

fn verifying_key(cert: &Certificate) -> Option<VerifyingKey> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    VerifyingKey::from_sec1_bytes(spki.subject_public_key.as_bytes()?).ok()
}

/// The DER element at the start of `raw`, without trailing padding.
fn der_prefix(raw: &[u8]) -> Option<&[u8]> {
    let mut reader = der::SliceReader::new(raw).ok()?;
    let header = der::Header::decode(&mut reader).ok()?;
    let header_len = usize::try_from(header.encoded_len().ok()?).ok()?;
    let body_len = usize::try_from(header.length).ok()?;
    raw.get(..header_len + body_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_are_utc_and_zero_padded() {
        let t = time::macros::datetime!(2026-03-04 05:06:07 UTC);
        assert_eq!(pdf_date(t), "D:20260304050607Z");
    }

    /// A one-page document whose metadata holds `info` (user text in real life).
    fn document_with_info(info: &str) -> lopdf::Document {
        let mut doc = lopdf::Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let page_id = doc.add_object(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Page".to_vec())),
            ("Parent", Object::Reference(pages_id)),
            (
                "MediaBox",
                Object::Array(vec![0.into(), 0.into(), 595.into(), 842.into()]),
            ),
        ]));
        doc.objects.insert(
            pages_id,
            Object::Dictionary(Dictionary::from_iter(vec![
                ("Type", Object::Name(b"Pages".to_vec())),
                ("Kids", Object::Array(vec![Object::Reference(page_id)])),
                ("Count", Object::Integer(1)),
            ])),
        );
        let catalog = doc.add_object(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Catalog".to_vec())),
            ("Pages", Object::Reference(pages_id)),
        ]));
        doc.trailer.set("Root", Object::Reference(catalog));
        let info = doc.add_object(Dictionary::from_iter(vec![(
            "Subject",
            Object::string_literal(info),
        )]));
        doc.trailer.set("Info", Object::Reference(info));
        doc
    }

    #[test]
    fn user_text_that_looks_like_the_byte_range_markers_does_not_capture_them() {
        let identity = super::super::pki::generate_identity("Test Scheme").expect("identity");
        let hostile = "Hall 1111111111 2222222222 3333333333, 1111111111";
        let pdf = sign_document(
            document_with_info(hostile),
            &identity,
            "Test Scheme",
            "test",
        )
        .expect("sign");
        assert!(pdf.windows(hostile.len()).any(|w| w == hostile.as_bytes()));
        assert!(verify_document(&pdf, identity.ca()).is_ok());
    }

    #[test]
    fn a_signed_document_verifies_and_any_change_is_caught() {
        let identity = super::super::pki::generate_identity("Test Scheme").expect("identity");
        let pdf =
            sign_document(document_with_info("Riverside Hall"), &identity, "S", "r").expect("sign");
        assert!(verify_document(&pdf, identity.ca()).is_ok());
        let at = pdf
            .windows(14)
            .position(|w| w == b"Riverside Hall")
            .expect("text");
        let mut altered = pdf.clone();
        altered[at] = b'G';
        assert_eq!(
            verify_document(&altered, identity.ca()),
            Err(SignatureProblem::Altered)
        );
        let other = super::super::pki::generate_identity("Other").expect("other");
        assert_eq!(
            verify_document(&pdf, other.ca()),
            Err(SignatureProblem::UntrustedSigner)
        );
    }

    #[test]
    fn bytes_hidden_in_the_signature_padding_are_caught() {
        let identity = super::super::pki::generate_identity("Test Scheme").expect("identity");
        let pdf = sign_document(document_with_info("x"), &identity, "S", "r").expect("sign");
        // The last hex digit before '>' is padding: outside the signed range.
        let (_, end) = placeholder_end(&pdf);
        let mut hidden = pdf.clone();
        hidden[end - 2] = b'F';
        assert_eq!(
            verify_document(&hidden, identity.ca()),
            Err(SignatureProblem::Altered)
        );
    }

    /// Where the signature value ends in a signed file.
    fn placeholder_end(pdf: &[u8]) -> (usize, usize) {
        let contents = find(pdf, b"/Contents").expect("contents");
        let start = contents + find(&pdf[contents..], b"<").expect("<");
        let end = start + find(&pdf[start..], b">").expect(">") + 1;
        (start, end)
    }

    #[test]
    fn only_a_current_end_entity_signing_certificate_may_sign() {
        let identity = super::super::pki::generate_identity("Test Scheme").expect("identity");
        let now = std::time::SystemTime::now();
        assert_eq!(check_signing_certificate(identity.leaf(), now), Ok(()));
        // The CA itself is not a document signer.
        assert_eq!(
            check_signing_certificate(identity.ca(), now),
            Err(SignatureProblem::SignerNotForSigning)
        );
        let far_future = now + std::time::Duration::from_secs(50 * 365 * 24 * 3600);
        assert_eq!(
            check_signing_certificate(identity.leaf(), far_future),
            Err(SignatureProblem::SignerExpired)
        );
    }

    #[test]
    fn der_prefix_drops_padding() {
        let raw = [0x30, 0x03, 0x02, 0x01, 0x05, 0, 0, 0];
        assert_eq!(der_prefix(&raw), Some(&raw[..5]));
    }
}
