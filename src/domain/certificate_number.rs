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

impl FromStr for CertificateNumber {
    type Err = NumberError;

    /// Forgives case and surrounding spaces; nothing else.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let parts: Vec<&str> = upper.split('-').collect();
        let [prefix, year, serial, check] = parts.as_slice() else {
            return Err(NumberError::Malformed);
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if *prefix != "PSC"
            || year.len() != 4
            || !all_digits(year)
            || serial.len() < 6
            || serial.len() > 12
            || !all_digits(serial)
            || check.len() != 1
        {
            return Err(NumberError::Malformed);
        }
        let number = CertificateNumber {
            year: year.parse().map_err(|_| NumberError::Malformed)?,
            serial: serial.parse().map_err(|_| NumberError::Malformed)?,
        };
        // A serial with extra leading zeros would not print back the same.
        if number.digits()[4..] != **serial {
            return Err(NumberError::Malformed);
        }
        if !check.starts_with(check_of(&format!("{year}{serial}"))) {
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
