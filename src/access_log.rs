//! Issue 12 part F. The request log, quiet by default: a successful request is
//! logged at debug only (target `protectcert::http`, so
//! `RUST_LOG=info,protectcert::http=debug` turns the full access log on); a 5xx,
//! or a request slower than `slow_request_ms`, at warn, naming its route pattern,
//! method, path, status and time — what an operator needs to look into a failure.
//! (The access log at info wrote about 200 bytes a request, 600 MB in a load test.)

use std::time::Duration;

use actix_web::dev::ServiceResponse;

/// Logs one answered request: at warn when it failed (5xx) or took `slow` or
/// longer, else at debug. Called by [`crate::edge::middleware`].
pub fn record<B>(res: &ServiceResponse<B>, elapsed: Duration, slow: Duration) {
    let status = res.status();
    let ms = elapsed.as_secs_f64() * 1000.0;
    let req = res.request();
    if status.is_server_error() || elapsed >= slow {
        let route = req.match_pattern().unwrap_or_else(|| "UNKNOWN".into());
        let why = if status.is_server_error() {
            "request failed"
        } else {
            "slow request"
        };
        tracing::warn!(target: "protectcert::http", method = %req.method(), route, path = req.path(),
            status = status.as_u16(), ms = format_args!("{ms:.1}"), "{why}");
    } else {
        tracing::debug!(target: "protectcert::http", "{} {} {:?} {} {ms:.1}ms",
            req.method(), req.uri(), req.version(), status.as_u16());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use actix_web::{App, HttpResponse, test, web};

    /// Log lines written at or above the subscriber's level, captured.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut v) = self.0.lock() {
                v.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    async fn logged(level: &str, path: &str) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(level))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(crate::edge::middleware))
                .route("/ok/{number}", web::get().to(HttpResponse::Ok))
                .route(
                    "/broken/{number}",
                    web::get().to(HttpResponse::InternalServerError),
                ),
        )
        .await;
        let res = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        drop(res);
        let bytes = captured.0.lock().map(|v| v.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[actix_web::test]
    async fn a_successful_request_is_quiet_at_info() {
        assert_eq!(logged("info", "/ok/PC-1").await, "");
    }

    #[actix_web::test]
    async fn the_full_access_log_is_at_debug() {
        let log = logged("info,protectcert::http=debug", "/ok/PC-1?x=1").await;
        assert!(
            log.contains("DEBUG") && log.contains("GET /ok/PC-1?x=1"),
            "{log}"
        );
        assert!(log.contains(" 200 "), "{log}");
    }

    #[actix_web::test]
    async fn a_failure_is_logged_at_warn_with_its_route() {
        let log = logged("warn", "/broken/PC-2").await;
        assert!(
            log.contains("WARN") && log.contains("request failed"),
            "{log}"
        );
        assert!(
            log.contains("route=\"/broken/{number}\"") && log.contains("status=500"),
            "{log}"
        );
    }
}
