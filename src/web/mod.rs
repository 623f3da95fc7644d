//! HTML pages served by the same binary.

pub mod renew;
