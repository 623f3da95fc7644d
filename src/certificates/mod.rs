//! Certificate documents: rendering and signing the PDF, QR tokens, the scheme's
//! keys, and checking a PDF's signature. (Issuing and verifying certificates are
//! use cases, in `service::certificates`.)

pub mod document;
pub mod pki;
pub mod render;
pub mod signature;
pub mod token;
// Issue 12 part B: the published token keys in memory.
pub mod key_cache;

// Issue 12, part D: the QR code's mask chosen fast, drawn as one path.
pub mod qr;
