//! What every use case may need: the database, settings, keys, checklists and the
//! certificate renderer. Cheap to clone (everything large is shared).

use std::sync::Arc;

use crate::auth::password::Hasher;
use crate::auth::throttle::LoginThrottle;
use crate::auth::token::TokenKeys;
use crate::certificates::document::CertificateDocuments;
use crate::checklists::ChecklistStore;
use crate::config::Settings;
use crate::db::Db;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub tokens: Arc<TokenKeys>,
    pub checklists: Arc<ChecklistStore>,
    pub documents: Arc<CertificateDocuments>,
    /// Wakes this instance's outbox sender (an email was queued that should go now).
    pub outbox: Arc<tokio::sync::Notify>,
    /// Where password hashes are made and checked (bounded, off the pool).
    pub hasher: Arc<Hasher>,
    /// Failed log-ins remembered per account and per client address.
    pub login_throttle: Arc<LoginThrottle>,
    // Issue 12 part F: the database check behind /healthz, and /metrics.
    pub health: Arc<crate::health::DbHealth>,
    pub metrics: Arc<crate::metrics::Metrics>,

    // Issue 12 part B: the published QR token keys, kept in memory.
    pub token_key_cache: Arc<crate::certificates::key_cache::KeyCache>,

    // Issue 12: public records and verified QR tokens, kept in memory.
    pub public_cache: Arc<crate::service::certificates::public_cache::PublicCache>,
}
