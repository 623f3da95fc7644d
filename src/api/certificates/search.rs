//! The register search: police and admin search every certificate; operators only
//! their own organisation's. Filters combine (all must match); newest first.

use actix_web::web;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{CertificateView, record_views};
use crate::api::extract::Query;
use crate::api::validate::Check;
use crate::auth::{Caller, Role};
use crate::db::models::Certificate;
use crate::db::now;
use crate::db::schema::certificates;
use crate::domain::status::{Expiry, VerifiedStatus, stored_for};
use crate::error::ApiError;
use crate::startup::AppState;

/// SQL functions that SQLite and PostgreSQL both have, for matching that ignores
/// case and spaces the same way on both. (SQLite's `lower`/`upper` fold ASCII only.)
mod sql {
    use diesel::sql_types::Text;
    diesel::define_sql_function!(fn lower(s: Text) -> Text);
    diesel::define_sql_function!(fn upper(s: Text) -> Text);
    diesel::define_sql_function!(fn replace(s: Text, from: Text, to: Text) -> Text);
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;
const MAX_OFFSET: i64 = 1_000_000;

// Numbers arrive as text so that a bad one is a 422 naming its parameter, rather
// than the deserializer's nameless "invalid digit".
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A full or partial postcode; case and spaces are ignored and it matches from
    /// the start: `bs14dj` finds BS1 4DJ, `BS1 4` the sector, `BS1` the district
    /// (and, being a prefix, BS10 to BS19 too).
    pub postcode: Option<String>,
    /// Part of the premises name (any case), or of the certificate number.
    pub q: Option<String>,
    /// The status a verifier would see now: `valid`, `expired`, `suspended`,
    /// `revoked` or `superseded`.
    pub status: Option<String>,
    /// At most this many certificates (default 50, at most 200).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// Skip this many (for the next page).
    #[param(value_type = Option<i64>)]
    pub offset: Option<String>,
}

/// The search, checked and normalised.
#[derive(Debug, PartialEq)]
struct Filters {
    /// Upper case, without spaces.
    postcode: Option<String>,
    /// A LIKE pattern, wildcards in the text escaped with `\`.
    name_or_number: Option<String>,
    status: Option<VerifiedStatus>,
    limit: i64,
    offset: i64,
}

/// Empty parameters count as absent, as an HTML form sends them.
fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

fn number_in(
    check: &mut Check,
    field: &str,
    raw: Option<&str>,
    range: (i64, i64),
    default: i64,
) -> i64 {
    let Some(raw) = given(raw) else {
        return default;
    };
    match raw.parse::<i64>() {
        Ok(n) if (range.0..=range.1).contains(&n) => n,
        _ => {
            check.fail(
                field,
                format!("must be a whole number from {} to {}", range.0, range.1),
            );
            default
        }
    }
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
    fn check(q: &SearchQuery) -> Result<Filters, ApiError> {
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
        let name_or_number = given(q.q.as_deref()).map(|raw| {
            let text = check.text("q", raw, 100);
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
        let limit = number_in(
            &mut check,
            "limit",
            q.limit.as_deref(),
            (1, MAX_LIMIT),
            DEFAULT_LIMIT,
        );
        let offset = number_in(
            &mut check,
            "offset",
            q.offset.as_deref(),
            (0, MAX_OFFSET),
            0,
        );
        check.finish()?;
        Ok(Filters {
            postcode,
            name_or_number,
            status,
            limit,
            offset,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates", params(SearchQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "matching certificates, newest first; for an operator only their organisation's", body = Vec<CertificateView>),
        (status = 400, description = "an unknown query parameter", body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, description = "advisors do not search the register", body = crate::error::Problem),
        (status = 422, description = "a bad filter value, named in `errors`", body = crate::error::Problem)))]
pub async fn search_certificates(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<SearchQuery>,
) -> Result<web::Json<Vec<CertificateView>>, ApiError> {
    caller.require(&[Role::Operator, Role::Police, Role::Admin])?;
    let filters = Filters::check(&query)?;
    let views = state
        .db
        .run(move |conn| {
            let mut q = certificates::table
                .select(certificates::all_columns)
                .into_boxed();
            if caller.is(Role::Operator) {
                // An operator without an organisation matches nothing.
                q = q.filter(
                    certificates::organisation_id
                        .eq(caller.organisation_id.clone().unwrap_or_default()),
                );
            }
            if let Some(postcode) = filters.postcode {
                q = q.filter(
                    sql::upper(sql::replace(certificates::postcode, " ", ""))
                        .like(format!("{postcode}%")),
                );
            }
            if let Some(pattern) = filters.name_or_number {
                // The pattern goes through the same lower() as the column, so both
                // sides fold case alike on either backend.
                q = q.filter(
                    sql::lower(certificates::premises_name)
                        .like(sql::lower(pattern.clone()))
                        .escape('\\')
                        .or(sql::lower(certificates::number)
                            .like(sql::lower(pattern))
                            .escape('\\')),
                );
            }
            if let Some(status) = filters.status {
                let (stored, expiry) = stored_for(status);
                q = q.filter(certificates::status.eq(stored.as_str()));
                match expiry {
                    Some(Expiry::NotYet) => q = q.filter(certificates::expires_at.gt(now())),
                    Some(Expiry::Passed) => q = q.filter(certificates::expires_at.le(now())),
                    None => {}
                }
            }
            let rows: Vec<Certificate> = q
                .order((certificates::issued_at.desc(), certificates::number.desc()))
                .limit(filters.limit)
                .offset(filters.offset)
                .load(conn)?;
            record_views(conn, &rows)
        })
        .await?;
    Ok(web::Json(views))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> SearchQuery {
        let mut q = SearchQuery {
            postcode: None,
            q: None,
            status: None,
            limit: None,
            offset: None,
        };
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
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
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
                limit: DEFAULT_LIMIT,
                offset: 0
            }
        );
    }

    #[test]
    fn like_wildcards_in_the_text_are_literal() {
        let f = Filters::check(&query(&[("q", "100%_\\ club")])).expect("ok");
        assert_eq!(f.name_or_number.as_deref(), Some("%100\\%\\_\\\\ club%"));
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
