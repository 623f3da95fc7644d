//! Page sessions and CSRF protection.
//!
//! Logging in sets `pc_session`, an HttpOnly, SameSite=Lax cookie (Secure when the
//! public URL is https) holding the same signed login token the API takes as a
//! Bearer token: any instance reads it, and no session store is needed. Each request
//! checks that the token's account still exists, is active and has the token's
//! session version; logging out removes the cookie and bumps that version, ending
//! every token the account holds.
//!
//! Every form carries the `csrf` value of the `pc_csrf` cookie (set with the first
//! page that renders a form); a state-changing request whose form value does not
//! match its cookie is refused. A page on another site can neither read that cookie
//! nor set it, so it cannot forge a form.

use std::cell::OnceCell;
use std::fmt;
use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, SET_COOKIE};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use rand::RngCore;

use futures_util::future::LocalBoxFuture;

use super::error::PageError;
use crate::auth::Caller;
use crate::service::ServiceError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "pc_session";
pub const CSRF_COOKIE: &str = "pc_csrf";
pub const CSRF_FIELD: &str = "csrf";

fn state_of(req: &HttpRequest) -> Result<&web::Data<AppState>, PageError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("app state missing")).into())
}

fn secure(state: &AppState) -> bool {
    state.settings.public_url().starts_with("https://")
}

/// The session cookie for a login token.
pub fn session_cookie(state: &AppState, token: &str) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(state))
        .max_age(actix_web::cookie::time::Duration::minutes(
            state.settings.token_ttl_minutes,
        ))
        .finish()
}

/// The cookie that ends the session.
pub fn ended_session(state: &AppState) -> Cookie<'static> {
    let mut c = session_cookie(state, "");
    c.make_removal();
    c
}

/// The caller the session cookie names, if it is still a live session (its
/// account exists, is active and has not logged out since).
/// Checked once a request (a page's chrome and its handler both ask).
#[derive(Clone)]
struct SessionChecked(Option<Caller>);

fn caller_of(req: &HttpRequest) -> LocalBoxFuture<'static, Result<Option<Caller>, PageError>> {
    if let Some(SessionChecked(known)) = req.extensions().get::<SessionChecked>().cloned() {
        return Box::pin(ready(Ok(known)));
    }
    let found = match cookie(req, SESSION_COOKIE) {
        None => Ok(None),
        Some(cookie) => state_of(req).map(|s| Some((s.clone(), cookie.value().to_string()))),
    };
    let req = req.clone();
    Box::pin(async move {
        let Some((state, token)) = found? else {
            return Ok(None);
        };
        let caller = match crate::service::accounts::authenticate(&state, &token).await {
            Ok(caller) => Some(caller),
            Err(ServiceError::Unauthenticated(_)) => None,
            Err(e) => return Err(e.into()),
        };
        req.extensions_mut().insert(SessionChecked(caller.clone()));
        Ok(caller)
    })
}

/// Where to come back to after logging in: this page.
fn here(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    }
}

/// A signed-in user; without a valid session, a redirect to the login page that
/// comes back here.
pub struct SignedIn(pub Caller);

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<SignedIn, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (caller, next) = (caller_of(req), here(req));
        Box::pin(async move {
            match caller.await {
                Ok(Some(caller)) => Ok(SignedIn(caller)),
                Ok(None) => Err(PageError::Login { next }),
                Err(e) => Err(e),
            }
        })
    }
}

/// The signed-in user, if any (pages everyone may see).
pub struct MaybeSignedIn(pub Option<Caller>);

impl FromRequest for MaybeSignedIn {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<MaybeSignedIn, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = caller_of(req);
        Box::pin(async move { caller.await.map(MaybeSignedIn) })
    }
}

/// This browser's CSRF token, for the forms a page renders: its `pc_csrf` cookie,
/// or for a browser without one a token made the first time a form is rendered,
/// which [`pages`] then sets as the cookie. A page with no form (the QR landing page
/// a gate's phones open, in bursts) makes no token and sets no cookie.
#[derive(Clone, Default)]
pub struct CsrfToken(Rc<OnceCell<String>>);

impl CsrfToken {
    pub fn of(value: String) -> CsrfToken {
        CsrfToken(Rc::new(OnceCell::from(value)))
    }

    pub fn value(&self) -> &str {
        self.0.get_or_init(|| {
            let mut bytes = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut bytes);
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
        })
    }

    /// The token if one was made (or given): what a fresh cookie must carry.
    fn made(&self) -> Option<&String> {
        self.0.get()
    }
}

impl fmt::Display for CsrfToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.value())
    }
}

impl FromRequest for CsrfToken {
    type Error = PageError;
    type Future = Ready<Result<CsrfToken, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req
            .extensions()
            .get::<CsrfToken>()
            .cloned()
            .or_else(|| cookie(req, CSRF_COOKIE).map(|c| CsrfToken::of(c.value().to_string())));
        ready(token.ok_or_else(|| {
            ServiceError::internal(anyhow::anyhow!("csrf middleware not installed")).into()
        }))
    }
}

/// The request's cookie `name`. A request with no `Cookie` header at all (a phone
/// at a gate opening the QR page) builds no cookie jar in its extensions.
fn cookie(req: &HttpRequest, name: &str) -> Option<Cookie<'static>> {
    if !req.headers().contains_key(actix_web::http::header::COOKIE) {
        return None;
    }
    req.cookie(name)
}

/// Whether a path is a page (not the API, keys, assets or health).
fn is_page(path: &str) -> bool {
    !["/api/", "/.well-known/", "/static/", "/healthz"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// For pages: gives a browser without a CSRF cookie a token made when its page
/// renders a form ([`CsrfToken`]; the cookie for the next request), and marks the
/// answer not to be cached (pages hold personal and security data).
pub async fn pages(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !is_page(req.path()) {
        return next.call(req).await;
    }
    let fresh = match cookie(req.request(), CSRF_COOKIE) {
        Some(c) if c.value().len() == 43 => None,
        _ => {
            let lazy = CsrfToken::default();
            req.extensions_mut().insert(lazy.clone());
            Some(lazy)
        }
    };
    let secure = fresh.is_some()
        && req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| secure(s));
    let mut res = next.call(req).await?;
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    if let Some(token) = fresh.as_ref().and_then(CsrfToken::made) {
        let cookie = Cookie::build(CSRF_COOKIE, token.as_str())
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .finish();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(SET_COOKIE, value);
        }
    }
    Ok(res)
}

/// Refuses a form whose `csrf` value is not this browser's token.
pub fn check_csrf(req: &HttpRequest, submitted: Option<&str>) -> Result<(), PageError> {
    let expected = cookie(req, CSRF_COOKIE);
    let ok = match (expected.as_ref().map(|c| c.value()), submitted) {
        (Some(expected), Some(given)) => {
            !expected.is_empty() && constant_time_eq(expected.as_bytes(), given.as_bytes())
        }
        _ => false,
    };
    if ok { Ok(()) } else { Err(PageError::Csrf) }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
