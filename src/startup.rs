//! Wiring: opens storage, runs migrations, publishes checklists, loads secrets and
//! builds the actix server with the JSON API and the pages. The only module that
//! knows both `api` and `web`; `prepare` and `serve` are shared by `main` and the tests.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};

use crate::auth::token::TokenKeys;
use crate::certificates::document::CertificateDocuments;
use crate::checklists::ChecklistStore;
use crate::config::Settings;
use crate::db::Db;
pub use crate::state::AppState;
use crate::{api, secrets};

/// Opens the database, migrates it, publishes the checklist files and loads keys.
pub async fn prepare(settings: Settings) -> anyhow::Result<AppState> {
    let url = settings.database_url();
    let db = Db::connect(&url, settings.database_pool_size)?
        // Issue 12 part B.
        .with_reader_cache_kib(settings.sqlite_reader_cache_kib);
    let applied = {
        let db = db.clone();
        web::block(move || db.migrate()).await??
    };
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    let db = {
        let settings = settings.clone();
        web::block(move || crate::audit_key::keyed(db, &settings)).await??
    };
    let indexed = {
        let db = db.clone();
        web::block(move || crate::service::certificates::status_list::assign_missing_indexes(&db))
            .await??
    };
    if indexed > 0 {
        tracing::info!(indexed, "certificates given their status-list index");
    }
    // Part 1 of issue 11: conditions to closure.
    let backfilled = {
        let db = db.clone();
        web::block(move || crate::service::certificates::conditions::backfill(&db)).await??
    };
    if backfilled > 0 {
        tracing::info!(backfilled, "certificates given their condition rows");
    }
    // Issue 12 part C: the name terms of certificates issued before there were any.
    let termed = {
        let db = db.clone();
        web::block(move || crate::service::certificates::search::backfill_terms(&db)).await??
    };
    if termed > 0 {
        tracing::info!(termed, "certificates given their search terms");
    }
    let checklists = {
        let db = db.clone();
        let dir = settings.checklists_dir.clone();
        web::block(move || ChecklistStore::publish_and_load(&db, &dir)).await??
    };
    let jwt_secret = {
        let db = db.clone();
        let configured = settings.jwt_secret.clone();
        web::block(move || secrets::jwt_secret(&db, &configured)).await??
    };
    let tokens = TokenKeys::new(&jwt_secret, settings.token_ttl_minutes);
    let documents = {
        let db = db.clone();
        let settings = settings.clone();
        web::block(move || -> anyhow::Result<CertificateDocuments> {
            let identity = crate::certificates::pki::load_or_create(
                &db,
                &settings.pdf_signing_key,
                &settings.pdf_signing_cert,
                &settings.scheme_name,
                &settings.data_dir,
            )?;
            // The first QR token key, so that the JWKS is never empty.
            crate::certificates::token::current_key(&mut *db.get()?)?;
            CertificateDocuments::new(
                &settings.certificate_templates_dir,
                identity,
                &settings.scheme_name,
                settings.public_url(),
                &settings.time_zone,
            )
        })
        .await??
    };
    // The hash an unknown email is checked against, made now rather than on the
    // first log-in's async thread.
    tokio::task::spawn_blocking(crate::auth::password::dummy_hash).await?;
    let login_throttle = crate::auth::throttle::LoginThrottle::with_base(
        std::time::Duration::from_secs(settings.login_throttle_base_secs),
    );
    // Issue 12 part F: /healthz and /metrics.
    let health = Arc::new(crate::health::DbHealth::new(
        std::time::Duration::from_millis(settings.health_check_interval_ms),
    ));
    // Issue 12: public records and verified tokens in memory.
    let public_cache = Arc::new(
        crate::service::certificates::public_cache::PublicCache::new(settings.public_cache_entries),
    );
    let metrics = Arc::new(crate::metrics::Metrics::new(
        &db,
        &public_cache,
        std::time::Duration::from_secs(settings.metrics_refresh_secs),
    )?);
    db.after_public_change(public_cache.refresher());
    Ok(AppState {
        health,
        metrics,
        db,
        settings: Arc::new(settings),
        tokens: Arc::new(tokens),
        checklists: Arc::new(checklists),
        documents: Arc::new(documents),
        outbox: Arc::new(tokio::sync::Notify::new()),
        hasher: Arc::new(crate::auth::password::Hasher::for_this_machine()),
        login_throttle: Arc::new(login_throttle),
        // Issue 12 part B.
        token_key_cache: Arc::new(crate::certificates::key_cache::KeyCache::new()),
        public_cache,
    })
}

/// Nothing matched: problem+json under `/api/`, an HTML page for browsers.
async fn not_found(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    no_route(&req)
}

/// What a path that no route serves gets (also from `token_path`'s scopes).
pub fn no_route(req: &actix_web::HttpRequest) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    if req.path().starts_with("/api/") {
        api::problem::ApiError(crate::service::ServiceError::not_found("page")).error_response()
    } else {
        crate::web::error::not_found_page()
    }
}

/// Builds the HTTP server on an already bound listener (port 0 in tests).
pub fn serve(state: AppState, listener: TcpListener) -> anyhow::Result<Server> {
    crate::web::error::set_scheme_name(&state.settings.scheme_name);
    let limit = crate::rate_limit::PublicLimit::new(&state.settings);
    // Issue 12 part F: the database check behind /healthz runs beside the server.
    state.health.start_checks(&state.db);
    // Issue 12: the register version behind the public cache.
    state.public_cache.start_polling(&state.db);

    // Issue 12 part B: a bounded blocking pool per worker (0: actix's default).
    let blocking_threads = state.settings.blocking_threads_per_worker;
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        let limit = limit.clone();
        App::new()
            .wrap(
                actix_web::middleware::ErrorHandlers::new()
                    .default_handler(api::problem::problem_for_bare_errors),
            )
            .wrap(actix_web::middleware::from_fn(crate::web::middleware))
            // Paths normalised, security headers, /metrics counts and the request
            // log, in one layer (`edge`): successful requests logged at debug,
            // failures and slow ones at warn.
            .wrap(actix_web::middleware::from_fn(crate::edge::middleware))
            .app_data(state.clone())
            .configure(|cfg| crate::web::configure_public(cfg, &limit))
            .configure(|cfg| api::configure(cfg, &limit))
            .configure(crate::web::configure)
            .default_service(web::to(not_found))
    });
    let server = if blocking_threads > 0 {
        server.worker_max_blocking_threads(blocking_threads)
    } else {
        server
    };
    let server = server.listen(listener)?.run();
    Ok(server)
}
