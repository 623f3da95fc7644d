//! Certificates: issuing the record, rendering and signing its PDF, QR tokens,
//! and checking a PDF's signature.

pub mod document;
pub mod issue;
pub mod pki;
pub mod render;
pub mod signature;
pub mod token;
pub mod verify_pdf;
