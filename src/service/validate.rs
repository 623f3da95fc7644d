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
}
