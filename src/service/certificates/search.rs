//! The register search: police and admins search every certificate, operators only
//! their own organisation's. Filters combine (all must match); newest first.

use serde::Deserialize;
use utoipa::IntoParams;

use super::{CertificateView, record_views};
use crate::auth::Caller;
use crate::db::certificates::Search;
use crate::db::{self, Page};
use crate::domain::certificate_number::CertificateNumber;
use crate::domain::status::{VerifiedStatus, stored_for};
use crate::service::ServiceResult;
use crate::service::access::certificate_scope;
use crate::service::page::{given, read_page};
use crate::service::validate::Check;
use crate::state::AppState;

// Numbers arrive as text so that a bad one is a 422 naming its parameter, rather
// than the deserializer's nameless "invalid digit".
#[derive(Deserialize, IntoParams, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A full or partial postcode; case and spaces are ignored and it matches from
    /// the start: `bs14dj` finds BS1 4DJ, `BS1 4` the sector, `BS1` the district
    /// (and, being a prefix, BS10 to BS19 too).
    #[param(pattern = "^[A-Za-z0-9 ]{0,10}$")]
    pub postcode: Option<String>,
    /// Part of the premises name (any case), or of the certificate number.
    #[param(schema_with = crate::service::validate::optional_text::<100>)]
    pub q: Option<String>,
    /// The status a verifier would see now: `valid`, `expired`, `suspended`,
    /// `revoked` or `superseded`.
    #[param(pattern = "^(valid|expired|suspended|revoked|superseded)?$")]
    pub status: Option<String>,
    /// At most this many certificates (default 50, at most 200).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Skip this many (for the next page).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 1000000)]
    pub offset: Option<String>,
}

/// The search, checked and normalised.
#[derive(Debug, PartialEq)]
struct Filters {
    postcode: Option<String>,
    name_or_number: Option<String>,
    status: Option<VerifiedStatus>,
    page: Page,
}

fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Filters {
    fn check(q: &SearchQuery) -> ServiceResult<Filters> {
        let mut check = Check::new();
        let postcode = given(q.postcode.as_deref()).map(|raw| {
            let compact: String = raw
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase();
            if !(1..=10).contains(&compact.len())
                || !compact.chars().all(|c| c.is_ascii_alphanumeric())
            {
                check.fail(
                    "postcode",
                    "must be a postcode or the start of one, such as BS1 4DJ or BS1",
                );
            }
            compact
        });
        // A whole certificate number is looked up as the register writes it, so
        // `psc 2026 k7qmt 94hrx t` finds PSC-2026-K7QMT-94HRX-T.
        let name_or_number = given(q.q.as_deref()).map(|raw| {
            let text = match raw.parse::<CertificateNumber>() {
                Ok(number) => number.to_string(),
                Err(_) => check.text("q", raw, 100),
            };
            format!("%{}%", like_escape(&text))
        });
        let status = given(q.status.as_deref()).and_then(|raw| {
            let parsed = VerifiedStatus::parse(&raw.to_lowercase());
            if parsed.is_none() {
                check.fail(
                    "status",
                    "must be valid, expired, suspended, revoked or superseded",
                );
            }
            parsed
        });
        let page = read_page(&mut check, q.limit.as_deref(), q.offset.as_deref());
        check.finish()?;
        Ok(Filters {
            postcode,
            name_or_number,
            status,
            page,
        })
    }
}

pub async fn search(
    state: &AppState,
    caller: &Caller,
    query: &SearchQuery,
) -> ServiceResult<Vec<CertificateView>> {
    let scope = certificate_scope(caller)?;
    let filters = Filters::check(query)?;
    let search = Search {
        postcode: filters.postcode,
        name_or_number: filters.name_or_number,
        status: filters.status.map(stored_for),
    };
    state
        .db
        .run(move |conn| {
            let rows = db::certificates::search(conn, &scope, &search, filters.page)?;
            record_views(conn, &rows)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ServiceError;
    use crate::service::page::DEFAULT_LIMIT;

    fn query(pairs: &[(&str, &str)]) -> SearchQuery {
        let mut q = SearchQuery::default();
        for (k, v) in pairs {
            let v = Some(v.to_string());
            match *k {
                "postcode" => q.postcode = v,
                "q" => q.q = v,
                "status" => q.status = v,
                "limit" => q.limit = v,
                "offset" => q.offset = v,
                other => panic!("no parameter {other}"),
            }
        }
        q
    }

    fn bad_fields(q: SearchQuery) -> Vec<String> {
        match Filters::check(&q) {
            Err(ServiceError::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn postcodes_lose_case_and_spaces() {
        let f = Filters::check(&query(&[("postcode", " bs1  4dj ")])).expect("ok");
        assert_eq!(f.postcode.as_deref(), Some("BS14DJ"));
    }

    #[test]
    fn empty_parameters_are_absent_and_defaults_apply() {
        let f =
            Filters::check(&query(&[("postcode", ""), ("q", "  "), ("status", "")])).expect("ok");
        assert_eq!(
            f,
            Filters {
                postcode: None,
                name_or_number: None,
                status: None,
                page: Page {
                    limit: DEFAULT_LIMIT,
                    offset: 0
                },
            }
        );
    }

    #[test]
    fn like_wildcards_in_the_text_are_literal() {
        let f = Filters::check(&query(&[("q", "100%_\\ club")])).expect("ok");
        assert_eq!(f.name_or_number.as_deref(), Some("%100\\%\\_\\\\ club%"));
    }

    #[test]
    fn a_whole_number_is_searched_as_the_register_writes_it() {
        let number = CertificateNumber::legacy(2026, 42);
        let typed = format!(
            "psc 2026 000042 {}",
            number.check_char().to_ascii_lowercase()
        );
        let f = Filters::check(&query(&[("q", &typed)])).expect("ok");
        assert_eq!(f.name_or_number, Some(format!("%{number}%")));
        let number: CertificateNumber = crate::domain::certificate_number::EXAMPLE
            .parse()
            .expect("example");
        let f = Filters::check(&query(&[("q", "psc 2026 k7qmt 94hrx t")])).expect("ok");
        assert_eq!(f.name_or_number, Some(format!("%{number}%")));
        // Anything else is text to find in names, as typed.
        let f = Filters::check(&query(&[("q", "psc 2026")])).expect("ok");
        assert_eq!(f.name_or_number.as_deref(), Some("%psc 2026%"));
    }

    #[test]
    fn status_is_a_verified_status() {
        let f = Filters::check(&query(&[("status", "Expired")])).expect("ok");
        assert_eq!(f.status, Some(VerifiedStatus::Expired));
        assert_eq!(bad_fields(query(&[("status", "active")])), ["status"]);
    }

    #[test]
    fn every_bad_parameter_is_named() {
        assert_eq!(
            bad_fields(query(&[
                ("postcode", "BS1-4DJ"),
                ("limit", "0"),
                ("offset", "-1"),
                ("status", "gone"),
            ])),
            ["postcode", "status", "limit", "offset"]
        );
        assert_eq!(bad_fields(query(&[("limit", "201")])), ["limit"]);
        assert_eq!(bad_fields(query(&[("limit", "ten")])), ["limit"]);
        assert_eq!(bad_fields(query(&[("q", &"x".repeat(101))])), ["q"]);
        assert_eq!(
            bad_fields(query(&[("postcode", "BS1 4DJ 9999 9")])),
            ["postcode"]
        );
    }
}
