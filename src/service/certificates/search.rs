//! The register search: police and admins search every certificate, operators only
//! their own organisation's. Filters combine (all must match); newest first, a page
//! at a time by keyset (issue 12 part C: `after`, the cursor of the last row shown).

use serde::Deserialize;
use utoipa::IntoParams;

use super::{CertificateView, record_views};
use crate::auth::Caller;
use crate::db;
use crate::db::certificates::{NameOrNumber, Search};
use crate::domain::certificate_number::CertificateNumber;
use crate::domain::search_keys::{self, Cursor};
use crate::domain::status::{VerifiedStatus, stored_for};
use crate::service::ServiceResult;
use crate::service::access::certificate_scope;
use crate::service::page::{DEFAULT_LIMIT, MAX_LIMIT, given, number_in};
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
    /// (and, being a prefix, BS10 to BS19 too: use `district` for BS1 alone).
    #[param(pattern = "^[A-Za-z0-9 ]{0,10}$")]
    pub postcode: Option<String>,
    /// The premises name by words (any case; every word given must begin a word of
    /// the name, in any order: `arts c` finds Quay Arts Centre), or a whole
    /// certificate number (case, spaces and hyphens forgiven).
    #[param(schema_with = crate::service::validate::optional_text::<100>)]
    pub q: Option<String>,
    /// The status a verifier would see now: `valid`, `expired`, `suspended`,
    /// `revoked` or `superseded`.
    #[param(pattern = "^(valid|expired|suspended|revoked|superseded)?$")]
    pub status: Option<String>,
    /// At most this many certificates (default 50, at most 200).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    // Issue 12 part C: the district and keyset paging.
    /// A postcode district (outward code), exactly: `BS1` finds BS1 4DJ but not
    /// BS10 5AB. Case and spaces are ignored.
    #[param(pattern = "^ *[A-Za-z0-9]{0,4} *$")]
    pub district: Option<String>,
    /// Where the next page starts: the cursor of the previous page's `Link:
    /// <…>; rel="next"` header, as given (opaque).
    #[param(pattern = "^[A-Za-z0-9_-]{0,120}$")]
    pub after: Option<String>,
}

/// A page of results, and where the next one starts when there is one.
#[derive(Debug)]
pub struct Found {
    pub certificates: Vec<CertificateView>,
    /// The `after` of the next page.
    pub next: Option<String>,
}

/// The search, checked and normalised.
#[derive(Debug, PartialEq)]
struct Filters {
    search: Search,
    after: Option<Cursor>,
    limit: i64,
}

/// A postcode or district as typed: upper case, without spaces, letters and
/// digits only, of at most `max` characters (else a failure on `field`).
fn compact(check: &mut Check, field: &str, raw: &str, max: usize, says: &str) -> String {
    let key = search_keys::postcode_key(raw);
    if !(1..=max).contains(&key.len()) || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        check.fail(field, says);
    }
    key
}

impl Filters {
    fn check(q: &SearchQuery) -> ServiceResult<Filters> {
        let mut check = Check::new();
        let postcode = given(q.postcode.as_deref()).map(|raw| {
            compact(
                &mut check,
                "postcode",
                raw,
                10,
                "must be a postcode or the start of one, such as BS1 4DJ or BS1",
            )
        });
        // A whole certificate number is looked up as the register writes it, so
        // `psc 2026 k7qmt 94hrx t` finds PSC-2026-K7QMT-94HRX-T; anything else is
        // words of the name.
        let text = given(q.q.as_deref()).map(|raw| match raw.parse::<CertificateNumber>() {
            Ok(number) => NameOrNumber::Number(number.to_string()),
            Err(_) => NameOrNumber::Words(search_keys::words(&check.text("q", raw, 100))),
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
        let district = given(q.district.as_deref()).map(|raw| {
            compact(
                &mut check,
                "district",
                raw,
                4,
                "must be a postcode district (the part before the space), such as BS1 or SW1A",
            )
        });
        let after = given(q.after.as_deref()).and_then(|raw| {
            let cursor = Cursor::decode(raw);
            if cursor.is_none() {
                check.fail("after", "must be the cursor of a next-page link, as given");
            }
            cursor
        });
        check.finish()?;
        Ok(Filters {
            search: Search {
                postcode,
                district,
                text,
                status: status.map(stored_for),
            },
            after,
            limit,
        })
    }
}

/// The certificates in the caller's scope that match `query`, newest first, one
/// page of them.
pub async fn search(
    state: &AppState,
    caller: &Caller,
    query: &SearchQuery,
) -> ServiceResult<Found> {
    let scope = certificate_scope(caller)?;
    let filters = Filters::check(query)?;
    state
        .db
        .run(move |conn| {
            // One more than a page, to know whether there is a next one.
            let mut rows = db::certificates::search(
                conn,
                &scope,
                &filters.search,
                filters.after.as_ref(),
                filters.limit + 1,
            )?;
            let more = rows.len() as i64 > filters.limit;
            rows.truncate(filters.limit as usize);
            let next = more.then(|| rows.last()).flatten().map(|last| {
                Cursor {
                    issued_at: last.issued_at,
                    number: last.number.clone(),
                }
                .encode()
            });
            Ok(Found {
                certificates: record_views(conn, &rows)?,
                next,
            })
        })
        .await
}

/// The query string of this search from the page after `after` (from the first
/// page without it): the same filters, the same limit.
pub fn next_page(query: &SearchQuery, after: Option<&str>) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("postcode", &query.postcode),
        ("district", &query.district),
        ("q", &query.q),
        ("status", &query.status),
        ("limit", &query.limit),
    ] {
        if let Some(value) = given(value.as_deref()) {
            out.append_pair(name, value);
        }
    }
    if let Some(after) = after {
        out.append_pair("after", after);
    }
    out.finish()
}

/// Gives certificates issued before there were name terms theirs (at start-up; a
/// no-op once done). Each in its own small transaction, taken off the waiting list
/// first, so that two instances starting together do not write one twice.
pub fn backfill_terms(db: &crate::db::Db) -> anyhow::Result<usize> {
    use diesel::Connection;
    let mut conn = db.get()?;
    db::certificates::drop_orphan_pending_terms(&mut conn)?;
    let mut done = 0;
    loop {
        let batch = db::certificates::pending_terms(&mut conn, 1000)?;
        if batch.is_empty() {
            return Ok(done);
        }
        conn.transaction(|tx| -> anyhow::Result<()> {
            for (id, number, issued_at, name) in &batch {
                if db::certificates::take_pending_terms(tx, id)? {
                    db::certificates::insert_terms(tx, number, *issued_at, name)?;
                    done += 1;
                }
            }
            Ok(())
        })?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ServiceError;

    fn query(pairs: &[(&str, &str)]) -> SearchQuery {
        let mut q = SearchQuery::default();
        for (k, v) in pairs {
            let v = Some(v.to_string());
            match *k {
                "postcode" => q.postcode = v,
                "district" => q.district = v,
                "q" => q.q = v,
                "status" => q.status = v,
                "limit" => q.limit = v,
                "after" => q.after = v,
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

    fn words(list: &[&str]) -> Option<NameOrNumber> {
        Some(NameOrNumber::Words(
            list.iter().map(|w| w.to_string()).collect(),
        ))
    }

    #[test]
    fn postcodes_and_districts_lose_case_and_spaces() {
        let f = Filters::check(&query(&[
            ("postcode", " bs1  4dj "),
            ("district", " sw1a "),
        ]))
        .expect("ok");
        assert_eq!(f.search.postcode.as_deref(), Some("BS14DJ"));
        assert_eq!(f.search.district.as_deref(), Some("SW1A"));
    }

    #[test]
    fn empty_parameters_are_absent_and_defaults_apply() {
        let f = Filters::check(&query(&[
            ("postcode", ""),
            ("district", ""),
            ("q", "  "),
            ("status", ""),
            ("after", ""),
        ]))
        .expect("ok");
        assert_eq!(
            f,
            Filters {
                search: Search::default(),
                after: None,
                limit: DEFAULT_LIMIT,
            }
        );
    }

    #[test]
    fn names_are_searched_by_their_words_and_wildcards_are_not_words() {
        let f = Filters::check(&query(&[("q", "Arts  c")])).expect("ok");
        assert_eq!(f.search.text, words(&["arts", "c"]));
        let f = Filters::check(&query(&[("q", "100%_\\ club")])).expect("ok");
        assert_eq!(f.search.text, words(&["100", "club"]));
        let f = Filters::check(&query(&[("q", "%")])).expect("ok");
        assert_eq!(f.search.text, words(&[]));
    }

    #[test]
    fn a_whole_number_is_searched_as_the_register_writes_it() {
        let number = CertificateNumber::legacy(2026, 42);
        let typed = format!(
            "psc 2026 000042 {}",
            number.check_char().to_ascii_lowercase()
        );
        let f = Filters::check(&query(&[("q", &typed)])).expect("ok");
        assert_eq!(
            f.search.text,
            Some(NameOrNumber::Number(number.to_string()))
        );
        let number: CertificateNumber = crate::domain::certificate_number::EXAMPLE
            .parse()
            .expect("example");
        let f = Filters::check(&query(&[("q", "psc 2026 k7qmt 94hrx t")])).expect("ok");
        assert_eq!(
            f.search.text,
            Some(NameOrNumber::Number(number.to_string()))
        );
        // Anything else is words of the name, as typed.
        let f = Filters::check(&query(&[("q", "psc 2026")])).expect("ok");
        assert_eq!(f.search.text, words(&["psc", "2026"]));
    }

    #[test]
    fn status_is_a_verified_status() {
        let f = Filters::check(&query(&[("status", "Expired")])).expect("ok");
        assert_eq!(f.search.status, Some(stored_for(VerifiedStatus::Expired)));
        assert_eq!(bad_fields(query(&[("status", "active")])), ["status"]);
    }

    #[test]
    fn a_cursor_is_read_back() {
        let cursor = Cursor {
            issued_at: time::macros::datetime!(2026-12-01 09:00:00.5),
            number: "PSC-2026-000042-X".into(),
        };
        let f = Filters::check(&query(&[("after", &cursor.encode())])).expect("ok");
        assert_eq!(f.after, Some(cursor));
    }

    #[test]
    fn every_bad_parameter_is_named() {
        assert_eq!(
            bad_fields(query(&[
                ("postcode", "BS1-4DJ"),
                ("limit", "0"),
                ("status", "gone"),
                ("district", "BS14DJ"),
                ("after", "not-a-cursor"),
            ])),
            ["postcode", "status", "limit", "district", "after"]
        );
        assert_eq!(bad_fields(query(&[("limit", "201")])), ["limit"]);
        assert_eq!(bad_fields(query(&[("limit", "ten")])), ["limit"]);
        assert_eq!(bad_fields(query(&[("q", &"x".repeat(101))])), ["q"]);
        assert_eq!(bad_fields(query(&[("district", "B-1")])), ["district"]);
        assert_eq!(
            bad_fields(query(&[("postcode", "BS1 4DJ 9999 9")])),
            ["postcode"]
        );
    }
}
