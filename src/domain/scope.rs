//! Scopes: which records a caller sees, as data. `service::access` decides each
//! caller's scope; `admits` is its row check and `db` turns the same scope into a
//! query filter, so a listing and a single read can never disagree.

use crate::domain::accreditation::{Accreditation, AccreditationStatus};
use crate::domain::application::ApplicationStatus;
use crate::domain::tier::PremisesKind;

/// Records that belong to an organisation (premises, certificates): all of them,
/// or one organisation's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgScope {
    All,
    /// An operator's own organisation (an operator without one sees nothing).
    Organisation(String),
}

impl OrgScope {
    pub fn admits(&self, organisation_id: &str) -> bool {
        match self {
            OrgScope::All => true,
            OrgScope::Organisation(own) => !own.is_empty() && own == organisation_id,
        }
    }
}

/// The submitted applications an advisor may claim: premises kinds in their
/// accreditation's scope, never their tied organisation's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub kinds: Vec<PremisesKind>,
    pub excluded_organisation: Option<String>,
}

impl Queue {
    /// The queue of an accreditation on `today`: none while it is suspended,
    /// withdrawn or lapsed. Agrees with `accreditation::check` by construction.
    pub fn of(acc: &Accreditation<'_>, today: time::Date) -> Option<Queue> {
        (acc.status == AccreditationStatus::Active && today <= acc.accredited_until).then(|| {
            Queue {
                kinds: acc.scopes.to_vec(),
                excluded_organisation: acc.tied_organisation_id.map(str::to_string),
            }
        })
    }

    pub fn admits(&self, kind: PremisesKind, organisation_id: &str) -> bool {
        self.kinds.contains(&kind) && self.excluded_organisation.as_deref() != Some(organisation_id)
    }
}

/// Applications: operators their organisation's; advisors those assigned to them
/// and the queue they may claim or sign off; admins all. Police see none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplicationScope {
    All,
    Organisation(String),
    Advisor {
        advisor_id: String,
        queue: Option<Queue>,
    },
}

impl ApplicationScope {
    pub fn admits(&self, app: &ApplicationFacts<'_>) -> bool {
        match self {
            ApplicationScope::All => true,
            ApplicationScope::Organisation(own) => !own.is_empty() && own == app.organisation_id,
            ApplicationScope::Advisor { advisor_id, queue } => {
                app.advisor_id == Some(advisor_id.as_str())
                    || (ApplicationStatus::QUEUED.contains(&app.status)
                        && queue
                            .as_ref()
                            .is_some_and(|q| q.admits(app.kind, app.organisation_id)))
            }
        }
    }
}

/// What a scope looks at in an application.
pub struct ApplicationFacts<'a> {
    pub organisation_id: &'a str,
    pub advisor_id: Option<&'a str>,
    pub status: ApplicationStatus,
    pub kind: PremisesKind,
}
