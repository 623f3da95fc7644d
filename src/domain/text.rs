//! What a name, an address or a file name may hold, and the UK postcode format.
//! Pure checks; `service::validate` turns them into field messages.

/// Unicode bidirectional controls: embeddings and overrides (U+202A–U+202E),
/// isolates (U+2066–U+2069) and the marks (U+200E, U+200F, U+061C). In a name
/// they make text read differently from what it holds (`Trust` U+202E `gnp.exe` shows as `Trustexe.png`).
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// Characters that show nothing: white space and the zero-width ones.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}'
                | '\u{200C}'
                | '\u{200D}'
                | '\u{2060}'
                | '\u{FEFF}'
                | '\u{00AD}'
                | '\u{180E}'
        )
}

/// What is wrong with a name or an address line, if anything: control
/// characters (a newline is allowed where `multiline`), bidirectional controls, or
/// nothing visible at all.
pub fn text_fault(value: &str, multiline: bool) -> Option<&'static str> {
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && c == '\n'))
    {
        Some("must not contain control characters")
    } else if value.chars().any(is_bidi_control) {
        Some("must not contain bidirectional control characters")
    } else if value.chars().all(is_invisible) {
        Some("must not be empty")
    } else {
        None
    }
}

/// A UK postcode in its standard form (upper case, one space before the inward
/// part), or None when it does not have the UK shape: an outward code `A9`, `A99`,
/// `AA9`, `AA99`, `A9A` or `AA9A`, then `9AA`. (`GIR 0AA` too.)
pub fn uk_postcode(value: &str) -> Option<String> {
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if !compact.is_ascii() || !(5..=7).contains(&compact.len()) {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let shape = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                'A'..='Z' => 'A',
                '0'..='9' => '9',
                _ => '?',
            })
            .collect()
    };
    let outward_ok = matches!(
        shape(outward).as_str(),
        "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
    ) || outward == "GIR";
    (outward_ok && shape(inward) == "9AA").then(|| format!("{outward} {inward}"))
}

/// A file name as shown and stored: bidirectional and other control characters
/// removed, so that `plan\u{202E}fdp.exe` cannot pass for a PDF.
pub fn clean_file_name(name: &str) -> String {
    name.chars()
        .filter(|&c| !is_bidi_control(c) && !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_controls_bidi_and_invisible_values() {
        assert_eq!(text_fault("The Old Vic", false), None);
        assert_eq!(text_fault("Café Zoë – Ōsaka 大阪", false), None);
        assert_eq!(text_fault("1 High St\nLeeds", true), None);
        assert!(text_fault("1 High St\nLeeds", false).is_some());
        assert!(text_fault("Bad\u{7}bell", false).is_some());
        for c in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            assert_eq!(
                text_fault(&format!("Trust{c}gnp"), false),
                Some("must not contain bidirectional control characters"),
                "{c:?}"
            );
        }
        assert_eq!(
            text_fault("\u{200B}\u{200D} \u{FEFF}", false),
            Some("must not be empty")
        );
        // A zero-width joiner inside real text (emoji, some scripts) is fine.
        assert_eq!(text_fault("a\u{200D}b", false), None);
    }

    #[test]
    fn uk_postcodes_are_checked_and_put_in_standard_form() {
        for (given, standard) in [
            ("sw1a 1aa", "SW1A 1AA"),
            ("SW1A1AA", "SW1A 1AA"),
            (" m1  1ae ", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("cr2 6xh", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("GIR 0AA", "GIR 0AA"),
        ] {
            assert_eq!(uk_postcode(given).as_deref(), Some(standard), "{given}");
        }
        for bad in [
            "",
            "12345",
            "SW1A",
            "SW1A 1A",
            "1W1A 1AA",
            "SW1A 1AAA",
            "75001",
            "ÄB1 1AA",
            "SW1A-1AA",
        ] {
            assert_eq!(uk_postcode(bad), None, "{bad}");
        }
    }

    #[test]
    fn file_names_lose_bidi_controls() {
        assert_eq!(clean_file_name("plan\u{202E}fdp.exe"), "planfdp.exe");
        assert_eq!(
            clean_file_name("Plan d’évacuation.pdf"),
            "Plan d’évacuation.pdf"
        );
    }
}
