//! HTML pages served by the same binary. Templates are minijinja files embedded at
//! build time; `.html` templates are auto-escaped.

pub mod error;
pub mod renew;
pub mod verify;

use std::sync::LazyLock;

use actix_web::web;
use serde::Serialize;

use crate::service::ServiceError;

static PAGES: LazyLock<minijinja::Environment<'static>> = LazyLock::new(|| {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in [
        ("verify.html", include_str!("templates/verify.html")),
        ("renew.html", include_str!("templates/renew.html")),
        ("error.html", include_str!("templates/error.html")),
    ] {
        if let Err(e) = env.add_template(name, source) {
            // Embedded templates are checked by the tests; this cannot fail at run time.
            tracing::error!(template = name, error = %e, "embedded page template is broken");
        }
    }
    env
});

pub fn render_page<T: Serialize>(name: &str, context: &T) -> Result<String, ServiceError> {
    PAGES
        .get_template(name)
        .and_then(|t| t.render(context))
        .map_err(|e| ServiceError::internal(anyhow::anyhow!("page {name}: {e}")))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(verify::routes).configure(renew::configure);
}
