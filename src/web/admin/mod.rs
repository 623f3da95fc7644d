//! The admin's pages: the scheme's staff run it from here.
//!
//! - `overview`: `/admin`, what is waiting and what is in force
//! - `advisors`: the register, accrediting, renewing, suspending, reinstating and
//!   withdrawing accreditations
//! - `accounts`: police and admin accounts
//! - `certificates`: the register search and a certificate's status actions
//! - `audit`: the audit log, newest first; `outbox`: the email outbox
//!
//! Every page takes the [`Admin`] extractor: someone signed in in another role
//! gets the 403 page, someone not signed in the login page.

mod accounts;
mod advisors;
mod audit;
mod certificates;
mod outbox;
mod overview;
// Part 4 (advisor oversight).
mod reviews;
// Part 4 (advisor oversight): the public register page shows the same rows.
pub(crate) use advisors::AdvisorRow;

use actix_web::dev::Payload;
use actix_web::http::header::LOCATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};

use super::error::PageError;
use super::session::SignedIn;
use crate::auth::Caller;
use crate::service::access::require_admin;
use crate::service::page::Page;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/admin").route(get().to(overview::page)))
        .service(
            resource("/admin/advisors")
                .route(get().to(advisors::list))
                .route(post().to(advisors::accredit)),
        )
        .service(resource("/admin/advisors/new").route(get().to(advisors::new_form)))
        .service(resource("/admin/advisors/{id}").route(get().to(advisors::show)))
        .service(resource("/admin/advisors/{id}/renew").route(post().to(advisors::renew)))
        .service(resource("/admin/advisors/{id}/status").route(post().to(advisors::status)))
        .service(
            resource("/admin/users")
                .route(get().to(accounts::list))
                .route(post().to(accounts::create)),
        )
        .service(resource("/admin/users/new").route(get().to(accounts::new_form)))
        .service(resource("/admin/certificates").route(get().to(certificates::search)))
        .service(resource("/admin/certificates/{number}").route(get().to(certificates::show)))
        .service(
            resource("/admin/certificates/{number}/status").route(post().to(certificates::status)),
        )
        .service(resource("/admin/audit").route(get().to(audit::page)))
        .service(resource("/admin/outbox").route(get().to(outbox::page)))
        // Part 4 (advisor oversight).
        .service(resource("/admin/reviews").route(get().to(reviews::list)))
        .service(resource("/admin/reviews/{id}").route(get().to(reviews::show)))
        .service(resource("/admin/reviews/{id}/confirm").route(post().to(reviews::confirm)))
        .service(resource("/admin/reviews/{id}/reassess").route(post().to(reviews::reassess)));
}

/// A signed-in admin. Another role gets the 403 page, no session the login page.
pub struct Admin(pub Caller);

impl FromRequest for Admin {
    type Error = PageError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Admin, PageError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        Box::pin(async move {
            let SignedIn(caller) = signed_in.await?;
            require_admin(&caller)?;
            Ok(Admin(caller))
        })
    }
}

/// A 303 to `to` after a completed action.
fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

/// Rows per page of every admin listing.
const PER_PAGE: i64 = 50;

/// A listing page from `?offset=`: one row more than is shown is asked for, so
/// that the page knows whether there is a next one.
pub(crate) fn page_at(offset: &str) -> Result<Page, PageError> {
    let offset = match offset.trim() {
        "" => 0,
        raw => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=1_000_000).contains(n))
            .ok_or_else(|| {
                crate::service::ServiceError::malformed_field(
                    "offset",
                    "must be a whole number from 0 to 1000000",
                )
            })?,
    };
    Ok(Page {
        limit: PER_PAGE + 1,
        offset,
    })
}

/// Cuts the extra row off a listing; returns whether there was one (a next page).
pub(crate) fn trim_page<T>(rows: &mut Vec<T>) -> bool {
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    more
}

/// `key=value&…` of the non-empty pairs, for links that keep a listing's filters.
fn query_string(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.trim().is_empty()))
        .finish()
}

/// Links to the pages either side of the one at `offset` of a listing at
/// `path` whose filters are `keep` ("" where there is no such page).
pub(crate) fn pager(
    path: &str,
    offset: i64,
    more: bool,
    keep: &[(&str, &str)],
) -> (String, String) {
    let link = |at: i64| {
        let at = at.to_string();
        let mut pairs: Vec<(&str, &str)> = keep
            .iter()
            .filter(|(k, _)| *k != "offset")
            .copied()
            .collect();
        if at != "0" {
            pairs.push(("offset", &at));
        }
        match query_string(&pairs) {
            q if q.is_empty() => path.to_string(),
            q => format!("{path}?{q}"),
        }
    };
    let previous = if offset > 0 {
        link((offset - PER_PAGE).max(0))
    } else {
        String::new()
    };
    let next = if more {
        link(offset + PER_PAGE)
    } else {
        String::new()
    };
    (previous, next)
}

/// The word and badge tone of a certificate status.
fn certificate_status(s: crate::domain::status::VerifiedStatus) -> (&'static str, &'static str) {
    use crate::domain::status::VerifiedStatus as V;
    match s {
        V::Valid => ("Valid", "ok"),
        V::Expired => ("Expired", "warn"),
        V::Suspended => ("Suspended", "warn"),
        V::Revoked => ("Revoked", "bad"),
        V::Superseded => ("Superseded", "grey"),
    }
}
