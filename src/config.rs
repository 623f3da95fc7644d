//! Settings, layered: the defaults in `config/default.toml` (built into the binary),
//! then an optional file, then `PROTECTCERT_*` environment variables.

use std::path::{Path, PathBuf};

use serde::Deserialize;

const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub database_pool_size: u32,
    pub public_url: String,
    pub scheme_name: String,
    /// IANA time zone in which people are shown dates and times (pages, PDF, emails).
    pub time_zone: String,
    pub jwt_secret: String,
    pub token_ttl_minutes: i64,
    pub checklists_dir: PathBuf,
    pub certificate_templates_dir: PathBuf,
    pub pdf_signing_key: String,
    pub pdf_signing_cert: String,
    /// The longest an event may last, end after start (default 31 days).
    pub max_event_days: u32,
    /// The first wait, in seconds, once an account or an address has used its free
    /// log-in failures; it doubles with each failure after.
    pub login_throttle_base_secs: u64,
    /// Postcodes must have the UK shape (`SW1A 1AA`); off for other countries.
    pub uk_postcodes: bool,
    pub evidence_max_bytes: usize,
    pub evidence_content_types: Vec<String>,
    pub smtp_url: String,
    pub mail_from: String,
    pub reminder_offsets_days: Vec<u32>,
    pub lapse_notice_after_days: u32,
    pub reminder_window_days: u32,
    pub reminders_interval_secs: u64,
    pub smtp_max_attempts: u32,
    pub smtp_retry_base_secs: u64,
    pub smtp_timeout_secs: u64,
    /// The key the audit chain's links are made with (`PROTECTCERT_AUDIT_KEY`, at
    /// least 32 characters). Empty: generated once into `<data_dir>/keys/audit.key`.
    #[serde(default)]
    pub audit_key: Secret,
    /// Public verification requests a minute per client address; 0: no limit.
    pub public_rate_per_minute: u32,
    /// The header a trusted reverse proxy puts the client address in; empty: none.
    pub trusted_proxy_header: String,
    // Part 3: the second sign-off.
    /// Tiers whose assessments need a second sign-off before issue (empty: none).
    pub sign_off_tiers: Vec<String>,
    /// Premises kinds whose assessments need a second sign-off (empty: none).
    pub sign_off_kinds: Vec<String>,
    // Part 1 of issue 11: conditions to closure.
    /// Days after its due date that a condition still awaiting evidence suspends
    /// its certificate (default 14).
    #[serde(default = "default_condition_grace_days")]
    pub condition_grace_days: u32,
    /// Part 4 (advisor oversight): days an operator has to have the premises
    /// assessed again once an admin orders a reassessment.
    pub reassessment_within_days: u32,
    // Issue 11 part 5: fire safety on file.
    /// An application is submitted only with a current fire risk assessment on file
    /// for its premises (its review date not passed); off for schemes that do not
    /// ask for one.
    pub require_fire_risk_assessment: bool,
    // issue 11 part 2: appeals
    /// Days after a refusal or a certificate with conditions during which the
    /// operator may appeal (default 21).
    pub appeal_window_days: u32,
    // Part F of issue 12: metrics, health and the request log.
    /// The Bearer token a Prometheus scraper sends to `/metrics`. Empty: only
    /// clients on this machine (loopback, not through the trusted proxy) may scrape.
    #[serde(default)]
    pub metrics_token: Secret,
    /// How old, in seconds, the counted gauges (certificates and outbox by status)
    /// may be before a scrape counts them again.
    #[serde(default = "default_metrics_refresh_secs")]
    pub metrics_refresh_secs: u64,
    /// How often, in milliseconds, the database check behind `/healthz` runs.
    #[serde(default = "default_health_check_interval_ms")]
    pub health_check_interval_ms: u64,
    /// A request slower than this many milliseconds is logged at warn (as is every
    /// 5xx); the others only at debug (`RUST_LOG=info,protectcert::http=debug`).
    #[serde(default = "default_slow_request_ms")]
    pub slow_request_ms: u64,

    // Issue 12 part B: the verification path and the server's memory.
    /// Threads each HTTP worker may start for blocking work (PostgreSQL queries,
    /// SQLite writes, PDFs); each one costs a stack and, in glibc, may get its own
    /// malloc arena. 0: actix's default (512 shared by the workers).
    #[serde(default = "default_blocking_threads_per_worker")]
    pub blocking_threads_per_worker: usize,
    /// The page cache, in KiB, of the read-only SQLite connection each worker
    /// thread keeps for public verification.
    #[serde(default = "default_sqlite_reader_cache_kib")]
    pub sqlite_reader_cache_kib: u32,

    // Issue 12 part A: load tests (and instances that leave reminders to cron).
    /// Whether `serve` sweeps for due reminders in the background (default true);
    /// false leaves them to `protectcert reminders run`.
    pub reminders_in_serve: bool,

    // Issue 13: checklist version 2.
    /// The day the Act's duties come into force (YYYY-MM-DD). Before it, items
    /// whose checklist says so (notification of the regulator) may be marked not
    /// applicable.
    #[serde(default = "default_act_commencement")]
    pub act_commencement: String,

    // Issue 12: the public cache (README "Verification at gate speed").
    /// How many public records (and as many verified QR tokens) each instance
    /// keeps in memory; 0 keeps none.
    #[serde(default = "default_public_cache_entries")]
    pub public_cache_entries: usize,
}

fn default_public_cache_entries() -> usize {
    20_000
}

// Issue 13.
fn default_act_commencement() -> String {
    "2027-04-03".to_string()
}

// Part F of issue 12: metrics, health and the request log.
fn default_metrics_refresh_secs() -> u64 {
    30
}

fn default_health_check_interval_ms() -> u64 {
    500
}

fn default_slow_request_ms() -> u64 {
    1000
}

// Issue 12 part B.
fn default_blocking_threads_per_worker() -> usize {
    4
}

/// A public read is one lookup by a unique index: the cache holds the upper levels
/// of the index and the table, and the OS keeps the rest of the file (issue 12, 3
/// December: 2,048 KiB per worker was 3 MB of resident memory for no gain in the
/// warm rounds).
fn default_sqlite_reader_cache_kib() -> u32 {
    512
}

fn default_condition_grace_days() -> u32 {
    14
}

/// A configured secret: read like any setting, never printed.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

impl Settings {
    /// Loads the layered settings; `file` is an optional override file.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(path) = file {
            builder = builder.add_source(config::File::from(path).required(true));
        }
        let settings: Settings = builder
            .add_source(
                config::Environment::with_prefix("PROTECTCERT")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("evidence_content_types")
                    .with_list_parse_key("reminder_offsets_days")
                    .with_list_parse_key("sign_off_tiers")
                    .with_list_parse_key("sign_off_kinds"),
            )
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    /// The defaults alone, with no file or environment: what tests start from.
    pub fn defaults() -> anyhow::Result<Settings> {
        let settings: Settings = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .build()?
            .try_deserialize()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.token_ttl_minutes <= 0 {
            anyhow::bail!("token_ttl_minutes must be positive");
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            anyhow::bail!("public_url must start with http:// or https://");
        }
        crate::db::Backend::of_url(&self.database_url())
            .map_err(|e| anyhow::anyhow!("PROTECTCERT_DATABASE_URL (database_url): {e}"))?;
        self.reminder_schedule()?;
        self.mail_from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| anyhow::anyhow!("mail_from `{}`: {e}", self.mail_from))?;
        if self.reminders_interval_secs == 0 {
            anyhow::bail!("reminders_interval_secs must be at least 1");
        }
        jiff::tz::TimeZone::get(&self.time_zone)
            .map_err(|e| anyhow::anyhow!("time_zone `{}`: {e}", self.time_zone))?;
        if !self.trusted_proxy_header.is_empty()
            && actix_web::http::header::HeaderName::try_from(self.trusted_proxy_header.as_str())
                .is_err()
        {
            anyhow::bail!(
                "trusted_proxy_header `{}` is not a header name",
                self.trusted_proxy_header
            );
        }
        if self.max_event_days == 0 {
            anyhow::bail!("max_event_days must be at least 1");
        }
        if self.login_throttle_base_secs == 0 {
            anyhow::bail!("login_throttle_base_secs must be at least 1");
        }
        // Part 4 (advisor oversight).
        if !(1..=3650).contains(&self.reassessment_within_days) {
            anyhow::bail!("reassessment_within_days must be from 1 to 3650");
        }
        if self.smtp_max_attempts == 0 {
            anyhow::bail!("smtp_max_attempts must be at least 1");
        }
        self.sign_off_rule()?;
        // Part F of issue 12.
        if !(50..=60_000).contains(&self.health_check_interval_ms) {
            anyhow::bail!("health_check_interval_ms must be from 50 to 60000");
        }
        if !self.metrics_token.expose().is_empty() && self.metrics_token.expose().len() < 16 {
            anyhow::bail!("metrics_token must be at least 16 characters (or empty)");
        }
        // Issue 12 part B.
        if self.sqlite_reader_cache_kib == 0 {
            anyhow::bail!("sqlite_reader_cache_kib must be at least 1");
        }
        if self.commencement().is_err() {
            anyhow::bail!("act_commencement must be a date, YYYY-MM-DD");
        }
        Ok(())
    }

    /// Which assessments need a second sign-off, from `sign_off_tiers` and
    /// `sign_off_kinds` (blank entries are ignored, so an empty environment
    /// variable turns a list off).
    /// The day the Act's duties come into force.
    pub fn commencement(&self) -> anyhow::Result<time::Date> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Ok(time::Date::parse(self.act_commencement.trim(), format)?)
    }

    pub fn sign_off_rule(&self) -> anyhow::Result<crate::domain::sign_off::SignOffRule> {
        use crate::domain::tier::{PremisesKind, Tier};
        let named = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let tiers = named(&self.sign_off_tiers)
            .iter()
            .map(|t| {
                Tier::parse(t).ok_or_else(|| {
                    anyhow::anyhow!(
                        "sign_off_tiers: `{t}` is not a tier (out_of_scope, standard, enhanced)"
                    )
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let kinds = named(&self.sign_off_kinds)
            .iter()
            .map(|k| {
                PremisesKind::parse(k).ok_or_else(|| {
                    anyhow::anyhow!(
                        "sign_off_kinds: `{k}` is not a premises kind (building, event)"
                    )
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(crate::domain::sign_off::SignOffRule { tiers, kinds })
    }

    /// The database URL in force: the configured one, or the SQLite file in the data dir.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            self.data_dir
                .join("protectcert.db")
                .to_string_lossy()
                .into_owned()
        } else {
            self.database_url.clone()
        }
    }

    /// When reminders go out, from `reminder_offsets_days`, `lapse_notice_after_days`
    /// and `reminder_window_days`.
    pub fn reminder_schedule(&self) -> anyhow::Result<crate::domain::reminders::Schedule> {
        Ok(crate::domain::reminders::Schedule::new(
            &self.reminder_offsets_days,
            self.lapse_notice_after_days,
            self.reminder_window_days,
        )?)
    }

    pub fn public_url(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_pick_sqlite_in_the_data_dir() {
        let s = Settings::defaults().expect("defaults");
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert!(s.database_url().ends_with("protectcert.db"));
        s.validate().expect("defaults are valid");
        assert!(
            s.smtp_url.is_empty(),
            "the embedded default writes .eml files"
        );
        assert_eq!(
            s.reminder_schedule().expect("schedule").offsets(),
            &[-90, -30, -7, 0, 30]
        );
        assert!(s.reminders_in_serve, "serve sweeps unless told not to");
        let rule = s.sign_off_rule().expect("sign-off rule");
        assert_eq!(rule.tiers, vec![crate::domain::tier::Tier::Enhanced]);
        assert_eq!(rule.kinds, vec![crate::domain::tier::PremisesKind::Event]);
    }

    #[test]
    fn sign_off_lists_refuse_unknown_names_and_ignore_blanks() {
        let mut s = Settings::defaults().expect("defaults");
        s.sign_off_tiers = vec!["".into()];
        s.sign_off_kinds = vec![" ".into()];
        let rule = s.sign_off_rule().expect("blank lists");
        assert!(rule.tiers.is_empty() && rule.kinds.is_empty());
        s.sign_off_tiers = vec!["premium".into()];
        assert!(s.sign_off_rule().is_err());
    }

    // Issue 12 part B.
    #[test]
    fn blocking_threads_and_reader_cache_are_bounded_by_default() {
        let mut s = Settings::defaults().expect("defaults");
        assert_eq!(s.blocking_threads_per_worker, 4);
        assert_eq!(s.sqlite_reader_cache_kib, 512);
        assert_eq!(s.database_pool_size, 0, "chosen by the database");
        s.sqlite_reader_cache_kib = 0;
        assert!(s.validate().is_err());
    }
}
