//! Certificate numbers.
//!
//! Issued now: `PSC-2026-K7QMT-94HRX-T`: the year, ten random symbols in two groups
//! of five and a check symbol. The symbols are 31 (digits and capital letters,
//! without I, L, O and U, which read as 1, 1, 0 and V, and without Z, which reads as
//! 2), so ten of them carry about 49.5 bits: guessing a number that exists is
//! hopeless at the rate public verification allows (see `startup::public_limit`).
//!
//! The check symbol makes the weighted sum of all fifteen symbols (year digits,
//! random part, check; weights 1 to 15) a multiple of 31. Because 31 is prime and
//! larger than any difference between two symbols and than any weight, every single
//! wrong symbol and every swap of two neighbouring ones changes that sum, so the
//! check catches it.
//!
//! Issued before: `PSC-2026-000123-K`: year, a sequential serial and a check
//! letter (the weighted sum of the digits, weights 1, 2, 3, …, modulo 23). These
//! still parse and verify, so certificates already printed keep working; no new
//! number is made this way.

use std::fmt;
use std::str::FromStr;

use rand::{CryptoRng, Rng, RngCore};

/// The 31 symbols of the random part and the check, in value order.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKMNPQRSTVWXY";
const RADIX: u32 = 31;
/// Symbols in the random part.
pub const RANDOM_LEN: usize = 10;

/// The check letters of numbers in the old format.
const LEGACY_CHECK_ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRSTUVWXY";

/// A well-formed number to show people what one looks like (it verifies).
pub const EXAMPLE: &str = "PSC-2026-K7QMT-94HRX-T";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateNumber {
    /// Year and the values (0–30) of the ten random symbols.
    Random {
        year: u16,
        symbols: [u8; RANDOM_LEN],
    },
    /// A number issued in the old, sequential format.
    Legacy { year: u16, serial: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("certificate numbers look like {EXAMPLE}")]
    Malformed,
    #[error("the check character does not match: the number is mistyped")]
    CheckCharacter,
}

fn value_of(symbol: u8) -> Option<u8> {
    ALPHABET.iter().position(|s| *s == symbol).map(|v| v as u8)
}

/// The weighted sum (weights 1, 2, …) of `values`, modulo 31.
fn weighted(values: impl Iterator<Item = u8>) -> u32 {
    values
        .enumerate()
        .map(|(i, v)| (i as u32 + 1) * u32::from(v))
        .sum::<u32>()
        % RADIX
}

fn year_digits(year: u16) -> [u8; 4] {
    [
        (year / 1000 % 10) as u8,
        (year / 100 % 10) as u8,
        (year / 10 % 10) as u8,
        (year % 10) as u8,
    ]
}

/// The check value `c` that makes `sum + 15·c ≡ 0 (mod 31)`.
fn random_check(year: u16, symbols: &[u8; RANDOM_LEN]) -> u8 {
    let sum = weighted(year_digits(year).into_iter().chain(symbols.iter().copied()));
    // 15 · 29 = 435 = 14 · 31 + 1, so 29 is the inverse of the check's weight.
    ((RADIX - sum) % RADIX * 29 % RADIX) as u8
}

fn legacy_check(digits: &str) -> char {
    let sum: u64 = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .enumerate()
        .map(|(i, b)| (i as u64 + 1) * u64::from(b - b'0'))
        .sum();
    LEGACY_CHECK_ALPHABET[(sum % 23) as usize] as char
}

impl CertificateNumber {
    /// A new number for `year` whose random part comes from `rng`, which must be a
    /// cryptographically secure generator (the service passes the OS's).
    pub fn random<R: RngCore + CryptoRng>(year: i32, rng: &mut R) -> Self {
        let mut symbols = [0u8; RANDOM_LEN];
        for s in &mut symbols {
            *s = rng.gen_range(0..RADIX as u8);
        }
        CertificateNumber::Random {
            year: year.clamp(0, 9999) as u16,
            symbols,
        }
    }

    /// A number in the old format (for tests and numbers already issued).
    pub fn legacy(year: i32, serial: u64) -> Self {
        CertificateNumber::Legacy {
            year: year.clamp(0, 9999) as u16,
            serial,
        }
    }

    pub fn year(&self) -> i32 {
        match self {
            CertificateNumber::Random { year, .. } | CertificateNumber::Legacy { year, .. } => {
                i32::from(*year)
            }
        }
    }

    pub fn check_char(&self) -> char {
        match self {
            CertificateNumber::Random { year, symbols } => {
                ALPHABET[random_check(*year, symbols) as usize] as char
            }
            CertificateNumber::Legacy { year, serial } => {
                legacy_check(&format!("{year:04}{serial:06}"))
            }
        }
    }

    fn parse_random(body: &str) -> Result<Self, NumberError> {
        // Letters that are never used read as the digits they look like.
        let values: Vec<u8> = body
            .bytes()
            .map(|b| match b {
                b'O' => Some(0),
                b'I' | b'L' => Some(1),
                b => value_of(b),
            })
            .collect::<Option<_>>()
            .ok_or(NumberError::Malformed)?;
        let (year, rest) = values.split_at(4);
        if year.iter().any(|d| *d > 9) {
            return Err(NumberError::Malformed);
        }
        if weighted(values.iter().copied()) != 0 {
            return Err(NumberError::CheckCharacter);
        }
        let mut symbols = [0u8; RANDOM_LEN];
        symbols.copy_from_slice(&rest[..RANDOM_LEN]);
        Ok(CertificateNumber::Random {
            year: year.iter().fold(0u16, |y, d| y * 10 + u16::from(*d)),
            symbols,
        })
    }

    fn parse_legacy(rest: &str) -> Result<Self, NumberError> {
        let digits_end = rest
            .bytes()
            .position(|b| !b.is_ascii_digit())
            .ok_or(NumberError::Malformed)?;
        let (digits, check) = rest.split_at(digits_end);
        let mut check_chars = check.chars();
        let (Some(check), None) = (check_chars.next(), check_chars.next()) else {
            return Err(NumberError::Malformed);
        };
        // Serials were printed with at least six digits and never reached ten.
        if !check.is_ascii_alphabetic() || !(10..=13).contains(&digits.len()) {
            return Err(NumberError::Malformed);
        }
        let (year, serial) = digits.split_at(4);
        let number = CertificateNumber::Legacy {
            year: year.parse().map_err(|_| NumberError::Malformed)?,
            serial: serial.parse().map_err(|_| NumberError::Malformed)?,
        };
        // A serial with extra leading zeros would not print back the same.
        if format!("{:06}", serial.parse::<u64>().unwrap_or_default()) != serial {
            return Err(NumberError::Malformed);
        }
        if check != legacy_check(digits) {
            return Err(NumberError::CheckCharacter);
        }
        Ok(number)
    }
}

impl fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateNumber::Random { year, symbols } => {
                let s: String = symbols
                    .iter()
                    .map(|v| ALPHABET[*v as usize] as char)
                    .collect();
                write!(
                    f,
                    "PSC-{year:04}-{}-{}-{}",
                    &s[..5],
                    &s[5..],
                    self.check_char()
                )
            }
            CertificateNumber::Legacy { year, serial } => {
                write!(f, "PSC-{year:04}-{serial:06}-{}", self.check_char())
            }
        }
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
    /// numbers off paper: `psc 2026 k7qmt 94hrx t` and `PSC2026K7QMT94HRXT` read
    /// as `PSC-2026-K7QMT-94HRX-T`, and O, I and L (never used) as 0, 1 and 1. The
    /// symbols themselves are never guessed at: a wrong or swapped one still fails
    /// the check character. Numbers in the old format (`PSC-2026-000123-K`) parse
    /// as before; the two formats differ in length, so neither is taken for the
    /// other.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let compact: String = s
            .chars()
            .filter(|c| !is_separator(*c))
            .collect::<String>()
            .to_ascii_uppercase();
        let rest = compact.strip_prefix("PSC").ok_or(NumberError::Malformed)?;
        if !rest.is_ascii() {
            return Err(NumberError::Malformed);
        }
        if rest.len() == 4 + RANDOM_LEN + 1 {
            CertificateNumber::parse_random(rest)
        } else {
            CertificateNumber::parse_legacy(rest)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// A seeded generator stands in for the OS's, so that failures reproduce.
    fn rng() -> StdRng {
        StdRng::seed_from_u64(20_261_201)
    }

    fn sample(n: usize) -> Vec<CertificateNumber> {
        let mut rng = rng();
        (0..n)
            .map(|i| CertificateNumber::random(2000 + (i as i32 % 100), &mut rng))
            .collect()
    }

    #[test]
    fn the_example_is_a_valid_number() {
        let n: CertificateNumber = EXAMPLE.parse().expect("example verifies");
        assert_eq!(n.to_string(), EXAMPLE);
        assert_eq!(n.year(), 2026);
    }

    #[test]
    fn new_numbers_are_grouped_and_round_trip() {
        for n in sample(500) {
            let s = n.to_string();
            let groups: Vec<&str> = s.split('-').collect();
            assert_eq!(groups.len(), 5, "{s}");
            assert_eq!(groups[0], "PSC");
            assert_eq!(groups[1], format!("{:04}", n.year()));
            assert_eq!(
                (groups[2].len(), groups[3].len(), groups[4].len()),
                (5, 5, 1)
            );
            assert!(
                s.bytes().all(|b| b == b'-' || !b"ILOUZ".contains(&b)),
                "{s} uses an ambiguous letter"
            );
            assert_eq!(s.parse::<CertificateNumber>(), Ok(n));
            assert_eq!(s.to_lowercase().parse::<CertificateNumber>(), Ok(n));
        }
    }

    #[test]
    fn the_random_part_carries_at_least_40_bits() {
        let bits = (RANDOM_LEN as f64) * f64::from(RADIX).log2();
        assert!(bits >= 40.0, "{bits}");
        // And every symbol is used, roughly evenly (no bias towards some).
        let mut counts = [0u32; 31];
        for n in sample(3100) {
            if let CertificateNumber::Random { symbols, .. } = n {
                for s in symbols {
                    counts[s as usize] += 1;
                }
            }
        }
        // 31,000 symbols: 1,000 expected each.
        assert!(counts.iter().all(|c| (850..1150).contains(c)), "{counts:?}");
    }

    /// The fifteen checked symbols of a compact number, for altering in tests.
    fn compact(n: &CertificateNumber) -> Vec<u8> {
        n.to_string()
            .bytes()
            .filter(|b| *b != b'-')
            .skip(3)
            .collect()
    }

    fn reparse(symbols: &[u8]) -> Result<CertificateNumber, NumberError> {
        format!("PSC{}", String::from_utf8_lossy(symbols)).parse()
    }

    #[test]
    fn every_single_wrong_symbol_is_caught() {
        for n in sample(300) {
            let good = compact(&n);
            for pos in 0..good.len() {
                for &other in ALPHABET {
                    if other == good[pos] {
                        continue;
                    }
                    let mut typo = good.clone();
                    typo[pos] = other;
                    let parsed = reparse(&typo);
                    assert!(
                        matches!(
                            parsed,
                            Err(NumberError::CheckCharacter | NumberError::Malformed)
                        ),
                        "{n} with {} at {pos} gave {parsed:?}",
                        other as char
                    );
                }
            }
        }
    }

    #[test]
    fn every_swap_of_neighbours_is_caught() {
        for n in sample(2000) {
            let good = compact(&n);
            for pos in 0..good.len() - 1 {
                if good[pos] == good[pos + 1] {
                    continue;
                }
                let mut swapped = good.clone();
                swapped.swap(pos, pos + 1);
                let parsed = reparse(&swapped);
                assert!(
                    matches!(
                        parsed,
                        Err(NumberError::CheckCharacter | NumberError::Malformed)
                    ),
                    "{n} swapped at {pos} gave {parsed:?}"
                );
            }
        }
    }

    #[test]
    fn forgives_case_spaces_dashes_and_look_alike_letters() {
        let n: CertificateNumber = EXAMPLE.parse().expect("example");
        for typed in [
            "psc 2026 k7qmt 94hrx t",
            "PSC2026K7QMT94HRXT",
            " psc - 2026 - K7QMT94HRX - t ",
            "PSC\u{2013}2026\u{2013}K7QMT\u{2013}94HRX\u{2013}T",
            "P S C 2026 K7Q MT9 4HR XT",
        ] {
            assert_eq!(typed.parse::<CertificateNumber>(), Ok(n), "{typed:?}");
        }
        // O, I and L are never used, so they can only mean 0, 1 and 1.
        let mut rng = rng();
        let with_zero_and_one =
            std::iter::repeat_with(|| CertificateNumber::random(2026, &mut rng))
                .find(|n| {
                    let s = n.to_string();
                    s[9..].contains('0') && s[9..].contains('1')
                })
                .expect("found");
        let s = with_zero_and_one.to_string();
        let head = &s[..9];
        let looks_alike = format!("{head}{}", s[9..].replace('0', "o").replace('1', "l"));
        assert_eq!(looks_alike.parse(), Ok(with_zero_and_one), "{looks_alike}");
        let looks_alike = format!("{head}{}", s[9..].replace('1', "I"));
        assert_eq!(looks_alike.parse(), Ok(with_zero_and_one), "{looks_alike}");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "PSC",
            "PSC-2026-K7QMT-94HRX",
            "XYZ-2026-K7QMT-94HRX-2",
            "PSC-26-K7QMT-94HRX-2",
            "PSC-2026-K7QMT-94HR-2",
            "PSC-2026-K7QMT-94HRX-T2",
            "PSC-2026-K7QMT-94HRZ-2",
            "PSC-2026-K7QMT-94HRU-2",
            "PSC-2A26-K7QMT-94HRX-2",
            "PSC-2026-K7QMT-94HR\u{c9}-2",
        ] {
            assert_eq!(
                bad.parse::<CertificateNumber>(),
                Err(NumberError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn two_numbers_in_a_row_share_nothing_sequential() {
        // Successive numbers from one generator differ in about 30/31 of their
        // symbols; neighbours of a serial would differ in one or two.
        let numbers = sample(1000);
        for pair in numbers.windows(2) {
            let (
                CertificateNumber::Random { symbols: a, .. },
                CertificateNumber::Random { symbols: b, .. },
            ) = (pair[0], pair[1])
            else {
                panic!("random numbers expected");
            };
            let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
            assert!(
                same <= 5,
                "{} and {} share {same} symbols",
                pair[0],
                pair[1]
            );
        }
    }

    // Numbers issued in the old format keep parsing and verifying.

    #[test]
    fn legacy_numbers_format_and_parse() {
        let n = CertificateNumber::legacy(2026, 123);
        let s = n.to_string();
        assert!(s.starts_with("PSC-2026-000123-"), "{s}");
        assert_eq!(s, "PSC-2026-000123-V");
        assert_eq!(s.parse::<CertificateNumber>(), Ok(n));
        assert_eq!(
            format!("  {}  ", s.to_lowercase()).parse::<CertificateNumber>(),
            Ok(n)
        );
        assert_eq!(
            CertificateNumber::legacy(2026, 12_345_678)
                .to_string()
                .len(),
            "PSC-2026-12345678-K".len()
        );
    }

    #[test]
    fn legacy_rejects_malformed() {
        for bad in [
            "PSC-2026-000123",
            "XYZ-2026-000123-K",
            "PSC-26-000123-K",
            "PSC-2026-12-K",
            "PSC-2026-000123-KK",
            "PSC-2026-0001a3-K",
            "PSC-2026-0000123-K",
        ] {
            assert_eq!(
                bad.parse::<CertificateNumber>(),
                Err(NumberError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn legacy_forgives_spaces_and_missing_hyphens() {
        let n = CertificateNumber::legacy(2026, 123);
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
        let long = CertificateNumber::legacy(2026, 12_345_678);
        let compact: String = long.to_string().chars().filter(|c| *c != '-').collect();
        assert_eq!(compact.parse::<CertificateNumber>(), Ok(long));
    }

    #[test]
    fn legacy_forgiving_still_catches_typos() {
        let n = CertificateNumber::legacy(2026, 123);
        let wrong = LEGACY_CHECK_ALPHABET
            .iter()
            .map(|b| *b as char)
            .find(|c| *c != n.check_char())
            .unwrap_or('A');
        assert_eq!(
            format!("psc 2026 000123 {wrong}").parse::<CertificateNumber>(),
            Err(NumberError::CheckCharacter)
        );
        assert_eq!(
            format!("PSC 2026 000124 {}", n.check_char()).parse::<CertificateNumber>(),
            Err(NumberError::CheckCharacter)
        );
        assert_eq!(
            format!("PSC2026001023{}", n.check_char()).parse::<CertificateNumber>(),
            Err(NumberError::CheckCharacter)
        );
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
        fn every_single_digit_typo_in_a_legacy_number_is_caught(year in 2000i32..2100, serial in 0u64..999_999, pos in 0usize..10, d in 0u8..10) {
            let s = CertificateNumber::legacy(year, serial).to_string();
            // Digit positions in "PSC-YYYY-NNNNNN-C".
            let at = if pos < 4 { 4 + pos } else { 9 + (pos - 4) };
            prop_assume!(s.as_bytes()[at] != b'0' + d);
            let typo = with_digit(&s, at, d);
            prop_assert_eq!(typo.parse::<CertificateNumber>(), Err(NumberError::CheckCharacter));
        }

        #[test]
        fn every_neighbour_swap_in_a_legacy_number_is_caught(year in 2000i32..2100, serial in 0u64..999_999, pos in 0usize..5) {
            let s = CertificateNumber::legacy(year, serial).to_string();
            let at = 9 + pos; // within the serial
            let b = s.as_bytes();
            prop_assume!(b[at] != b[at + 1]);
            let mut swapped = b.to_vec();
            swapped.swap(at, at + 1);
            let swapped = String::from_utf8(swapped).unwrap_or_default();
            prop_assert_eq!(swapped.parse::<CertificateNumber>(), Err(NumberError::CheckCharacter));
        }

        #[test]
        fn legacy_numbers_round_trip(year in 2000i32..2100, serial in 0u64..1_000_000_000) {
            let n = CertificateNumber::legacy(year, serial);
            prop_assert_eq!(n.to_string().parse::<CertificateNumber>(), Ok(n));
        }

        #[test]
        fn random_numbers_round_trip(year in 2000i32..2100, seed in any::<u64>()) {
            let n = CertificateNumber::random(year, &mut StdRng::seed_from_u64(seed));
            prop_assert_eq!(n.to_string().parse::<CertificateNumber>(), Ok(n));
        }
    }
}
