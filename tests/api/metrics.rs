//! Issue 12 part F: `/metrics` (Prometheus text, per route pattern, pool, outbox and
//! certificate gauges, scrapers only) and `/healthz` (one shared database check, no
//! queueing on the pool, 503 within about a second of the database going away).
//! On SQLite, and on PostgreSQL with PROTECTCERT_TEST_DATABASE_URL.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use serde_json::json;

use crate::helpers::{TestApp, certified_scheme, spawn_app, spawn_app_with};

/// One sample: its metric name, its labels and its value.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A small parser of the Prometheus text exposition format (0.0.4): `# HELP` and
/// `# TYPE` lines, then `name{label="value",...} number` lines. Panics on anything
/// else, so the test fails on a malformed scrape.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    };
    let mut typed = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let kind = parts.next().unwrap_or_default();
            let name = parts.next().unwrap_or_default();
            assert!(matches!(kind, "HELP" | "TYPE"), "comment line: {line}");
            assert!(name_ok(name), "metric name in: {line}");
            if kind == "TYPE" {
                let t = parts.next().unwrap_or_default();
                assert!(
                    matches!(t, "counter" | "gauge" | "histogram" | "summary" | "untyped"),
                    "type in: {line}"
                );
                typed.insert(name.to_string(), t.to_string());
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("sample line: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value in: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("labels in: {line}"));
                let mut labels = BTreeMap::new();
                let mut rest = body;
                while !rest.is_empty() {
                    let (key, after) = rest
                        .split_once("=\"")
                        .unwrap_or_else(|| panic!("label in: {line}"));
                    assert!(name_ok(key), "label name in: {line}");
                    // The value runs to the first quote not escaped by a backslash.
                    let mut end = None;
                    let mut escaped = false;
                    for (i, c) in after.char_indices() {
                        match (escaped, c) {
                            (false, '\\') => escaped = true,
                            (false, '"') => {
                                end = Some(i);
                                break;
                            }
                            _ => escaped = false,
                        }
                    }
                    let end = end.unwrap_or_else(|| panic!("label value in: {line}"));
                    labels.insert(key.to_string(), after[..end].to_string());
                    rest = after[end + 1..].trim_start_matches(',');
                }
                (name, labels)
            }
        };
        assert!(name_ok(name), "metric name in: {line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| typed.contains_key(*f)))
            .unwrap_or(name);
        assert!(
            typed.contains_key(family),
            "sample before its # TYPE: {line}"
        );
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    samples
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
}

async fn scrape(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut req = app.client.get(app.url("/metrics"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("scrape");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// Scrapes until `until` holds (a request is counted once its response is sent).
async fn scrape_until(app: &TestApp, until: impl Fn(&[Sample]) -> bool) -> (String, Vec<Sample>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, text) = scrape(app, None).await;
        assert_eq!(status, 200, "{text}");
        let samples = parse_exposition(&text);
        if until(&samples) || Instant::now() > deadline {
            return (text, samples);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const VERIFY: &str = "/api/v1/verify/{number}";

#[tokio::test]
async fn a_verification_counts_under_its_route_pattern_and_no_number_shows() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    for _ in 0..3 {
        app.get(&format!("/api/v1/verify/{number}"), None)
            .await
            .ok();
    }
    // A path no route has: counted as UNKNOWN, never under its raw path.
    let res = app
        .client
        .get(app.url("/no-route/PC-SECRET-PATH"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 404);
    let (text, samples) = scrape_until(&app, |s| {
        value(
            s,
            "protectcert_http_requests_total",
            &[("endpoint", VERIFY), ("status", "200")],
        )
        .is_some_and(|n| n >= 3.0)
    })
    .await;
    let verified = value(
        &samples,
        "protectcert_http_requests_total",
        &[("endpoint", VERIFY), ("method", "GET"), ("status", "200")],
    );
    assert_eq!(verified, Some(3.0), "{text}");
    assert!(
        value(
            &samples,
            "protectcert_http_requests_duration_seconds_count",
            &[("endpoint", VERIFY), ("method", "GET"), ("status", "200")],
        ) == Some(3.0),
        "the latency histogram counts the same requests: {text}"
    );
    assert!(
        samples.iter().any(
            |s| s.name == "protectcert_http_requests_duration_seconds_bucket"
                && s.labels.get("le").map(String::as_str) == Some("0.001")
        ),
        "buckets below 10 ms: {text}"
    );
    assert!(
        value(
            &samples,
            "protectcert_http_requests_total",
            &[("endpoint", "UNKNOWN")]
        )
        .is_some(),
        "{text}"
    );
    assert!(
        !text.contains(&number),
        "a certificate number in the scrape"
    );
    assert!(!text.contains("PC-SECRET-PATH"), "a raw path in the scrape");
    for s in &samples {
        if let Some(endpoint) = s.labels.get("endpoint") {
            assert!(
                endpoint == "UNKNOWN" || endpoint.starts_with('/'),
                "endpoint label {endpoint}"
            );
        }
    }
}

fn count_by_status(app: &TestApp, table: &str) -> BTreeMap<String, i64> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db.get().expect("conn");
    diesel::sql_query(format!(
        "SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM {table} GROUP BY status"
    ))
    .load::<Row>(&mut *conn)
    .expect("count")
    .into_iter()
    .map(|r| (r.status, r.n))
    .collect()
}

#[tokio::test]
async fn pool_outbox_and_certificate_gauges_match_the_register() {
    let app = spawn_app_with(|s| s.metrics_refresh_secs = 0).await;
    let scheme = certified_scheme(&app).await;
    // A second certificate, then suspended: one valid, one suspended.
    let second = app.building(&scheme.operator, 300).await;
    let suspended = app
        .certify(
            &scheme.operator,
            &scheme.advisor,
            second["id"].as_str().expect("id"),
        )
        .await;
    app.post(
        &format!("/api/v1/certificates/{suspended}/suspend"),
        Some(&scheme.admin),
        json!({"reason": "lockdown procedure under review"}),
    )
    .await
    .ok();
    let (text, samples) = scrape_until(&app, |_| true).await;
    let cert = |status: &str| value(&samples, "protectcert_certificates", &[("status", status)]);
    assert_eq!(cert("valid"), Some(1.0), "{text}");
    assert_eq!(cert("suspended"), Some(1.0), "{text}");
    for status in ["expired", "revoked", "superseded"] {
        assert_eq!(cert(status), Some(0.0), "{status}: {text}");
    }
    let outbox = count_by_status(&app, "notifications");
    for status in ["pending", "sent", "failed", "skipped"] {
        let want = outbox.get(status).copied().unwrap_or(0) as f64;
        let got = value(
            &samples,
            "protectcert_outbox_notifications",
            &[("status", status)],
        );
        assert_eq!(got, Some(want), "outbox {status}: {text}");
    }
    assert_eq!(
        value(&samples, "protectcert_db_pool_max_connections", &[]),
        Some(f64::from(app.settings.database_pool_size)),
        "{text}"
    );
    let open = value(&samples, "protectcert_db_pool_connections", &[]).expect("open");
    let idle = value(&samples, "protectcert_db_pool_idle_connections", &[]).expect("idle");
    assert!(
        open >= 1.0 && open <= f64::from(app.settings.database_pool_size),
        "{text}"
    );
    assert!(idle <= open, "{text}");
    assert!(
        value(&samples, "protectcert_db_pool_checkouts_total", &[]).is_some_and(|n| n > 10.0),
        "{text}"
    );
    assert_eq!(
        value(&samples, "protectcert_db_pool_checkout_timeouts_total", &[]),
        Some(0.0)
    );
    assert!(
        value(
            &samples,
            "protectcert_db_pool_checkout_wait_seconds_total",
            &[]
        )
        .is_some()
    );
    assert_eq!(
        value(&samples, "protectcert_database_up", &[]),
        Some(1.0),
        "{text}"
    );
    // A revocation shows at the next count (the refresh is 0 s here).
    app.post(
        &format!("/api/v1/certificates/{suspended}/revoke"),
        Some(&scheme.admin),
        json!({"reason": "premises closed"}),
    )
    .await
    .ok();
    let (text, samples) = scrape_until(&app, |_| true).await;
    let cert = |status: &str| value(&samples, "protectcert_certificates", &[("status", status)]);
    assert_eq!(cert("revoked"), Some(1.0), "{text}");
    assert_eq!(cert("suspended"), Some(0.0), "{text}");
}

/// An operator sees whether gate checks are answered from memory or go to the
/// register: the first check of a number reads it, later ones do not; a token is
/// checked by its signature once.
#[tokio::test]
async fn the_public_cache_counts_what_it_answered_and_what_it_read() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    let pdf = crate::documents::download_pdf(&app, &scheme.operator, &number).await;
    let token = protectcert::certificates::document::token_in(&pdf).expect("token in the PDF");
    let count = |s: &[Sample], name: &str| value(s, name, &[]).unwrap_or(f64::NAN);
    let deadline = Instant::now() + Duration::from_secs(10);
    let (text, samples) = loop {
        for path in [
            format!("/api/v1/verify/{number}"),
            format!("/api/v1/verify/token/{token}"),
        ] {
            assert_eq!(app.get(&path, None).await.status, 200, "{path}");
        }
        let (_, text) = scrape(&app, None).await;
        let samples = parse_exposition(&text);
        if count(&samples, "protectcert_public_records_served_total") >= 2.0
            || Instant::now() > deadline
        {
            break (text, samples);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        count(&samples, "protectcert_public_records_served_total") >= 2.0,
        "{text}"
    );
    assert!(
        count(&samples, "protectcert_public_records_missed_total")
            + count(&samples, "protectcert_public_records_stale_total")
            >= 1.0,
        "the first check read the register: {text}"
    );
    assert_eq!(
        count(&samples, "protectcert_public_tokens_checked_total"),
        1.0,
        "{text}"
    );
    assert!(
        count(&samples, "protectcert_public_tokens_served_total") >= 1.0,
        "{text}"
    );
    assert_eq!(
        count(&samples, "protectcert_public_records_kept"),
        1.0,
        "{text}"
    );
}

#[tokio::test]
async fn the_counted_gauges_wait_for_their_refresh() {
    let app = spawn_app_with(|s| s.metrics_refresh_secs = 3600).await;
    let (_, samples) = scrape_until(&app, |_| true).await;
    assert_eq!(
        value(&samples, "protectcert_certificates", &[("status", "valid")]),
        Some(0.0)
    );
    let _scheme = certified_scheme(&app).await;
    let (_, samples) = scrape_until(&app, |_| true).await;
    assert_eq!(
        value(&samples, "protectcert_certificates", &[("status", "valid")]),
        Some(0.0),
        "counted at most every metrics_refresh_secs"
    );
}

const TOKEN: &str = "scrape-token-for-the-test-0123456789";

#[tokio::test]
async fn only_a_scraper_with_the_token_is_let_in() {
    let app = spawn_app_with(|s| {
        s.metrics_token = protectcert::config::Secret::new(TOKEN);
    })
    .await;
    let admin = app.admin().await;
    for token in [
        None,
        Some("wrong-token-of-the-same-size-0123456"),
        Some(admin.as_str()),
    ] {
        let (status, body) = scrape(&app, token).await;
        assert_eq!(status, 401, "{token:?}: {body}");
        assert!(!body.contains("protectcert_"), "{body}");
    }
    let (status, body) = scrape(&app, Some(TOKEN)).await;
    assert_eq!(status, 200);
    parse_exposition(&body);
    assert!(
        !format!("{:?}", app.settings).contains(TOKEN),
        "the token never prints"
    );
}

#[tokio::test]
async fn without_a_token_a_forwarded_client_is_refused() {
    let app = spawn_app_with(|s| s.trusted_proxy_header = "X-Forwarded-For".into()).await;
    let res = app
        .client
        .get(app.url("/metrics"))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .expect("scrape");
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let (status, _) = scrape(&app, None).await;
    assert_eq!(status, 200, "the machine's own scraper");
}

#[tokio::test]
async fn metrics_are_not_rate_limited() {
    let app = spawn_app_with(|s| s.public_rate_per_minute = 2).await;
    for _ in 0..5 {
        let (status, _) = scrape(&app, None).await;
        assert_eq!(status, 200);
    }
}

async fn healthz(app: &TestApp) -> u16 {
    app.client
        .get(app.url("/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// Polls /healthz until it answers `want` (the check runs every 100 ms here).
async fn healthz_becomes(app: &TestApp, want: u16) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = healthz(app).await;
        if got == want || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn healthz_never_waits_for_a_pooled_connection() {
    let app = spawn_app().await;
    // Every connection of the pool held elsewhere: the old /healthz queued behind
    // them (for the pool's 30 s timeout); now it reads the last check.
    let db = app.db.clone();
    let size = app.settings.database_pool_size as usize;
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let conns: Vec<_> = (0..size).map(|_| db.get().expect("conn")).collect();
        held_tx.send(()).expect("held");
        let _ = release_rx.recv();
        drop(conns);
    });
    held_rx.recv().expect("the pool is held");
    assert_eq!(healthz(&app).await, 200);
    release_tx.send(()).expect("release");
    holder.join().expect("holder");
}

#[tokio::test]
async fn healthz_turns_503_when_the_database_goes_and_200_when_it_is_back() {
    let app = spawn_app_with(|s| s.health_check_interval_ms = 100).await;
    assert_eq!(healthz(&app).await, 200);
    let url = app.settings.database_url.clone();
    if url.starts_with("postgres") {
        let admin_url = std::env::var("PROTECTCERT_TEST_DATABASE_URL").expect("admin url");
        let name = url.rsplit('/').next().expect("db name").to_string();
        let run = |sql: String| {
            use diesel::Connection;
            let mut conn = diesel::PgConnection::establish(&admin_url).expect("admin");
            diesel::sql_query(sql).execute(&mut conn).expect("sql");
        };
        run(format!("DROP DATABASE {name} WITH (FORCE)"));
        assert_eq!(healthz_becomes(&app, 503).await, 503, "database dropped");
        run(format!("CREATE DATABASE {name}"));
        assert_eq!(healthz_becomes(&app, 200).await, 200, "database back");
    } else {
        let moved = format!("{url}.away");
        std::fs::rename(&url, &moved).expect("move the register away");
        assert_eq!(healthz_becomes(&app, 503).await, 503, "register gone");
        std::fs::rename(&moved, &url).expect("put it back");
        assert_eq!(healthz_becomes(&app, 200).await, 200, "register back");
    }
}
