//! Certificate numbers such as `PSC-2026-000123-K`: year, serial and a check
//! letter. The letter is a weighted sum of the digits (weights 1, 2, 3, …) modulo
//! 23; because 23 is prime and larger than any digit difference, every single-digit
//! typo and every swap of two neighbouring digits changes it.

use std::fmt;
use std::str::FromStr;

const CHECK_ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRSTUVWXY";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateNumber {
    pub year: i32,
    pub serial: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("certificate numbers look like PSC-2026-000123-K")]
    Malformed,
    #[error("the check character does not match: the number is mistyped")]
    CheckCharacter,
}

fn check_of(digits: &str) -> char {
    let sum: u64 = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .enumerate()
        .map(|(i, b)| (i as u64 + 1) * u64::from(b - b'0'))
        .sum();
    CHECK_ALPHABET[(sum % 23) as usize] as char
}

impl CertificateNumber {
    pub fn new(year: i32, serial: u64) -> Self {
        CertificateNumber { year, serial }
    }

    fn digits(&self) -> String {
        format!("{:04}{:06}", self.year, self.serial)
    }

    pub fn check_char(&self) -> char {
        check_of(&self.digits())
    }
}

impl fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PSC-{:04}-{:06}-{}",
            self.year,
            self.serial,
            self.check_char()
        )
    }
}

/// Whether `c` separates the groups of a typed number: spaces and hyphens (with the
/// dashes a word processor or a PDF reader may turn a hyphen into).
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}'
        )
}

impl FromStr for CertificateNumber {
    type Err = NumberError;

    /// Forgives case, spaces and missing or misplaced hyphens, since people copy
    /// numbers off paper: `psc 2026 000123 k` and `PSC2026000123K` read as
    /// `PSC-2026-000123-K`. The digits themselves are never guessed at: a wrong
    /// or swapped digit still fails the check character.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let compact: String = s
            .chars()
            .filter(|c| !is_separator(*c))
            .collect::<String>()
            .to_ascii_uppercase();
        let rest = compact.strip_prefix("PSC").ok_or(NumberError::Malformed)?;
        let digits_end = rest
            .bytes()
            .position(|b| !b.is_ascii_digit())
            .ok_or(NumberError::Malformed)?;
        let (digits, check) = rest.split_at(digits_end);
        let mut check_chars = check.chars();
        let (Some(check), None) = (check_chars.next(), check_chars.next()) else {
            return Err(NumberError::Malformed);
        };
        if !check.is_ascii_alphabetic() || !(10..=16).contains(&digits.len()) {
            return Err(NumberError::Malformed);
        }
        let (year, serial) = digits.split_at(4);
        let number = CertificateNumber {
            year: year.parse().map_err(|_| NumberError::Malformed)?,
            serial: serial.parse().map_err(|_| NumberError::Malformed)?,
        };
        // A serial with extra leading zeros would not print back the same.
        if number.digits()[4..] != *serial {
            return Err(NumberError::Malformed);
        }
        if check != check_of(digits) {
            return Err(NumberError::CheckCharacter);
        }
        Ok(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_and_parses() {
        let n = CertificateNumber::new(2026, 123);
        let s = n.to_string();
        assert!(s.starts_with("PSC-2026-000123-"), "{s}");
        assert_eq!(s.parse::<CertificateNumber>(), Ok(n));
        assert_eq!(
            format!("  {}  ", s.to_lowercase()).parse::<CertificateNumber>(),
            Ok(n)
        );
        assert_eq!(
            CertificateNumber::new(2026, 12_345_678).to_string().len(),
            "PSC-2026-12345678-K".len()
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "PSC",
            "PSC-2026-000123",
            "XYZ-2026-000123-K",
            "PSC-26-000123-K",
            "PSC-2026-12-K",
            "PSC-2026-000123-KK",
            "PSC-2026-0001a3-K",
        ] {
            assert_eq!(
                bad.parse::<CertificateNumber>(),
                Err(NumberError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn forgives_spaces_and_missing_hyphens() {
        let n = CertificateNumber::new(2026, 123);
        let canonical = n.to_string();
        let check = n.check_char();
        for typed in [
            format!("psc 2026 000123 {}", check.to_ascii_lowercase()),
            format!("PSC2026000123{check}"),
            format!("PSC 2026000123-{check}"),
            format!("PSC-2026 000123 {check}"),
            format!(" psc - 2026 - 000123 - {check} "),
            format!("PSC\u{2013}2026\u{2013}000123\u{2013}{check}"),
            format!("P S C 2026 0001 23 {check}"),
        ] {
            assert_eq!(typed.parse::<CertificateNumber>(), Ok(n), "{typed:?}");
        }
        assert_eq!(canonical.parse::<CertificateNumber>(), Ok(n));
        let long = CertificateNumber::new(2026, 12_345_678);
        let compact: String = long.to_string().chars().filter(|c| *c != '-').collect();
        assert_eq!(compact.parse::<CertificateNumber>(), Ok(long));
    }

    #[test]
    fn forgiving_still_catches_typos() {
        let n = CertificateNumber::new(2026, 123);
        let wrong = CHECK_ALPHABET
            .iter()
            .map(|b| *b as char)
            .find(|c| *c != n.check_char())
            .unwrap_or('A');
        assert_eq!(
            format!("psc 2026 000123 {wrong}").parse::<CertificateNumber>(),
            Err(NumberError::CheckCharacter)
        );
        // One digit changed, spaces instead of hyphens.
        assert_eq!(
            format!("PSC 2026 000124 {}", n.check_char()).parse::<CertificateNumber>(),
            Err(NumberError::CheckCharacter)
        );
        // Neighbouring digits swapped, no separators at all.
        assert_eq!(
            format!("PSC2026001023{}", n.check_char()).parse::<CertificateNumber>(),
            Err(NumberError::CheckCharacter)
        );
        // The check character left off is not a number.
        assert_eq!(
            "PSC 2026 000123".parse::<CertificateNumber>(),
            Err(NumberError::Malformed)
        );
    }

    fn with_digit(s: &str, pos: usize, d: u8) -> String {
        let mut b = s.as_bytes().to_vec();
        b[pos] = b'0' + d;
        String::from_utf8(b).unwrap_or_default()
    }

    proptest! {
        #[test]
        fn every_single_digit_typo_is_caught(year in 2000i32..2100, serial in 0u64..999_999, pos in 0usize..10, d in 0u8..10) {
            let s = CertificateNumber::new(year, serial).to_string();
            // Digit positions in "PSC-YYYY-NNNNNN-C".
            let at = if pos < 4 { 4 + pos } else { 9 + (pos - 4) };
            prop_assume!(s.as_bytes()[at] != b'0' + d);
            let typo = with_digit(&s, at, d);
            prop_assert_eq!(typo.parse::<CertificateNumber>(), Err(NumberError::CheckCharacter));
        }

        #[test]
        fn every_neighbour_swap_is_caught(year in 2000i32..2100, serial in 0u64..999_999, pos in 0usize..5) {
            let s = CertificateNumber::new(year, serial).to_string();
            let at = 9 + pos; // within the serial
            let b = s.as_bytes();
            prop_assume!(b[at] != b[at + 1]);
            let mut swapped = b.to_vec();
            swapped.swap(at, at + 1);
            let swapped = String::from_utf8(swapped).unwrap_or_default();
            prop_assert_eq!(swapped.parse::<CertificateNumber>(), Err(NumberError::CheckCharacter));
        }

        #[test]
        fn round_trips(year in 2000i32..2100, serial in 0u64..10_000_000_000) {
            let n = CertificateNumber::new(year, serial);
            prop_assert_eq!(n.to_string().parse::<CertificateNumber>(), Ok(n));
        }
    }
}
