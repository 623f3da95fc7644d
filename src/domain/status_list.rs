//! The W3C Bitstring Status List (<https://www.w3.org/TR/vc-bitstring-status-list/>):
//! one bit per certificate at a random index, so that a published list says that
//! *some* certificates are suspended or revoked without saying which.
//!
//! Bit `i` is the `i`-th bit from the left: byte `i / 8`, mask `0x80 >> (i % 8)`.
//! Encoded, the bytes are GZIP-compressed, then base64url without padding, with the
//! multibase prefix `u`. A list has at least 131,072 entries (16 KiB), the
//! specification's minimum, so that it hides which certificates exist.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{CryptoRng, Rng, RngCore};

/// The fewest entries a list has (the specification's minimum).
pub const MIN_ENTRIES: u32 = 131_072;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("an encoded list starts with the multibase prefix `u`")]
    Prefix,
    #[error("the list is not base64url")]
    Base64,
    #[error("the list is not GZIP")]
    Gzip,
    #[error("the list has fewer than {MIN_ENTRIES} entries")]
    TooShort,
}

/// How many entries a list must have to give each of `count` certificates a random
/// index with room to spare: at least `MIN_ENTRIES`, and at least eight per
/// certificate (a power of two), so a random draw rarely hits a taken index.
pub fn entries_for(count: u64) -> u32 {
    let wanted = count.saturating_mul(8).max(u64::from(MIN_ENTRIES));
    u32::try_from(wanted.next_power_of_two()).unwrap_or(1 << 31)
}

/// A random index below `entries`, from a cryptographically secure generator.
pub fn random_index<R: RngCore + CryptoRng>(entries: u32, rng: &mut R) -> u32 {
    rng.gen_range(0..entries.max(1))
}

impl Bitstring {
    /// All clear, with room for `entries` (rounded up to whole bytes, at least
    /// `MIN_ENTRIES`).
    pub fn new(entries: u32) -> Bitstring {
        let entries = entries.max(MIN_ENTRIES);
        Bitstring {
            bytes: vec![0; entries.div_ceil(8) as usize],
        }
    }

    pub fn entries(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// Sets bit `index`, growing the list when it is past the end.
    pub fn set(&mut self, index: u32) {
        let byte = (index / 8) as usize;
        if byte >= self.bytes.len() {
            self.bytes.resize(byte + 1, 0);
        }
        self.bytes[byte] |= 0x80 >> (index % 8);
    }

    /// Whether bit `index` is set (past the end: not set).
    pub fn get(&self, index: u32) -> bool {
        self.bytes
            .get((index / 8) as usize)
            .is_some_and(|b| b & (0x80 >> (index % 8)) != 0)
    }

    /// The indexes of the set bits, in order.
    pub fn set_indexes(&self) -> Vec<u32> {
        (0..self.entries() as u32)
            .filter(|i| self.get(*i))
            .collect()
    }

    /// The `encodedList` value: `u` + base64url(GZIP(bits)).
    pub fn encode(&self) -> String {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail.
        let _ = gz.write_all(&self.bytes);
        let compressed = gz.finish().unwrap_or_default();
        format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
    }

    /// Reads an `encodedList` back.
    pub fn decode(encoded: &str) -> Result<Bitstring, DecodeError> {
        let b64 = encoded.strip_prefix('u').ok_or(DecodeError::Prefix)?;
        let compressed = URL_SAFE_NO_PAD
            .decode(b64)
            .map_err(|_| DecodeError::Base64)?;
        let mut bytes = Vec::new();
        // A list is 16 KiB for the first 131,072 certificates: refuse a "zip bomb".
        flate2::read::GzDecoder::new(compressed.as_slice())
            .take(64 * 1024 * 1024)
            .read_to_end(&mut bytes)
            .map_err(|_| DecodeError::Gzip)?;
        if (bytes.len() as u64) * 8 < u64::from(MIN_ENTRIES) {
            return Err(DecodeError::TooShort);
        }
        Ok(Bitstring { bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn an_empty_list_is_sixteen_kib_and_compresses_small() {
        let list = Bitstring::new(0);
        assert_eq!(list.entries(), 131_072);
        let encoded = list.encode();
        assert!(
            encoded.starts_with("uH4sI"),
            "GZIP magic, base64url: {encoded}"
        );
        assert!(encoded.len() < 200, "{}", encoded.len());
        assert_eq!(Bitstring::decode(&encoded), Ok(list));
    }

    #[test]
    fn bits_are_numbered_from_the_left() {
        let mut list = Bitstring::new(MIN_ENTRIES);
        list.set(0);
        list.set(9);
        assert_eq!(&list.bytes[..2], &[0x80, 0x40]);
        assert!(list.get(0) && list.get(9));
        assert!(!list.get(1) && !list.get(8) && !list.get(MIN_ENTRIES + 5));
        assert_eq!(list.set_indexes(), [0, 9]);
    }

    #[test]
    fn set_bits_survive_encoding() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut list = Bitstring::new(MIN_ENTRIES);
        let picked: Vec<u32> = (0..50)
            .map(|_| random_index(MIN_ENTRIES, &mut rng))
            .collect();
        for i in &picked {
            list.set(*i);
        }
        let back = Bitstring::decode(&list.encode()).expect("decodes");
        for i in 0..MIN_ENTRIES {
            assert_eq!(back.get(i), picked.contains(&i), "bit {i}");
        }
    }

    #[test]
    fn grows_with_the_register() {
        assert_eq!(entries_for(0), MIN_ENTRIES);
        assert_eq!(entries_for(16_384), MIN_ENTRIES);
        assert_eq!(entries_for(16_385), 2 * MIN_ENTRIES);
        let mut list = Bitstring::new(MIN_ENTRIES);
        list.set(MIN_ENTRIES + 3);
        assert!(list.get(MIN_ENTRIES + 3));
    }

    #[test]
    fn refuses_what_is_not_a_list() {
        assert_eq!(Bitstring::decode("H4sI"), Err(DecodeError::Prefix));
        assert_eq!(Bitstring::decode("u!!"), Err(DecodeError::Base64));
        assert_eq!(Bitstring::decode("uAAAA"), Err(DecodeError::Gzip));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[0; 10]).expect("write");
        let short = format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish().expect("gz")));
        assert_eq!(Bitstring::decode(&short), Err(DecodeError::TooShort));
    }
}
