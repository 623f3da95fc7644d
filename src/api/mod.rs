//! The JSON API under `/api/v1` (plus `/healthz` and `/.well-known/`): thin
//! adapters that parse a request, call one `service` function and render the
//! result as JSON, or its error as problem+json (`problem`).
//!
//! Every endpoint is in the one list at the bottom of this file: it serves the
//! route (its path and method come from the handler's `#[utoipa::path]`) and
//! documents it, so nothing is served undocumented.

pub mod advisors;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod checklists;
pub mod extract;
pub mod health;
pub mod notifications;
pub mod openapi;
pub mod organisation;
pub mod premises;
pub mod problem;
pub mod upload;
pub mod users;
pub mod verification;
// Part 1 of issue 11: conditions to closure.
pub mod conditions;

// Part 4 (advisor oversight).
pub mod reviews;

// Issue 11 part 5: fire safety on file.
pub mod fire_safety;
// issue 11 part 2: appeals
pub mod appeals;
// Issue 12 part F: /metrics.
pub mod metrics;

use std::collections::BTreeMap;

use actix_web::http::Method;
use actix_web::{Route, web};
use utoipa::openapi::HttpMethod;

use problem::{json_error, path_error, query_error};

/// One served and documented endpoint.
pub struct Endpoint {
    pub path: String,
    pub method: Method,
    route: fn() -> Route,
}

impl Endpoint {
    fn new<P: utoipa::Path>(route: fn() -> Route) -> Vec<Endpoint> {
        P::methods()
            .into_iter()
            .map(|m| Endpoint {
                path: P::path(),
                method: actix_method(m),
                route,
            })
            .collect()
    }
}

fn actix_method(m: HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// Serves and documents each handler: `endpoints![module::handler, …]` gives the
/// routes, and the same list makes `openapi::ApiDoc`'s paths.
macro_rules! endpoints {
    ($($module:ident :: $handler:ident),* $(,)?) => {
        /// Every JSON endpoint, from the list below.
        pub fn endpoints() -> Vec<Endpoint> {
            let mut all = Vec::new();
            $(
                all.extend(pastey::paste! {
                    Endpoint::new::<$module::[<__path_ $handler>]>(|| web::route().to($module::$handler))
                });
            )*
            all
        }

        /// The documented paths (and the schemas they use), from the same list.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($module::$handler),*))]
        pub struct Endpoints;
    };
}

pub fn configure(cfg: &mut web::ServiceConfig, limit: &crate::rate_limit::PublicLimit) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(256 * 1024)
            .error_handler(|err, _| json_error(err).into()),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _| query_error(err).into()))
    .app_data(web::PathConfig::default().error_handler(|err, _| path_error(err).into()));
    // One resource per path, so that another method on a known path is a 405
    // with `Allow`, not a 404.
    let mut by_path: BTreeMap<String, Vec<Endpoint>> = BTreeMap::new();
    for e in endpoints() {
        by_path.entry(e.path.clone()).or_default().push(e);
    }
    // Issue 12: the public verification routes first, since the router tries
    // routes in order (each pattern with a parameter is a regular expression).
    let (public, rest): (Vec<_>, Vec<_>) = by_path
        .into_iter()
        .partition(|(path, _)| crate::rate_limit::PUBLIC_PATHS.contains(&path.as_str()));
    for (path, endpoints) in public.into_iter().chain(rest) {
        let public = crate::rate_limit::PUBLIC_PATHS.contains(&path.as_str());
        let pattern = crate::metrics::RoutePattern::new(&path);
        // Issue 12: a path ending in a QR token is matched by its prefix (`token_path`).
        if let (true, Some(prefix), [get]) =
            (public, path.strip_suffix("/{token}"), endpoints.as_slice())
        {
            let scope = crate::token_path::scope(prefix, (get.route)().method(get.method.clone()));
            limit.register_scope(cfg, scope.app_data(pattern));
            continue;
        }
        let mut resource = web::resource(path).app_data(pattern);
        for e in endpoints {
            resource = resource.route((e.route)().method(e.method));
        }
        if public {
            limit.register(cfg, resource);
        } else {
            cfg.service(resource);
        }
    }
}

endpoints![
    health::healthz,
    openapi::openapi_json,
    auth::signup,
    auth::login,
    auth::logout,
    auth::me,
    users::create_user,
    organisation::list_operators,
    organisation::invite_operator,
    users::list_users,
    advisors::create_advisor,
    advisors::list_advisors,
    advisors::renew,
    advisors::suspend,
    advisors::reinstate,
    advisors::withdraw,
    premises::create_premises,
    premises::list_premises,
    premises::get_premises,
    premises::update_premises,
    premises::renew_premises,
    checklists::list_checklists,
    checklists::get_checklist,
    applications::create_application,
    applications::list_applications,
    applications::get_application,
    applications::put_answer,
    applications::upload_evidence,
    applications::get_evidence,
    applications::submit,
    applications::withdraw,
    applications::claim,
    applications::assign,
    applications::put_scores,
    applications::preview,
    applications::complete,
    certificates::get_certificate,
    certificates::get_history,
    certificates::verify_number,
    certificates::search_certificates,
    certificates::suspend,
    certificates::reinstate,
    certificates::revoke,
    certificates::download,
    verification::verify_token,
    verification::status_list,
    verification::jwks,
    verification::scheme_ca,
    audit::list_audit,
    notifications::list_notifications,
    // Part 3: the second sign-off.
    applications::sign_off,
    applications::list_sign_offs,
    // Part 1 of issue 11: conditions to closure.
    conditions::submit_evidence,
    conditions::review,
    conditions::evidence_file,
    conditions::awaiting_review,
    // Part 4 (advisor oversight).
    reviews::list_reviews,
    reviews::get_review,
    reviews::confirm,
    reviews::reassess,
    // Issue 11 part 5: fire safety on file.
    fire_safety::put_fire_safety,
    fire_safety::get_fire_safety,
    fire_safety::upload_fire_safety_evidence,
    fire_safety::get_fire_safety_evidence,
    // issue 11 part 2: appeals
    appeals::lodge,
    appeals::upload_evidence,
    appeals::get_evidence,
    appeals::list_appeals,
    appeals::get_appeal,
    appeals::claim,
    appeals::put_scores,
    appeals::decide,
    appeals::put_reply,
    // Issue 12 part F: /metrics.
    metrics::metrics,
];
