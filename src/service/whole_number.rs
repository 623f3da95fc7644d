//! JSON numbers that must be whole. `512` and `512.0` are the same number (the
//! `integer` of JSON Schema, and so of our OpenAPI document, admits both, and
//! some clients write every number with a decimal point); `512.5` is not whole.

use serde::de::Error;
use serde::{Deserialize, Deserializer};

fn whole_of(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // 2^63 is exactly representable; every f64 below it and at or above -2^63
    // converts without loss once it has no fraction.
    let in_range = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f);
    (f.fract() == 0.0 && in_range).then_some(f as i64)
}

fn read<E: Error>(n: serde_json::Number) -> Result<i64, E> {
    whole_of(&n).ok_or_else(|| E::custom(format!("must be a whole number, not `{n}`")))
}

/// `#[serde(deserialize_with = "whole_number::required")]` on an `i64`.
pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    read(serde_json::Number::deserialize(d)?)
}

/// An `Option<i64>` whose `null` is `None`.
pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Option::<serde_json::Number>::deserialize(d)?
        .map(read)
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct T {
        #[serde(deserialize_with = "required")]
        n: i64,
    }

    fn parse(json: &str) -> Result<i64, String> {
        serde_json::from_str::<T>(json)
            .map(|t| t.n)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_whole_number_may_be_written_with_a_decimal_point() {
        assert_eq!(parse(r#"{"n": 512}"#), Ok(512));
        assert_eq!(parse(r#"{"n": 512.0}"#), Ok(512));
        assert_eq!(parse(r#"{"n": -3.0}"#), Ok(-3));
        assert_eq!(parse(r#"{"n": 1e3}"#), Ok(1000));
    }

    #[test]
    fn a_fraction_a_string_or_a_huge_number_is_refused() {
        assert!(
            parse(r#"{"n": 512.5}"#)
                .unwrap_err()
                .contains("whole number")
        );
        assert!(parse(r#"{"n": "512"}"#).is_err());
        assert!(parse(r#"{"n": 1e300}"#).is_err());
        assert!(parse(r#"{"n": 18446744073709551615}"#).is_err());
    }
}
