//! The register's search keys (issue 12, part C): what is stored beside each
//! certificate so that the police search by postcode, district and name is served
//! from indexes, and the cursor that pages through the results newest first.
//!
//! One normalisation for everything that writes a certificate (the issue, the
//! start-up backfill and the bulk seeder) and for the search that reads it:
//! - the postcode key is the postcode in upper case without spaces (`BS14DJ`);
//! - the district is its outward code, the key without the inward code (always the
//!   last three characters): `BS1` for BS1 4DJ, never BS10;
//! - the name terms are the words of the premises name in lower case: runs of
//!   letters and digits, anything else separating them (`St. Mary's Hall` holds
//!   `st`, `mary`, `s` and `hall`), and the pair terms of every two of them
//!   (`&hall mary`: see [`pair_term`]).
//!
//! A name query is read with the same rule; every one of its words must begin a
//! word of the name (`arts c` finds Quay Arts Centre). A word prefix is searched as
//! the range `[prefix, prefix_end(prefix))`, which a plain B-tree serves on both
//! databases whatever LIKE's collation rules (the columns compare as bytes).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::PrimitiveDateTime;

/// The postcode in upper case, without spaces: `bs1 4dj` → `BS14DJ`.
pub fn postcode_key(postcode: &str) -> String {
    postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// The outward code (district) of a postcode: its key without the last three
/// characters, or the whole key when it is too short to hold an inward code.
pub fn district(postcode: &str) -> String {
    let key = postcode_key(postcode);
    let chars = key.chars().count();
    if chars >= 5 {
        key.chars().take(chars - 3).collect()
    } else {
        key
    }
}

/// The words of `text` in lower case, each once, in order of first appearance.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let word = word.to_lowercase();
        if !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// How many distinct words a name may have and still be given pair terms (at
/// most 120 pairs); a longer name is given [`UNPAIRED`] instead.
pub const PAIRED_WORDS: usize = 16;

/// The term of a name with more than [`PAIRED_WORDS`] words: a two-word query
/// checks these names word by word.
pub const UNPAIRED: &str = "&+";

/// The pair term of two different words of one name, `first` sorting before
/// `second`: `&first second`. It begins with a character that is not a letter or
/// digit, so no word's range holds it; after the first word comes a space, which
/// sorts before every letter and digit, so the pairs of `first` with a word
/// beginning `p` are the range `[pair_term(first, p), pair_term(first, prefix_end(p)))`.
pub fn pair_term(first: &str, second: &str) -> String {
    format!("&{first} {second}")
}

/// The terms stored for a premises name: its words, and for a name of up to
/// [`PAIRED_WORDS`] words one pair term for every two of them (issue 12: a query
/// of two common words reads the names holding both, not every name holding
/// either).
pub fn name_terms(premises_name: &str) -> Vec<String> {
    let mut terms = words(premises_name);
    if terms.len() > PAIRED_WORDS {
        terms.push(UNPAIRED.to_string());
        return terms;
    }
    let mut sorted = terms.clone();
    sorted.sort_unstable();
    for (i, first) in sorted.iter().enumerate() {
        for second in &sorted[i + 1..] {
            terms.push(pair_term(first, second));
        }
    }
    terms
}

/// The least text greater than every text that starts with `prefix`, or None when
/// there is none (an empty prefix, or one of only the last code point). Code point
/// order is UTF-8 byte order, so this bound holds for SQLite's BINARY collation and
/// PostgreSQL's "C".
pub fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = last as u32 + 1;
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Where the next page of a newest-first search starts: the issue time and number
/// of the last certificate shown. Sent as an opaque, URL-safe text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub issued_at: PrimitiveDateTime,
    pub number: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let micros = self.issued_at.assume_utc().unix_timestamp_nanos() / 1_000;
        URL_SAFE_NO_PAD.encode(format!("{micros}~{}", self.number))
    }

    /// The cursor `encode` wrote, or None for anything else.
    pub fn decode(text: &str) -> Option<Cursor> {
        if text.len() > 120 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let plain = String::from_utf8(bytes).ok()?;
        let (micros, number) = plain.split_once('~')?;
        let micros: i64 = micros.parse().ok()?;
        let ok_number = (1..=40).contains(&number.len())
            && number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok_number {
            return None;
        }
        let at =
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000).ok()?;
        Some(Cursor {
            issued_at: PrimitiveDateTime::new(at.date(), at.time()),
            number: number.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn postcodes_lose_case_and_spaces_and_keep_their_district() {
        assert_eq!(postcode_key(" bs1  4dj "), "BS14DJ");
        assert_eq!(district("BS1 4DJ"), "BS1");
        assert_eq!(district("bs10 5ab"), "BS10");
        assert_eq!(district("SW1A 1AA"), "SW1A");
        assert_eq!(district("M1 1AE"), "M1");
        assert_eq!(district("GIR 0AA"), "GIR");
        // Too short for an inward code: the whole key.
        assert_eq!(district("BS1"), "BS1");
    }

    #[test]
    fn names_are_lower_case_words_each_once() {
        assert_eq!(
            words("St. Mary's Hall & the HALL"),
            ["st", "mary", "s", "hall", "the"]
        );
        assert_eq!(words("Café Zürich 24/7"), ["café", "zürich", "24", "7"]);
        assert!(name_terms(" -- % _ ").is_empty());
    }

    #[test]
    fn a_name_holds_its_words_then_every_two_of_them_in_byte_order() {
        assert_eq!(name_terms("Hall"), ["hall"]);
        assert_eq!(
            name_terms("Quay Arts Centre, arts"),
            [
                "quay",
                "arts",
                "centre",
                "&arts centre",
                "&arts quay",
                "&centre quay"
            ]
        );
        // Byte order: digits before letters, accented letters after them.
        assert_eq!(
            name_terms("Zürich 24 Café")[3..],
            ["&24 café", "&24 zürich", "&café zürich"]
        );
        let long: Vec<String> = (0..=PAIRED_WORDS).map(|i| format!("w{i:02}")).collect();
        let terms = name_terms(&long.join(" "));
        assert_eq!(terms.len(), PAIRED_WORDS + 2, "the words and the mark");
        assert_eq!(terms.last().map(String::as_str), Some(UNPAIRED));
        let most: Vec<String> = (0..PAIRED_WORDS).map(|i| format!("w{i:02}")).collect();
        assert_eq!(name_terms(&most.join(" ")).len(), 16 + 16 * 15 / 2);
    }

    #[test]
    fn a_prefix_range_ends_after_every_text_it_begins() {
        assert_eq!(prefix_end("abc").as_deref(), Some("abd"));
        assert_eq!(prefix_end("BS1").as_deref(), Some("BS2"));
        assert_eq!(prefix_end("az").as_deref(), Some("a{"));
        assert_eq!(prefix_end("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end(""), None);
        assert_eq!(prefix_end("\u{10FFFF}"), None);
    }

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let at = time::macros::datetime!(2026-12-01 10:11:12.123456);
        let c = Cursor {
            issued_at: at,
            number: "PSC-2026-K7QMT-94HRX-T".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c.clone()));
        for bad in [
            "",
            "x",
            "!!!!",
            &URL_SAFE_NO_PAD.encode("12~a b"),
            &"A".repeat(200),
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode("zz~PSC")), None);
    }

    proptest! {
        #[test]
        fn every_text_a_prefix_begins_is_inside_its_range(prefix in "\\PC{1,6}", rest in "\\PC{0,6}") {
            let text = format!("{prefix}{rest}");
            prop_assert!(text.as_str() >= prefix.as_str());
            if let Some(end) = prefix_end(&prefix) {
                prop_assert!(text.as_bytes() < end.as_bytes());
                prop_assert!(prefix.as_bytes() < end.as_bytes());
            }
        }

        #[test]
        fn a_query_word_found_in_a_name_is_one_of_its_terms(name in "[A-Za-z' .&-]{1,30}") {
            let terms = name_terms(&name);
            for w in words(&name) {
                prop_assert!(terms.contains(&w));
            }
        }

        /// What the search relies on: two words that are not prefixes of one
        /// another begin two different words of a name exactly when a pair term
        /// of the name lies in the pair range of the first's term and the second,
        /// and no pair term lies in any word's range.
        #[test]
        fn two_words_begin_words_of_a_name_exactly_when_a_pair_range_holds_its_pair(
            name in "[a-dA-D0-2é ]{1,24}",
            x in "[a-d0-2é]{1,2}",
            y in "[a-d0-2é]{1,2}",
        ) {
            let (x, y) = if x < y { (x, y) } else { (y, x) };
            prop_assume!(!y.starts_with(&x));
            let terms = name_terms(&name);
            let names_words = words(&name);
            prop_assume!(names_words.len() <= PAIRED_WORDS);
            let begins = |w: &str, p: &str| w.starts_with(p);
            let holds = names_words.iter().any(|a| begins(a, &x))
                && names_words.iter().any(|b| begins(b, &y));
            let end = prefix_end(&y).expect("an end");
            let in_range = names_words.iter().filter(|t| begins(t, &x)).any(|t| {
                let (lo, hi) = (pair_term(t, &y), pair_term(t, &end));
                terms.iter().any(|p| p.as_bytes() >= lo.as_bytes() && p.as_bytes() < hi.as_bytes())
            });
            prop_assert_eq!(holds, in_range);
            for w in [&x, &y] {
                let end = prefix_end(w).expect("an end");
                for p in terms.iter().filter(|p| p.starts_with('&')) {
                    prop_assert!(!(p.as_bytes() >= w.as_bytes() && p.as_bytes() < end.as_bytes()));
                }
            }
        }
    }
}
