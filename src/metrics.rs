//! Issue 12 part F. What `/metrics` shows, in the Prometheus text format:
//!
//! - `protectcert_http_requests_total` and `protectcert_http_requests_duration_seconds`
//!   (labels `endpoint`, `method`, `status`), counted by [`middleware`] per route
//!   PATTERN (`/api/v1/verify/{number}`): never the raw path, which carries
//!   certificate numbers and tokens. Requests no route matched count as `UNKNOWN`.
//!   (`actix-web-prom` did this until issue 12's profile: it looked the route up
//!   twice per request — each a walk of every route's regular expression — and
//!   built a map and a formatted string, a fifth of a gate check's time. The API's
//!   routes and the public pages now carry their pattern, [`RoutePattern`].)
//! - `protectcert_db_pool_*`: the pool's size, open and idle connections, checkouts,
//!   the time spent waiting for one and the checkouts that timed out (read at scrape
//!   time, free).
//! - `protectcert_public_records_*` and `protectcert_public_tokens_*`: how many
//!   verifications the public records and tokens in memory answered, and how many
//!   went to the register (not kept, or the register version read too long ago).
//! - `protectcert_database_up`: what `/healthz` says.
//! - `protectcert_certificates{status}` (as a verifier sees them: valid, expired,
//!   suspended, revoked, superseded) and `protectcert_outbox_notifications{status}`:
//!   counted from indexes, at most every `metrics_refresh_secs`, by one scrape at a
//!   time (the others show the last count meanwhile).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_web::dev::ServiceResponse;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::db::Db;
use crate::domain::metrics::{outbox_counts, verified_counts};
use crate::health::DbHealth;
use crate::service::certificates::public_cache::PublicCache;

/// Latency buckets (seconds): fine below 10 ms, where verification lives.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    requests: IntCounterVec,
    durations: HistogramVec,
    registry: Registry,
    certificates: IntGaugeVec,
    outbox: IntGaugeVec,
    database_up: IntGauge,
    counted_at: std::sync::Mutex<Option<Instant>>,
    counting: AtomicBool,
    refresh: Duration,
}

impl Metrics {
    pub fn new(
        db: &Db,
        public_cache: &Arc<PublicCache>,
        refresh: Duration,
    ) -> anyhow::Result<Metrics> {
        let registry = Registry::new();
        const LABELS: [&str; 3] = ["endpoint", "method", "status"];
        let requests = IntCounterVec::new(
            Opts::new(
                "protectcert_http_requests_total",
                "Requests answered, by route pattern",
            ),
            &LABELS,
        )?;
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "protectcert_http_requests_duration_seconds",
                "Time to answer, by route pattern",
            )
            .buckets(BUCKETS.to_vec()),
            &LABELS,
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(durations.clone()))?;
        let certificates = IntGaugeVec::new(
            Opts::new(
                "protectcert_certificates",
                "Certificates in the register by status as a verifier sees it (counted at most every metrics_refresh_secs)",
            ),
            &["status"],
        )?;
        let outbox = IntGaugeVec::new(
            Opts::new(
                "protectcert_outbox_notifications",
                "Notifications in the outbox by status (counted at most every metrics_refresh_secs)",
            ),
            &["status"],
        )?;
        let database_up = IntGauge::new(
            "protectcert_database_up",
            "1 while the database check behind /healthz answers, else 0",
        )?;
        registry.register(Box::new(certificates.clone()))?;
        registry.register(Box::new(outbox.clone()))?;
        registry.register(Box::new(database_up.clone()))?;
        registry.register(Box::new(ReadAtScrape::pool(db.clone())?))?;
        registry.register(Box::new(ReadAtScrape::public_cache(public_cache.clone())?))?;
        Ok(Metrics {
            requests,
            durations,
            registry,
            certificates,
            outbox,
            database_up,
            counted_at: std::sync::Mutex::new(None),
            counting: AtomicBool::new(false),
            refresh,
        })
    }

    /// The exposition text: counts again first if the last count is too old.
    pub async fn render(&self, db: &Db, health: &DbHealth) -> anyhow::Result<String> {
        self.count_if_stale(db).await;
        self.database_up.set(i64::from(health.is_up()));
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8(buffer)?)
    }

    fn is_stale(&self) -> bool {
        let counted_at = self.counted_at.lock().map(|g| *g).unwrap_or(None);
        counted_at.is_none_or(|at| at.elapsed() >= self.refresh)
    }

    /// One scrape at a time counts; a scrape arriving meanwhile shows the last count.
    async fn count_if_stale(&self, db: &Db) {
        if !self.is_stale()
            || self
                .counting
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return;
        }
        struct Release<'a>(&'a AtomicBool);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        let _release = Release(&self.counting);
        let counted = db
            .run(|conn| -> anyhow::Result<_> {
                let certificates = crate::db::gauges::certificates_by_status(conn)?;
                let outbox = crate::db::gauges::outbox_by_status(conn)?;
                Ok((certificates, outbox))
            })
            .await;
        match counted {
            Ok(((by_status, expired), outbox)) => {
                for (status, n) in verified_counts(&by_status, expired) {
                    self.certificates
                        .with_label_values(&[status.as_str()])
                        .set(n);
                }
                for (status, n) in outbox_counts(&outbox) {
                    self.outbox.with_label_values(&[status.as_str()]).set(n);
                }
                if let Ok(mut at) = self.counted_at.lock() {
                    *at = Some(Instant::now());
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics: counting certificates and outbox failed")
            }
        }
    }
}

/// The route pattern a resource answers, carried as its data so that counting a
/// request needs no second route lookup.
#[derive(Clone)]
pub struct RoutePattern(pub Arc<str>);

impl RoutePattern {
    pub fn new(pattern: &str) -> RoutePattern {
        RoutePattern(Arc::from(pattern))
    }
}

/// Counts and times one answered request under its route pattern (called by
/// [`crate::edge::middleware`]).
pub fn observe<B>(metrics: &Metrics, res: &ServiceResponse<B>, elapsed: Duration) {
    let req = res.request();
    let looked_up;
    let endpoint = match req.app_data::<RoutePattern>() {
        Some(RoutePattern(pattern)) => &**pattern,
        None => {
            looked_up = req.match_pattern();
            looked_up.as_deref().unwrap_or("UNKNOWN")
        }
    };
    let status = res.status();
    let labels = [endpoint, req.method().as_str(), status.as_str()];
    metrics.requests.with_label_values(&labels).inc();
    metrics
        .durations
        .with_label_values(&labels)
        .observe(elapsed.as_secs_f64());
}

/// Gauges and counters read when scraped (free between scrapes): the pool's and
/// the public cache's.
struct ReadAtScrape {
    families: &'static [(&'static str, &'static str, MetricType)],
    read: Box<dyn Fn() -> Vec<f64> + Send + Sync>,
    descs: Vec<Desc>,
}

use MetricType::{COUNTER, GAUGE};
use prometheus::proto::MetricType;

const POOL: [(&str, &str, MetricType); 6] = [
    (
        "protectcert_db_pool_max_connections",
        "The most connections the pool opens",
        GAUGE,
    ),
    (
        "protectcert_db_pool_connections",
        "Connections the pool holds open, in use or idle",
        GAUGE,
    ),
    (
        "protectcert_db_pool_idle_connections",
        "Open connections not in use",
        GAUGE,
    ),
    (
        "protectcert_db_pool_checkouts_total",
        "Connections handed out since start",
        COUNTER,
    ),
    (
        "protectcert_db_pool_checkout_wait_seconds_total",
        "Time requests spent waiting for a connection since start",
        COUNTER,
    ),
    (
        "protectcert_db_pool_checkout_timeouts_total",
        "Checkouts that gave up waiting for a connection since start",
        COUNTER,
    ),
];

const PUBLIC_CACHE: [(&str, &str, MetricType); 6] = [
    (
        "protectcert_public_records_kept",
        "Public certificate records this instance keeps in memory",
        GAUGE,
    ),
    (
        "protectcert_public_records_served_total",
        "Verifications answered from the records in memory since start",
        COUNTER,
    ),
    (
        "protectcert_public_records_missed_total",
        "Verifications of a record not in memory, read from the register, since start",
        COUNTER,
    ),
    (
        "protectcert_public_records_stale_total",
        "Verifications read from the register because the register version was not read in time, since start",
        COUNTER,
    ),
    (
        "protectcert_public_tokens_served_total",
        "QR tokens found genuine before, not checked again, since start",
        COUNTER,
    ),
    (
        "protectcert_public_tokens_checked_total",
        "QR tokens checked by their signature since start",
        COUNTER,
    ),
];

impl ReadAtScrape {
    fn new(
        families: &'static [(&'static str, &'static str, MetricType)],
        read: impl Fn() -> Vec<f64> + Send + Sync + 'static,
    ) -> anyhow::Result<ReadAtScrape> {
        let descs = families
            .iter()
            .map(|(name, help, _)| {
                Desc::new(
                    name.to_string(),
                    help.to_string(),
                    vec![],
                    Default::default(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ReadAtScrape {
            families,
            read: Box::new(read),
            descs,
        })
    }

    fn pool(db: Db) -> anyhow::Result<ReadAtScrape> {
        ReadAtScrape::new(&POOL, move || {
            let u = db.pool_use();
            vec![
                f64::from(u.max),
                f64::from(u.open),
                f64::from(u.idle),
                u.checkouts as f64,
                u.wait_seconds,
                u.timeouts as f64,
            ]
        })
    }

    fn public_cache(cache: Arc<PublicCache>) -> anyhow::Result<ReadAtScrape> {
        ReadAtScrape::new(&PUBLIC_CACHE, move || {
            let c = cache.counts();
            vec![
                cache.records_kept() as f64,
                c.records_served as f64,
                c.records_missed as f64,
                c.records_stale as f64,
                c.tokens_served as f64,
                c.tokens_missed as f64,
            ]
        })
    }
}

impl Collector for ReadAtScrape {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        use prometheus::proto::{Counter, Gauge, Metric};
        self.families
            .iter()
            .zip((self.read)())
            .map(|((name, help, kind), value)| {
                let mut metric = Metric::default();
                if *kind == COUNTER {
                    let mut c = Counter::default();
                    c.set_value(value);
                    metric.set_counter(c);
                } else {
                    let mut g = Gauge::default();
                    g.set_value(value);
                    metric.set_gauge(g);
                }
                let mut family = MetricFamily::default();
                family.set_name(name.to_string());
                family.set_help(help.to_string());
                family.set_field_type(*kind);
                family.mut_metric().push(metric);
                family
            })
            .collect()
    }
}

/// Shared by every worker.
pub type SharedMetrics = Arc<Metrics>;
