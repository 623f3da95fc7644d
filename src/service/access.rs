//! Who may see and do what: the one place that decides it. Each kind of record has
//! a scope built from the caller; the same scope is a row check (`admits`) and,
//! in `db`, a query filter, so a listing and a single read can never disagree.
//! Records outside the caller's scope read as not found (ids cannot be probed);
//! a role that may never do something gets a 403 saying so.

use crate::db::models::{Advisor, Application};
use crate::domain::accreditation::{self, Accreditation, Ineligible};
use crate::domain::actor::{Caller, Role};
use crate::domain::scope::{ApplicationFacts, ApplicationScope, OrgScope, Queue};
use crate::domain::tier::PremisesKind;
use crate::service::{ServiceError, ServiceResult};
// issue 11 part 2: appeals
use crate::domain::appeal::{AppealFacts, AppealScope};

/// Fails with 403 unless the caller has one of `roles`.
pub fn require_role(caller: &Caller, roles: &[Role]) -> ServiceResult<()> {
    if roles.contains(&caller.role) {
        Ok(())
    } else {
        Err(not_open_to(caller))
    }
}

fn not_open_to(caller: &Caller) -> ServiceError {
    ServiceError::forbidden(format!(
        "this action is not open to the {} role",
        caller.role.as_str()
    ))
}

/// Operators register and edit premises and run their applications.
pub fn require_operator(caller: &Caller) -> ServiceResult<()> {
    require_role(caller, &[Role::Operator])
}

/// The caller's organisation, for an operator managing its team (an operator
/// without one may not).
pub fn own_organisation(caller: &Caller) -> ServiceResult<String> {
    require_operator(caller)?;
    caller
        .organisation_id
        .clone()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| ServiceError::forbidden("the operator has no organisation"))
}

/// Operators see an application's scores only once the assessment is complete;
/// advisors and admins see them as they are given.
pub fn may_see_scores(caller: &Caller, completed: bool) -> bool {
    caller.role != Role::Operator || completed
}

fn operator_scope(caller: &Caller) -> OrgScope {
    OrgScope::Organisation(caller.organisation_id.clone().unwrap_or_default())
}

/// Premises: operators their own organisation's, admins all; no one else.
pub fn premises_scope(caller: &Caller) -> ServiceResult<OrgScope> {
    match caller.role {
        Role::Operator => Ok(operator_scope(caller)),
        Role::Admin => Ok(OrgScope::All),
        Role::Advisor | Role::Police => {
            require_role(caller, &[Role::Operator, Role::Admin]).map(|()| OrgScope::All)
        }
    }
}

/// Full certificate records (the register): police and admins all, operators their
/// own organisation's. Advisors do not search the register. (The public sees only
/// the status through verification, which needs no scope.)
pub fn certificate_scope(caller: &Caller) -> ServiceResult<OrgScope> {
    match caller.role {
        Role::Operator => Ok(operator_scope(caller)),
        Role::Police | Role::Admin => Ok(OrgScope::All),
        Role::Advisor => Err(not_open_to(caller)),
    }
}

/// A certificate's status history (issue, suspensions, reinstatements, revocation,
/// supersession, with the reasons given): for whoever may read its full record,
/// that is police and admins, and the owning operator. Advisors are refused as
/// for the record.
pub fn certificate_history_scope(caller: &Caller) -> ServiceResult<OrgScope> {
    certificate_scope(caller)
}

/// Applications: operators their organisation's; advisors those assigned to them
/// and the queue they may claim (`advisor` is the caller's accreditation); admins
/// all. Police see none.
pub fn application_scope(
    caller: &Caller,
    advisor: Option<&Advisor>,
    today: time::Date,
) -> ServiceResult<ApplicationScope> {
    match caller.role {
        Role::Admin => Ok(ApplicationScope::All),
        Role::Operator => Ok(ApplicationScope::Organisation(
            caller.organisation_id.clone().unwrap_or_default(),
        )),
        Role::Advisor => {
            let scopes = match advisor {
                Some(a) => a.scope_kinds()?,
                None => Vec::new(),
            };
            let queue = advisor.and_then(|a| Queue::of(&accreditation_of(a, &scopes), today));
            Ok(ApplicationScope::Advisor {
                advisor_id: caller.user_id.clone(),
                queue,
            })
        }
        Role::Police => Err(not_open_to(caller)),
    }
}

/// The row check of `application_scope` for an application of `kind`.
pub fn admits_application(scope: &ApplicationScope, app: &Application, kind: PremisesKind) -> bool {
    scope.admits(&ApplicationFacts {
        organisation_id: &app.organisation_id,
        advisor_id: app.advisor_id.as_deref(),
        status: app.status,
        kind,
    })
}

/// The domain's view of a stored accreditation.
pub fn accreditation_of<'a>(a: &'a Advisor, scopes: &'a [PremisesKind]) -> Accreditation<'a> {
    Accreditation {
        status: a.status,
        accredited_until: a.accredited_until,
        scopes,
        tied_organisation_id: a.tied_organisation_id.as_deref(),
    }
}

/// Whether an advisor may assess premises of `kind` for `organisation_id` today,
/// and if not, why.
pub fn eligibility(
    advisor: &Advisor,
    kind: PremisesKind,
    organisation_id: &str,
    today: time::Date,
) -> ServiceResult<Result<(), Ineligible>> {
    let scopes = advisor.scope_kinds()?;
    Ok(accreditation::check(
        &accreditation_of(advisor, &scopes),
        kind,
        organisation_id,
        today,
    ))
}

/// The operator's own work on an application: answer, attach evidence, submit,
/// withdraw. Someone else's application reads as not found.
pub fn require_owner(caller: &Caller, app: &Application) -> ServiceResult<()> {
    require_role(caller, &[Role::Operator])?;
    if caller.operates(&app.organisation_id) {
        Ok(())
    } else {
        Err(ServiceError::not_found("application"))
    }
}

/// Scoring and completing: only the advisor assigned to the application.
pub fn require_assigned(caller: &Caller, app: &Application) -> ServiceResult<()> {
    require_role(caller, &[Role::Advisor])?;
    if app.advisor_id.as_deref() == Some(caller.user_id.as_str()) {
        Ok(())
    } else {
        Err(ServiceError::forbidden(
            "only the advisor assigned to this application may do this",
        ))
    }
}

/// Scoring (saving scores as much as completing): the advisor assigned to the
/// application, while their accreditation admits these premises today. A lapsed,
/// suspended or withdrawn accreditation, or one that no longer covers the kind or
/// is now tied to the operator, can neither save nor complete.
pub fn require_may_assess(
    caller: &Caller,
    app: &Application,
    advisor: Option<&Advisor>,
    kind: PremisesKind,
    today: time::Date,
) -> ServiceResult<()> {
    require_assigned(caller, app)?;
    let advisor =
        advisor.ok_or_else(|| ServiceError::forbidden("the advisor has no accreditation"))?;
    match eligibility(advisor, kind, &app.organisation_id, today)? {
        Ok(()) => Ok(()),
        Err(why) => Err(ServiceError::forbidden(why.to_string())),
    }
}

/// Earlier applications withdrawn after scoring: shown to advisors (the next one
/// to assess the premises) and admins, not to the operator who withdrew them.
pub fn may_see_withdrawals_after_scoring(caller: &Caller) -> bool {
    matches!(caller.role, Role::Advisor | Role::Admin)
}

/// Evidence files: the owner, the assigned advisor (not one merely browsing the
/// queue) and admins.
pub fn may_read_evidence(caller: &Caller, app: &Application) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::Operator => caller.operates(&app.organisation_id),
        Role::Advisor => app.advisor_id.as_deref() == Some(caller.user_id.as_str()),
        Role::Police => false,
    }
}

/// Running the scheme: accrediting advisors, creating accounts, suspending and
/// revoking certificates, assigning applications, reading the audit log and outbox.
pub fn require_admin(caller: &Caller) -> ServiceResult<()> {
    require_role(caller, &[Role::Admin])
}

// Part 3: the second sign-off.
/// Signing off an assessment: an admin, or an advisor whose accreditation admits the
/// premises today (current, in scope, no tie to the operator), and never the
/// assessor (`assessor_id`) themselves.
pub fn require_may_sign_off(
    caller: &Caller,
    app: &Application,
    advisor: Option<&Advisor>,
    kind: PremisesKind,
    assessor_id: &str,
    today: time::Date,
) -> ServiceResult<()> {
    use crate::domain::sign_off::{Reviewer, may_sign_off};
    let eligibility = match (caller.role, advisor) {
        (Role::Advisor, Some(a)) => eligibility(a, kind, &app.organisation_id, today)?,
        (Role::Advisor, None) if caller.user_id != assessor_id => {
            return Err(ServiceError::forbidden("the advisor has no accreditation"));
        }
        _ => Ok(()),
    };
    may_sign_off(
        &Reviewer {
            user_id: &caller.user_id,
            role: caller.role,
            eligibility,
        },
        assessor_id,
    )
    .map_err(|why| ServiceError::forbidden(why.to_string()))
}

// Part 1 of issue 11: conditions to closure.

/// Submitting evidence for a certificate's condition: an operator of the
/// organisation holding it; another organisation's certificate reads as not found.
pub fn require_may_submit_condition_evidence(
    caller: &Caller,
    organisation_id: &str,
) -> ServiceResult<()> {
    require_operator(caller)?;
    if caller.operates(organisation_id) {
        Ok(())
    } else {
        Err(ServiceError::not_found("certificate"))
    }
}

/// Reviewing conditions is advisors' work.
pub fn require_reviewer_role(caller: &Caller) -> ServiceResult<()> {
    require_role(caller, &[Role::Advisor])
}

/// Reviewing a condition's evidence: the advisor who raised it while they may
/// still assess the premises; once they may not, any advisor who may
/// (`domain::condition::may_review`). Anyone else gets a 403 saying why.
#[allow(clippy::too_many_arguments)]
pub fn require_may_review_condition(
    caller: &Caller,
    raised_by: &str,
    raiser: Option<&Advisor>,
    own: Option<&Advisor>,
    kind: PremisesKind,
    organisation_id: &str,
    today: time::Date,
) -> ServiceResult<()> {
    require_reviewer_role(caller)?;
    let standing = |a: Option<&Advisor>| -> ServiceResult<Result<(), Ineligible>> {
        match a {
            Some(a) => eligibility(a, kind, organisation_id, today),
            None => Ok(Err(Ineligible::Withdrawn)),
        }
    };
    let raiser = standing(raiser)?;
    let own = standing(own)?;
    crate::domain::condition::may_review(caller.user_id == raised_by, &raiser, &own)
        .map_err(|why| ServiceError::forbidden(why.to_string()))
}

/// A condition's evidence files: the owner, police and admins (who read the full
/// record), and an advisor who may review the condition.
pub fn may_read_condition_evidence(caller: &Caller, organisation_id: &str, reviewer: bool) -> bool {
    match caller.role {
        Role::Admin | Role::Police => true,
        Role::Operator => caller.operates(organisation_id),
        Role::Advisor => reviewer,
    }
}

// Issue 11 part 5: fire safety on file.
/// Fire safety on file: read as the premises are (their organisation's operators,
/// admins); police see it only on certificate records.
pub fn fire_safety_scope(caller: &Caller) -> ServiceResult<OrgScope> {
    premises_scope(caller)
}

/// Recording the fire risk assessment and attaching its evidence: operators (of the
/// premises' organisation, through [`fire_safety_scope`]).
pub fn require_fire_safety_recorder(caller: &Caller) -> ServiceResult<()> {
    require_operator(caller)
}

// issue 11 part 2: appeals

/// Appeals: operators their organisation's; advisors the lodged appeals they may
/// take and those they claimed; admins all. Police see none here (they see the
/// decision and the right to reply on the certificate record).
pub fn appeal_scope(
    caller: &Caller,
    advisor: Option<&Advisor>,
    today: time::Date,
) -> ServiceResult<AppealScope> {
    match caller.role {
        Role::Admin => Ok(AppealScope::All),
        Role::Operator => Ok(AppealScope::Organisation(
            caller.organisation_id.clone().unwrap_or_default(),
        )),
        Role::Advisor => {
            let scopes = match advisor {
                Some(a) => a.scope_kinds()?,
                None => Vec::new(),
            };
            let queue = advisor.and_then(|a| Queue::of(&accreditation_of(a, &scopes), today));
            Ok(AppealScope::Advisor {
                advisor_id: caller.user_id.clone(),
                queue,
            })
        }
        Role::Police => Err(not_open_to(caller)),
    }
}

/// The row check of `appeal_scope`.
pub fn admits_appeal(
    scope: &AppealScope,
    appeal: &crate::db::appeals::Appeal,
    app: &Application,
    kind: PremisesKind,
) -> bool {
    scope.admits(&AppealFacts {
        organisation_id: &appeal.organisation_id,
        state: appeal.state,
        kind,
        original_advisor_id: app.advisor_id.as_deref(),
        reviewer_id: appeal.reviewer_id.as_deref(),
    })
}

/// Claiming, scoring and deciding an appeal: an advisor other than the one who
/// made the assessment, accredited today in scope for the premises, without a tie
/// to the operator's organisation.
pub fn require_may_review(
    caller: &Caller,
    app: &Application,
    signed_off_by: Option<&str>,
    advisor: Option<&Advisor>,
    kind: PremisesKind,
    today: time::Date,
) -> ServiceResult<()> {
    require_role(caller, &[Role::Advisor])?;
    let advisor =
        advisor.ok_or_else(|| ServiceError::forbidden("the advisor has no accreditation"))?;
    let eligible = eligibility(advisor, kind, &app.organisation_id, today)?;
    crate::domain::appeal::may_review(
        &caller.user_id,
        app.advisor_id.as_deref(),
        signed_off_by,
        eligible,
    )
    .map_err(|why| ServiceError::forbidden(why.to_string()))
}

/// Scoring and deciding: only the advisor who claimed the appeal.
pub fn require_appeal_reviewer(
    caller: &Caller,
    appeal: &crate::db::appeals::Appeal,
) -> ServiceResult<()> {
    require_role(caller, &[Role::Advisor])?;
    if appeal.reviewer_id.as_deref() == Some(caller.user_id.as_str()) {
        Ok(())
    } else {
        Err(ServiceError::forbidden(
            "only the advisor who claimed this appeal may do this",
        ))
    }
}

/// An appeal's evidence and the reviewer's scores before the decision: the
/// operator who lodged it (evidence only), the reviewer and admins.
pub fn may_read_appeal_evidence(caller: &Caller, appeal: &crate::db::appeals::Appeal) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::Operator => caller.operates(&appeal.organisation_id),
        Role::Advisor => appeal.reviewer_id.as_deref() == Some(caller.user_id.as_str()),
        Role::Police => false,
    }
}

// Issue 12 part F: who may scrape /metrics.
/// A scraper of `/metrics`: with `metrics_token` set, whoever sends it as a Bearer
/// token (compared in constant time, as digests, so neither its content nor its
/// length shows in the timing); without one, only a client on this machine (a
/// loopback peer whose request no trusted proxy forwarded).
pub fn require_metrics_scraper(
    configured_token: &str,
    presented: Option<&str>,
    from_this_machine: bool,
) -> ServiceResult<()> {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    if configured_token.is_empty() {
        return if from_this_machine {
            Ok(())
        } else {
            Err(ServiceError::forbidden(
                "metrics are open to this machine only while no metrics_token is set",
            ))
        };
    }
    let matches = presented.is_some_and(|p| {
        let (want, got) = (Sha256::digest(configured_token), Sha256::digest(p));
        bool::from(want.ct_eq(&got))
    });
    if matches {
        Ok(())
    } else {
        Err(ServiceError::Unauthenticated(
            "a scrape of /metrics needs the metrics token as a Bearer token".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::domain::accreditation::AccreditationStatus;
    use crate::domain::application::ApplicationStatus;
    use crate::domain::tier::Tier;

    const TODAY: time::Date = date!(2027 - 03 - 01);

    fn caller(role: Role, org: Option<&str>) -> Caller {
        Caller {
            user_id: format!("{}-1", role.as_str()),
            role,
            organisation_id: org.map(str::to_string),
        }
    }

    fn advisor(status: AccreditationStatus, until: time::Date, tied: Option<&str>) -> Advisor {
        Advisor {
            user_id: "advisor-1".into(),
            accreditation_number: "PSA-1".into(),
            accredited_until: until,
            scopes: "building".into(),
            status,
            tied_organisation_id: tied.map(str::to_string),
            created_at: time::PrimitiveDateTime::new(TODAY, time::Time::MIDNIGHT),
        }
    }

    fn application(org: &str, status: ApplicationStatus, advisor: Option<&str>) -> Application {
        let at = time::PrimitiveDateTime::new(TODAY, time::Time::MIDNIGHT);
        Application {
            id: "app".into(),
            premises_id: "prem".into(),
            organisation_id: org.into(),
            checklist_id: "building-v1".into(),
            tier: Tier::Standard,
            status,
            advisor_id: advisor.map(str::to_string),
            outcome: None,
            result: None,
            created_by: "operator-1".into(),
            created_at: at,
            submitted_at: None,
            assigned_at: None,
            completed_at: None,
            updated_at: at,
        }
    }

    fn forbidden<T: std::fmt::Debug>(r: ServiceResult<T>) -> bool {
        matches!(r, Err(ServiceError::Forbidden(_)))
    }

    #[test]
    fn premises_and_certificates_by_role_and_organisation() {
        for role in Role::ALL {
            let c = caller(role, (role == Role::Operator).then_some("own"));
            let premises = premises_scope(&c);
            let certificates = certificate_scope(&c);
            match role {
                Role::Operator => {
                    for scope in [premises.expect("operator"), certificates.expect("operator")] {
                        assert!(scope.admits("own"));
                        assert!(!scope.admits("other"));
                    }
                }
                Role::Admin => {
                    for scope in [premises.expect("admin"), certificates.expect("admin")] {
                        assert!(scope.admits("own") && scope.admits("other"));
                    }
                }
                Role::Police => {
                    assert!(forbidden(premises));
                    let scope = certificates.expect("police");
                    assert!(scope.admits("own") && scope.admits("other"));
                }
                Role::Advisor => {
                    assert!(forbidden(premises));
                    assert!(forbidden(certificates));
                }
            }
        }
        // The status history is read by exactly those who read the record.
        for role in Role::ALL {
            let c = caller(role, (role == Role::Operator).then_some("own"));
            match (certificate_scope(&c), certificate_history_scope(&c)) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{role:?}"),
                (Err(_), Err(e)) => assert!(matches!(e, ServiceError::Forbidden(_)), "{role:?}"),
                _ => panic!("{role:?}: record and history disagree"),
            }
        }
        // An operator without an organisation sees nothing, not everything.
        let orphan = caller(Role::Operator, None);
        assert!(!premises_scope(&orphan).expect("scope").admits(""));
    }

    #[test]
    fn applications_by_role_organisation_and_assignment() {
        let acc = advisor(
            AccreditationStatus::Active,
            date!(2028 - 01 - 01),
            Some("tied"),
        );
        let rows = [
            (
                "own draft",
                application("own", ApplicationStatus::Draft, None),
            ),
            (
                "other submitted",
                application("other", ApplicationStatus::Submitted, None),
            ),
            (
                "tied submitted",
                application("tied", ApplicationStatus::Submitted, None),
            ),
            (
                "other assigned",
                application("other", ApplicationStatus::InReview, Some("advisor-1")),
            ),
            (
                "other reviewed by someone else",
                application("other", ApplicationStatus::InReview, Some("advisor-2")),
            ),
        ];
        let expect = |role: Role| -> [bool; 5] {
            match role {
                Role::Operator => [true, false, false, false, false],
                Role::Advisor => [false, true, false, true, false],
                Role::Admin => [true; 5],
                Role::Police => [false; 5],
            }
        };
        for role in Role::ALL {
            let c = Caller {
                user_id: if role == Role::Advisor {
                    "advisor-1".into()
                } else {
                    "x".into()
                },
                role,
                organisation_id: (role == Role::Operator).then(|| "own".into()),
            };
            let scope = application_scope(&c, (role == Role::Advisor).then_some(&acc), TODAY);
            if role == Role::Police {
                assert!(forbidden(scope));
                continue;
            }
            let scope = scope.expect("scope");
            for ((name, app), want) in rows.iter().zip(expect(role)) {
                assert_eq!(
                    admits_application(&scope, app, PremisesKind::Building),
                    want,
                    "{role:?} / {name}"
                );
            }
        }
    }

    #[test]
    fn the_queue_agrees_with_eligibility() {
        let kinds = [PremisesKind::Building, PremisesKind::Event];
        for status in [
            AccreditationStatus::Active,
            AccreditationStatus::Suspended,
            AccreditationStatus::Withdrawn,
        ] {
            for until in [date!(2027 - 02 - 28), TODAY, date!(2028 - 01 - 01)] {
                let a = advisor(status, until, Some("tied"));
                let scopes = a.scope_kinds().expect("scopes");
                let queue = Queue::of(&accreditation_of(&a, &scopes), TODAY);
                for kind in kinds {
                    for org in ["tied", "other"] {
                        let eligible = eligibility(&a, kind, org, TODAY).expect("ok").is_ok();
                        let queued = queue.as_ref().is_some_and(|q| q.admits(kind, org));
                        assert_eq!(eligible, queued, "{status:?} {until} {kind:?} {org}");
                    }
                }
            }
        }
    }

    #[test]
    fn only_the_assigned_advisor_scores_and_only_the_owner_edits() {
        let app = application("own", ApplicationStatus::InReview, Some("advisor-1"));
        let assigned = Caller {
            user_id: "advisor-1".into(),
            role: Role::Advisor,
            organisation_id: None,
        };
        let other_advisor = Caller {
            user_id: "advisor-2".into(),
            ..assigned.clone()
        };
        assert!(require_assigned(&assigned, &app).is_ok());
        assert!(forbidden(require_assigned(&other_advisor, &app)));
        assert!(forbidden(require_assigned(
            &caller(Role::Admin, None),
            &app
        )));
        assert!(require_owner(&caller(Role::Operator, Some("own")), &app).is_ok());
        assert!(matches!(
            require_owner(&caller(Role::Operator, Some("other")), &app),
            Err(ServiceError::NotFound(_))
        ));
        assert!(forbidden(require_owner(&assigned, &app)));
        assert!(may_read_evidence(&assigned, &app));
        assert!(!may_read_evidence(&other_advisor, &app));
        assert!(!may_read_evidence(&caller(Role::Police, None), &app));
        assert!(!may_read_evidence(
            &caller(Role::Operator, Some("other")),
            &app
        ));
    }
}

/// The scopes' SQL filters (in `db`) and their row checks (`admits`) agree, on a
/// real database, for every kind of caller and a spread of records.
#[cfg(test)]
mod filters_agree_with_row_checks {
    use std::collections::BTreeSet;

    use time::macros::date;

    use super::*;
    use crate::db::{self, Page};
    use crate::domain::accreditation::AccreditationStatus;
    use crate::domain::application::ApplicationStatus::*;
    use crate::service::fixtures::*;

    const ALL: Page = Page {
        limit: 200,
        offset: 0,
    };

    #[test]
    fn for_applications_and_premises() {
        let t = test_db();
        let mut conn = t.db.get().expect("conn");
        let today = crate::service::today();
        for org in ["own", "other", "tied"] {
            organisation(&mut conn, org);
            user(&mut conn, &format!("op-{org}"), Role::Operator, Some(org));
        }
        let future = today + time::Duration::days(365);
        let advisors = [
            advisor(
                &mut conn,
                "adv-buildings",
                AccreditationStatus::Active,
                future,
                "building",
                Some("tied"),
            ),
            advisor(
                &mut conn,
                "adv-events",
                AccreditationStatus::Active,
                future,
                "event",
                None,
            ),
            advisor(
                &mut conn,
                "adv-suspended",
                AccreditationStatus::Suspended,
                future,
                "building,event",
                None,
            ),
            advisor(
                &mut conn,
                "adv-lapsed",
                AccreditationStatus::Active,
                date!(2020 - 01 - 01),
                "building,event",
                None,
            ),
        ];
        let mut n = 0;
        for org in ["own", "other", "tied"] {
            for kind in [PremisesKind::Building, PremisesKind::Event] {
                for (status, assigned) in [
                    (Draft, None),
                    (Submitted, None),
                    (InReview, Some("adv-buildings")),
                    (InReview, Some("adv-events")),
                    (Completed, Some("adv-suspended")),
                    (Withdrawn, None),
                    // Part 3: awaiting sign-off, seen by eligible reviewers too.
                    (AwaitingSignOff, Some("adv-events")),
                ] {
                    n += 1;
                    let p = premises(&mut conn, &format!("p{n}"), org, kind);
                    application(
                        &mut conn,
                        &t.checklists,
                        &format!("a{n}"),
                        &p,
                        status,
                        assigned,
                        &format!("op-{org}"),
                    );
                }
            }
        }
        let everything =
            db::applications::list(&mut conn, &ApplicationScope::All, None, ALL).expect("all");
        assert_eq!(everything.len(), n);
        let callers = [
            (
                Caller {
                    user_id: "op-own".into(),
                    role: Role::Operator,
                    organisation_id: Some("own".into()),
                },
                None,
            ),
            (
                Caller {
                    user_id: "op-none".into(),
                    role: Role::Operator,
                    organisation_id: None,
                },
                None,
            ),
            (
                Caller {
                    user_id: "admin".into(),
                    role: Role::Admin,
                    organisation_id: None,
                },
                None,
            ),
        ]
        .into_iter()
        .chain(advisors.iter().map(|a| {
            (
                Caller {
                    user_id: a.user_id.clone(),
                    role: Role::Advisor,
                    organisation_id: None,
                },
                Some(a),
            )
        }));
        for (caller, accreditation) in callers {
            let scope = application_scope(&caller, accreditation, today).expect("scope");
            let listed: BTreeSet<String> = db::applications::list(&mut conn, &scope, None, ALL)
                .expect("list")
                .into_iter()
                .map(|(a, _)| a.id)
                .collect();
            let admitted: BTreeSet<String> = everything
                .iter()
                .filter(|(a, p)| admits_application(&scope, a, p.kind))
                .map(|(a, _)| a.id.clone())
                .collect();
            assert_eq!(listed, admitted, "{} ({:?})", caller.user_id, scope);
            if caller.user_id == "adv-buildings" {
                // Its own two, plus submitted buildings of untied organisations,
                // plus (part 3) their buildings awaiting sign-off.
                assert_eq!(listed.len(), 6 + 2 + 2, "{listed:?}");
            }
        }
        let all_premises = db::premises::list(&mut conn, &OrgScope::All, ALL).expect("premises");
        for scope in [
            OrgScope::All,
            OrgScope::Organisation("own".into()),
            OrgScope::Organisation(String::new()),
        ] {
            let listed: BTreeSet<String> = db::premises::list(&mut conn, &scope, ALL)
                .expect("list")
                .into_iter()
                .map(|p| p.id)
                .collect();
            let admitted: BTreeSet<String> = all_premises
                .iter()
                .filter(|p| scope.admits(&p.organisation_id))
                .map(|p| p.id.clone())
                .collect();
            assert_eq!(listed, admitted, "{scope:?}");
        }
    }
}

// Issue 12 part F: who may scrape /metrics.
#[cfg(test)]
mod metrics_scraper {
    use super::require_metrics_scraper;
    use crate::service::ServiceError;

    #[test]
    fn without_a_token_only_this_machine_scrapes() {
        assert!(require_metrics_scraper("", None, true).is_ok());
        assert!(require_metrics_scraper("", Some("anything"), true).is_ok());
        let far = require_metrics_scraper("", Some("anything"), false).expect_err("remote");
        assert!(matches!(far, ServiceError::Forbidden(_)), "{far:?}");
    }

    #[test]
    fn with_a_token_everyone_needs_it() {
        let token = "a-long-scrape-token-0123456789";
        assert!(require_metrics_scraper(token, Some(token), false).is_ok());
        for presented in [
            None,
            Some(""),
            Some("a-long-scrape-token-012345678"),
            Some("x"),
        ] {
            for local in [true, false] {
                let refused = require_metrics_scraper(token, presented, local).expect_err("no");
                assert!(
                    matches!(refused, ServiceError::Unauthenticated(_)),
                    "{presented:?} {local}"
                );
            }
        }
    }
}
