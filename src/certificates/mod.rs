//! Certificates: issuing the record (and, with the PDF work, rendering and signing).

pub mod issue;
