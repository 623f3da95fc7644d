//! Input checks that collect every bad field before answering, so one 422 names
//! them all, and that hand back the cleaned value.

use crate::domain::text::{text_fault, uk_postcode};
use crate::service::{FieldError, ServiceError};

#[derive(Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    pub fn new() -> Check {
        Check::default()
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Trimmed text of 1..=max characters: no control characters but newlines, no
    /// bidirectional controls, something visible.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        self.checked_text(field, value, max, true)
    }

    /// A name (of premises, a town, an organisation, a person): [`Check::text`] on
    /// one line.
    pub fn name(&mut self, field: &str, value: &str, max: usize) -> String {
        self.checked_text(field, value, max, false)
    }

    fn checked_text(&mut self, field: &str, value: &str, max: usize, multiline: bool) -> String {
        let v = value.trim();
        if v.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
        } else if let Some(fault) = text_fault(v, multiline) {
            self.fail(field, fault);
        }
        v.to_string()
    }

    /// Optional trimmed text: empty becomes None.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        match value.map(str::trim) {
            None => None,
            // Nothing visible (zero-width characters only) is no note either.
            Some(v) if v.chars().all(crate::domain::text::is_invisible) => None,
            Some(v) => Some(self.text(field, v, max)),
        }
    }

    /// An email address, lower-cased so that it is unique whatever the case typed.
    pub fn email(&mut self, field: &str, value: &str) -> String {
        let v = value.trim().to_lowercase();
        if !email_address::EmailAddress::is_valid(&v) || v.len() > 254 {
            self.fail(field, "must be an email address like name@example.org");
        }
        v
    }

    pub fn password(&mut self, field: &str, value: &str) {
        if let Err(why) = crate::auth::password::check_policy(value) {
            self.fail(field, why);
        }
    }

    /// A postcode in standard form (upper case, single spaces). With `uk`, it must
    /// have the UK shape (`SW1A 1AA`); otherwise letters, digits and spaces,
    /// 2..=10 characters with a digit.
    pub fn postcode(&mut self, field: &str, value: &str, uk: bool) -> String {
        let v = value
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        if uk {
            return match uk_postcode(&v) {
                Some(standard) => standard,
                None => {
                    self.fail(field, "must be a UK postcode such as SW1A 1AA");
                    v
                }
            };
        }
        let ok = (2..=10).contains(&v.len())
            && v.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
            && v.chars().any(|c| c.is_ascii_digit());
        if !ok {
            self.fail(field, "must be a postcode such as SW1A 1AA");
        }
        v
    }

    pub fn finish(self) -> Result<(), ServiceError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Invalid(self.errors))
        }
    }
}

/// The OpenAPI schema of what `Check::text` takes, for `#[schema(schema_with =
/// text::<MAX>)]` on a request field: 1 to `MAX` characters, something visible,
/// no control characters (but newlines) and no bidirectional controls.
pub fn text<const MAX: usize>() -> utoipa::openapi::Object {
    string(Some(1), MAX, TEXT_PATTERN)
}

/// What `Check::name` takes: [`text`] on one line.
pub fn name<const MAX: usize>() -> utoipa::openapi::Object {
    string(Some(1), MAX, NAME_PATTERN)
}

/// Free text that may be empty (a note), as `Check::optional_text` takes it.
pub fn optional_text<const MAX: usize>() -> utoipa::openapi::Object {
    string(None, MAX, NOTE_PATTERN)
}

fn string(min: Option<usize>, max: usize, pattern: &str) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .min_length(min)
        .max_length(Some(max))
        .pattern(Some(pattern))
        .build()
}

// The patterns spell out `domain::text::text_fault`. Characters text never holds:
// C0 controls but newline, DEL, C1 controls, and the bidirectional controls
// (`domain::text::is_bidi_control`); a name holds no newline either. Something
// visible: not white space nor a zero-width character (`domain::text::is_invisible`).
const NOTE_PATTERN: &str =
    r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$";
const TEXT_PATTERN: &str = concat!(
    r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*",
    r"[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]",
    r"[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$",
);
const NAME_PATTERN: &str = concat!(
    r"^[^\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*",
    r"[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]",
    r"[^\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_bad_field() {
        let mut c = Check::new();
        c.text("name", "  ", 10);
        c.email("email", "not-an-email");
        let postcode = c.postcode("postcode", " sw1a   1aa ", true);
        assert_eq!(postcode, "SW1A 1AA");
        assert_eq!(c.postcode("postcode", "sw1a1aa", true), "SW1A 1AA");
        assert_eq!(c.postcode("postcode", "75001", false), "75001");
        c.name("town", "Lee\nds", 10);
        c.text("address", "1 High St\nLeeds", 100);
        c.name("organisation", "\u{200B}", 10);
        c.postcode("postcode", "75001", true);
        match c.finish() {
            Err(ServiceError::Invalid(errors)) => {
                let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(
                    fields,
                    ["name", "email", "town", "organisation", "postcode"]
                );
            }
            other => panic!("expected validation errors, got {other:?}"),
        }
    }

    /// Whatever the documented schema of a text field admits, `Check::text` takes
    /// (schemathesis calls the opposite a "schema-valid request rejected").
    mod schema_agrees {
        use super::super::*;
        use proptest::prelude::*;

        fn chars() -> impl Strategy<Value = String> {
            let pick = prop::sample::select(vec![
                'a', 'Z', '7', ' ', '\t', '\n', '\r', '\u{0}', '\u{1f}', '\u{7f}', '\u{85}',
                '\u{a0}', '\u{ad}', '\u{200b}', '\u{200e}', '\u{61c}', '\u{202e}', '\u{2067}',
                '\u{feff}', '\u{180e}', '\u{3000}', 'é',
            ]);
            prop::collection::vec(pick, 0..12).prop_map(|v| v.into_iter().collect())
        }

        proptest! {
            #[test]
            fn text_the_schema_admits_is_taken(value in chars()) {
                let re = regex::Regex::new(TEXT_PATTERN).expect("pattern");
                if re.is_match(&value) && value.chars().count() <= 10 {
                    let mut check = Check::new();
                    check.text("f", &value, 10);
                    prop_assert!(check.finish().is_ok(), "{value:?} fits the schema");
                }
            }

            #[test]
            fn names_the_schema_admits_are_taken(value in chars()) {
                let re = regex::Regex::new(NAME_PATTERN).expect("pattern");
                if re.is_match(&value) && value.chars().count() <= 10 {
                    let mut check = Check::new();
                    check.name("f", &value, 10);
                    prop_assert!(check.finish().is_ok(), "{value:?} fits the schema");
                }
            }

            #[test]
            fn notes_the_schema_admits_are_taken(value in chars()) {
                let re = regex::Regex::new(NOTE_PATTERN).expect("pattern");
                if re.is_match(&value) && value.chars().count() <= 10 {
                    let mut check = Check::new();
                    check.optional_text("f", Some(&value), 10);
                    prop_assert!(check.finish().is_ok(), "{value:?} fits the schema");
                }
            }
        }
    }
}
