//! HTML pages for every role, served by the same binary: thin adapters over
//! `service`, like the JSON API, rendered from one askama template set that
//! extends `base.html` (checked at compile time). Every page works without
//! JavaScript; `static/app.js` only enhances.
//!
//! - `session`: the login cookie and CSRF tokens; `layout`: what every page shares
//! - `form`: reading forms and showing their errors next to the fields
//! - `account`: log in, log out, sign up; `home`: the landing page
//! - `verify`, `renew`: the public pages that certificates and emails link to
//! - `operator`, `advisor`, `police`, `admin`: each role's pages

pub mod account;
pub mod admin;
pub mod advisor;
pub mod assets;
pub mod error;
pub mod form;
pub mod home;
pub mod layout;
pub mod operator;
pub mod police;
pub mod renew;
pub mod session;
// Part 3: the second sign-off.
pub mod sign_off;
pub mod verify;
// Part 1 of issue 11: conditions to closure.
pub mod conditions;
// Part 4 (advisor oversight).
pub mod advisors;
pub mod oversight;
// issue 11 part 2: appeals
pub mod appeals;

use actix_web::web;

pub use session::pages as middleware;

/// The public verification pages, limited per client address. Registered before
/// every other route (issue 12): the router tries routes in order, and these are
/// what a gate sends in bursts.
pub fn configure_public(cfg: &mut web::ServiceConfig, limit: &crate::rate_limit::PublicLimit) {
    use crate::metrics::RoutePattern;
    use web::{get, resource};
    limit.register(
        cfg,
        resource("/verify")
            .app_data(RoutePattern::new("/verify"))
            .route(get().to(verify::by_number)),
    );
    // Matched by its prefix: `token_path`.
    limit.register_scope(
        cfg,
        crate::token_path::scope("/v", get().to(verify::by_token))
            .app_data(RoutePattern::new("/v/{token}")),
    );
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource};
    cfg.service(resource("/static/style.css").route(get().to(assets::style)))
        .service(resource("/static/app.js").route(get().to(assets::script)));
    cfg.service(resource("/").route(get().to(home::home)))
        .service(
            resource("/login")
                .route(get().to(account::login_form))
                .route(post().to(account::login)),
        )
        .service(resource("/logout").route(post().to(account::logout)))
        .service(
            resource("/signup")
                .route(get().to(account::signup_form))
                .route(post().to(account::signup)),
        )
        .service(
            resource("/password/forgot")
                .route(get().to(account::forgot_form))
                .route(post().to(account::forgot)),
        )
        .service(
            resource("/password/reset/{token}")
                .route(get().to(account::reset_form))
                .route(post().to(account::reset)),
        )
        .service(resource("/renew/{premises_id}").route(get().to(renew::renew_page)))
        // Part 4 (advisor oversight): the public advisor register.
        .service(resource("/advisors").route(get().to(advisors::register)))
        .configure(operator::routes)
        .configure(advisor::routes)
        .configure(police::routes)
        .configure(admin::routes)
        // Part 3: the second sign-off.
        .configure(sign_off::routes)
        // Part 1 of issue 11: conditions to closure.
        .configure(conditions::routes)
        // issue 11 part 2: appeals
        .configure(appeals::routes);
}
