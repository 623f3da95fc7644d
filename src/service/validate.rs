//! Input checks that collect every bad field before answering, so one 422 names
//! them all, and that hand back the cleaned value.

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

    /// Trimmed text of 1..=max characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.fail(field, "must not be empty");
        } else if v.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
        } else if v.chars().any(|c| c.is_control() && c != '\n') {
            self.fail(field, "must not contain control characters");
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
            None | Some("") => None,
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

    /// Letters, digits and single spaces, 2..=10 characters, upper-cased.
    pub fn postcode(&mut self, field: &str, value: &str) -> String {
        let v = value
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
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
/// text::<MAX>)]` on a request field: 1 to `MAX` characters, not only spaces, no
/// control characters (but newlines) and no bidirectional controls.
pub fn text<const MAX: usize>() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX))
        .pattern(Some(TEXT_PATTERN))
        .build()
}

/// Free text that may be empty (a note), as `Check::optional_text` takes it.
pub fn optional_text<const MAX: usize>() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .max_length(Some(MAX))
        .pattern(Some(NOTE_PATTERN))
        .build()
}

// Characters text never holds: C0 controls but newline, DEL, C1 controls and the
// bidirectional embeddings, overrides and isolates.
const TEXT_PATTERN: &str = concat!(
    r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*",
    // at least one character that shows: not a space, control or zero-width one
    r"[^\s\u0000-\u001f\u007f-\u009f\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]",
    r"[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$",
);
const NOTE_PATTERN: &str =
    r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_bad_field() {
        let mut c = Check::new();
        c.text("name", "  ", 10);
        c.email("email", "not-an-email");
        let postcode = c.postcode("postcode", " sw1a   1aa ");
        assert_eq!(postcode, "SW1A 1AA");
        match c.finish() {
            Err(ServiceError::Invalid(errors)) => {
                let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["name", "email"]);
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
                '\u{a0}', '\u{200b}', '\u{202e}', '\u{2067}', '\u{feff}', '\u{3000}', 'é',
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
