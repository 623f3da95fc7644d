//! Registering, editing and reading premises; applying for certification and
//! starting a renewal from them.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::{ApplicationRow, CertificateRow, kind_word, see_other};
use crate::certificates::document::tier_label;
use crate::domain::clock;
use crate::domain::qualifying::{Schedule1Use, Schedule2Exclusion};
use crate::domain::tier::PremisesKind;
use crate::service::applications::self_assessment::{self, CreateApplicationRequest};
use crate::service::premises::{self, Person, PremisesInput, PremisesView};
use crate::service::{FieldError, ServiceError};
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::form::{FieldErrors, Form, shown_on_form};
use crate::web::layout::Chrome;
use crate::web::session::SignedIn;

/// The premises form as typed: every field text, named as the service names them.
#[derive(Deserialize, Default, Clone)]
pub struct PremisesForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub town: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub place_of_worship: String,
    #[serde(default)]
    pub event_start: String,
    #[serde(default)]
    pub event_end: String,
    #[serde(default, rename = "designated_senior_individual.name")]
    pub dsi_name: String,
    #[serde(default, rename = "designated_senior_individual.email")]
    pub dsi_email: String,
    // Issue 13 part 7 (scope).
    #[serde(default)]
    pub responsible_person: String,
    #[serde(default)]
    pub schedule1_use: String,
    #[serde(default)]
    pub schedule2_exclusion: String,
}

impl PremisesForm {
    fn of(p: &PremisesView, tz: &jiff::tz::TimeZone) -> PremisesForm {
        let local = |t: Option<time::OffsetDateTime>| {
            t.map(|t| clock::to_local_input(t, tz)).unwrap_or_default()
        };
        let dsi = p.designated_senior_individual.clone();
        PremisesForm {
            kind: p.kind.as_str().to_string(),
            name: p.name.clone(),
            address: p.address.clone(),
            town: p.town.clone(),
            postcode: p.postcode.clone(),
            capacity: p.capacity.to_string(),
            place_of_worship: if p.place_of_worship {
                "yes".into()
            } else {
                String::new()
            },
            event_start: local(p.event_start),
            event_end: local(p.event_end),
            dsi_name: dsi.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
            dsi_email: dsi.map(|d| d.email).unwrap_or_default(),
            responsible_person: p.responsible_person.as_str().to_string(),
            schedule1_use: p
                .schedule1_use
                .map(|u| u.as_str().to_string())
                .unwrap_or_default(),
            schedule2_exclusion: p.schedule2_exclusion.as_str().to_string(),
        }
    }

    /// The Schedule 1 uses as (value, label, chosen) for the form's list.
    fn uses(&self) -> Vec<(&'static str, &'static str, bool)> {
        Schedule1Use::ALL
            .iter()
            .map(|u| (u.as_str(), u.label(), self.schedule1_use == u.as_str()))
            .collect()
    }

    /// The Schedule 2 exclusions as (value, label, chosen); `none` when none is chosen.
    fn exclusions(&self) -> Vec<(&'static str, &'static str, bool)> {
        let chosen = if self.schedule2_exclusion.is_empty() {
            "none"
        } else {
            self.schedule2_exclusion.as_str()
        };
        Schedule2Exclusion::ALL
            .iter()
            .map(|e| (e.as_str(), e.label(), chosen == e.as_str()))
            .collect()
    }

    fn individual(&self) -> bool {
        self.responsible_person == "individual"
    }

    fn is_event(&self) -> bool {
        self.kind == "event"
    }

    /// A place of worship: the old tick box (still accepted) or the use chosen.
    fn worship(&self) -> bool {
        !self.place_of_worship.is_empty() || self.schedule1_use == "place_of_worship"
    }

    /// The service's input, and what the page itself could not read (a head
    /// count that is not a number, a time that is not one), which is shown in
    /// preference to what the service says of the same field.
    fn input(&self, tz: &jiff::tz::TimeZone) -> (PremisesInput, Vec<FieldError>) {
        let mut faults = Vec::new();
        let capacity = match self.capacity.trim() {
            "" => 0,
            text => text
                .replace([',', ' '], "")
                .parse::<i64>()
                .unwrap_or_else(|_| {
                    faults.push(FieldError::new(
                        "capacity",
                        "must be a whole number of people, such as 450",
                    ));
                    0
                }),
        };
        let mut time = |field: &str, value: &str| -> Option<String> {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            match clock::from_local_input(value, tz) {
                Some(t) => t
                    .format(&time::format_description::well_known::Rfc3339)
                    .ok(),
                None => {
                    faults.push(FieldError::new(
                        field,
                        "must be a date and a time, such as 10/07/2027 18:00",
                    ));
                    None
                }
            }
        };
        let event_start = time("event_start", &self.event_start);
        let event_end = time("event_end", &self.event_end);
        let dsi =
            (!self.dsi_name.trim().is_empty() || !self.dsi_email.trim().is_empty()).then(|| {
                Person {
                    name: self.dsi_name.clone(),
                    email: self.dsi_email.clone(),
                }
            });
        let input = PremisesInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            address: self.address.clone(),
            town: Some(self.town.clone()),
            postcode: self.postcode.clone(),
            capacity,
            place_of_worship: self.worship(),
            event_start,
            event_end,
            designated_senior_individual: dsi,
            responsible_person: Some(self.responsible_person.clone()),
            schedule1_use: Some(self.schedule1_use.clone()),
            schedule2_exclusion: Some(self.schedule2_exclusion.clone()),
        };
        (input, faults)
    }
}

/// The service's error said for this form: the page's own faults first, each
/// message a sentence naming its field as the form labels it, and no complaint
/// about the town when the address it comes from is missing.
fn for_page(e: ServiceError, faults: Vec<FieldError>) -> ServiceError {
    let ServiceError::Invalid(errors) = e else {
        return e;
    };
    let no_address = errors.iter().any(|f| f.field == "address");
    let sentence = |f: FieldError| {
        let subject = match f.field.as_str() {
            "kind" => "The kind",
            "name" => "The name",
            "address" => "The address",
            "town" => "The town",
            "postcode" => "The postcode",
            "capacity" => "The head count",
            "place_of_worship" => "A place of worship",
            "event_start" => "The start",
            "event_end" => "The end",
            "designated_senior_individual.name" => "The designated senior individual's name",
            "designated_senior_individual.email" => {
                "The designated senior individual's email address"
            }
            "responsible_person" => "Who is responsible",
            "schedule1_use" => "The use",
            "schedule2_exclusion" => "The exclusion",
            _ => "This",
        };
        let message = match (f.field.as_str(), f.message.as_str()) {
            ("town", m) if m.starts_with("cannot tell") => {
                "cannot be told from the address: enter it (it is shown publicly)".to_string()
            }
            (_, m) => m.replace("event_start", "the start"),
        };
        FieldError::new(f.field, format!("{subject} {message}"))
    };
    ServiceError::Invalid(
        faults
            .into_iter()
            .chain(errors)
            .filter(|f| !(no_address && f.field == "town"))
            .map(sentence)
            .collect(),
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "operator/premises_form.html")]
pub struct PremisesFormPage {
    chrome: Chrome,
    errors: FieldErrors,
    form: PremisesForm,
    /// None: registering new premises.
    editing: Option<String>,
    zone: String,
    // Issue 13 part 9: a current certificate lapses on some edits.
    lapse_warning: Option<String>,
}

impl PremisesFormPage {
    fn heading(&self) -> &'static str {
        match (&self.editing, self.form.is_event()) {
            (None, _) => "Register premises",
            (Some(_), true) => "Edit the event",
            (Some(_), false) => "Edit the building",
        }
    }

    fn action(&self) -> String {
        match &self.editing {
            None => "/operator/premises/new".to_string(),
            Some(id) => format!("/operator/premises/{id}/edit"),
        }
    }
}

fn zone_name(state: &AppState) -> String {
    state.settings.time_zone.clone()
}

pub async fn new_form(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
) -> Result<PremisesFormPage, PageError> {
    crate::service::access::require_operator(&caller)?;
    Ok(PremisesFormPage {
        chrome,
        errors: FieldErrors::none(),
        form: PremisesForm {
            kind: "building".into(),
            ..PremisesForm::default()
        },
        editing: None,
        zone: zone_name(&state),
        lapse_warning: None,
    })
}

pub async fn register(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    form: Form<PremisesForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let tz = clock::zone(&state.settings.time_zone);
    let (input, faults) = form.input(&tz);
    match premises::register(&state, &caller, input).await {
        Ok(p) => Ok(see_other(format!(
            "/operator/premises/{}?done=premises_saved",
            p.id
        ))),
        Err(e) if shown_on_form(&e) => form_again(&state, chrome, form, None, for_page(e, faults)),
        Err(e) => Err(e.into()),
    }
}

fn form_again(
    state: &AppState,
    chrome: Chrome,
    form: PremisesForm,
    editing: Option<String>,
    e: ServiceError,
) -> Result<HttpResponse, PageError> {
    let status = match e {
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let page = PremisesFormPage {
        chrome,
        errors: FieldErrors::of(&e),
        form,
        editing,
        zone: zone_name(state),
        lapse_warning: None,
    };
    Ok(html(status, render(&page)?))
}

pub async fn edit_form(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    crate::service::access::require_operator(&caller)?;
    let overview = premises::overview(&state, &caller, &path).await?;
    let tz = clock::zone(&state.settings.time_zone);
    let form = PremisesForm::of(&overview.premises, &tz);
    let id = overview.premises.id.clone();
    // Said before any typing: the service refuses the edit while one is open.
    let errors = match overview.applications.iter().find(|a| a.status.is_open()) {
        Some(_) => FieldErrors::of(&ServiceError::conflict(
            "application_open",
            "these premises have an open application; they can be edited once it is completed or withdrawn",
        )),
        None => FieldErrors::none(),
    };
    // Issue 13 part 9: said before any typing, when a certificate is current.
    let lapse_warning = overview
        .certificates
        .iter()
        .find(|c| {
            matches!(
                c.status,
                crate::domain::status::VerifiedStatus::Valid
                    | crate::domain::status::VerifiedStatus::Suspended
            ) && c.lapse_recorded.is_none()
                && !c.lapses_on.is_empty()
        })
        .map(|c| {
            format!(
                "Certificate {} is current. {} Changing who is responsible, the use or the head count so that the tier changes makes it lapse.",
                c.number,
                c.lapse_terms.clone().unwrap_or_default()
            )
        });
    let page = PremisesFormPage {
        chrome,
        errors,
        form,
        editing: Some(id),
        zone: zone_name(&state),
        lapse_warning,
    };
    Ok(html(StatusCode::OK, render(&page)?))
}

pub async fn update(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    form: Form<PremisesForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let tz = clock::zone(&state.settings.time_zone);
    let (input, faults) = form.input(&tz);
    match premises::update(&state, &caller, &path, input).await {
        // Issue 13 part 9: the page then says which certificate lapsed, and why.
        Ok(p) if !p.lapse_warnings.is_empty() => Ok(see_other(format!(
            "/operator/premises/{}?done=premises_saved_certificate_lapses",
            p.id
        ))),
        Ok(p) => Ok(see_other(format!(
            "/operator/premises/{}?done=premises_saved",
            p.id
        ))),
        Err(e) if shown_on_form(&e) => form_again(
            &state,
            chrome,
            form,
            Some(path.into_inner()),
            for_page(e, faults),
        ),
        Err(e) => Err(e.into()),
    }
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "operator/premises.html")]
pub struct PremisesPage {
    chrome: Chrome,
    id: String,
    name: String,
    facts: Vec<Fact>,
    open_application: Option<String>,
    /// An event that has ended: nothing more to apply for.
    over: bool,
    certificates: Vec<CertificateRow>,
    applications: Vec<ApplicationRow>,
    // Issue 11 part 5: fire safety on file, with its form.
    pub(super) fire_safety: super::fire_safety::FireSafetyBlock,
}

pub async fn show(
    state: web::Data<AppState>,
    chrome: Chrome,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
) -> Result<PremisesPage, PageError> {
    premises_page(&state, chrome, &caller, &path).await
}

/// The premises page as first shown (forms empty, no messages).
pub(super) async fn premises_page(
    state: &AppState,
    chrome: Chrome,
    caller: &crate::auth::Caller,
    id: &str,
) -> Result<PremisesPage, PageError> {
    let o = premises::overview(state, caller, id).await?;
    let fire_safety = super::fire_safety::FireSafetyBlock::new(
        &chrome,
        &crate::service::fire_safety::get(state, caller, id).await?,
        state.settings.require_fire_risk_assessment,
    );
    let p = &o.premises;
    let open_application = o
        .applications
        .iter()
        .find(|a| a.status.is_open())
        .map(|a| a.id.clone());
    let mut facts = vec![
        Fact {
            label: "Kind",
            value: kind_word(p.kind).to_string(),
        },
        Fact {
            label: "Address",
            value: p.address.clone(),
        },
        Fact {
            label: "Town",
            value: p.town.clone(),
        },
        Fact {
            label: "Postcode",
            value: p.postcode.clone(),
        },
        Fact {
            label: "Capacity",
            value: format!("{} people", p.capacity),
        },
        Fact {
            label: "Tier",
            value: tier_label(p.tier).to_string(),
        },
    ];
    // Issue 13 part 7 (scope).
    if p.kind == PremisesKind::Building {
        facts.push(Fact {
            label: "Use (Schedule 1)",
            value: match p.schedule1_use {
                Some(u) => u.label().to_string(),
                None if p.place_of_worship => {
                    crate::domain::qualifying::Schedule1Use::PlaceOfWorship
                        .label()
                        .to_string()
                }
                None => "Not stated".into(),
            },
        });
        if p.schedule2_exclusion != crate::domain::qualifying::Schedule2Exclusion::None {
            facts.push(Fact {
                label: "Exclusion (Schedule 2)",
                value: p.schedule2_exclusion.label().to_string(),
            });
        }
    }
    if let Some(why) = &p.outside_the_act {
        facts.push(Fact {
            label: "Outside the Act",
            value: why.clone(),
        });
    }
    if p.place_of_worship {
        facts.push(Fact {
            label: "Place of worship",
            value: "Yes (standard tier whatever its size)".into(),
        });
    }
    facts.push(Fact {
        label: "Responsible person",
        value: p.responsible_person.label().to_string(),
    });
    if let (Some(start), Some(end)) = (p.event_start, p.event_end) {
        facts.push(Fact {
            label: "Starts",
            value: chrome.date_time(&start),
        });
        facts.push(Fact {
            label: "Ends",
            value: chrome.date_time(&end),
        });
    }
    facts.push(Fact {
        label: "Designated senior individual",
        value: match &p.designated_senior_individual {
            Some(d) => format!("{} ({})", d.name, d.email),
            None if p.designated_senior_individual_required => {
                "None named (required in law for these premises)".into()
            }
            None if p.responsible_person
                == crate::domain::qualifying::ResponsiblePerson::Individual =>
            {
                "None named (not needed: the responsible person is an individual)".into()
            }
            None => "None named".into(),
        },
    });
    let over = p.kind == PremisesKind::Event
        && p.event_end
            .is_some_and(|end| end <= time::OffsetDateTime::now_utc());
    let newest = o.certificates.first().map(|c| c.number.clone());
    let certificates = o
        .certificates
        .iter()
        .map(|c| {
            let mut row = CertificateRow::new(&chrome, c, open_application.as_deref());
            // Only the newest certificate is renewed.
            row.renewable &= newest.as_deref() == Some(c.number.as_str());
            row
        })
        .collect();
    let applications = o
        .applications
        .iter()
        .map(|a| ApplicationRow::new(&chrome, a))
        .collect();
    Ok(PremisesPage {
        id: p.id.clone(),
        name: p.name.clone(),
        facts,
        open_application,
        over,
        certificates,
        applications,
        fire_safety,
        chrome,
    })
}

pub async fn apply(
    state: web::Data<AppState>,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    _: Form<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let input = CreateApplicationRequest {
        premises_id: path.into_inner(),
    };
    let app = self_assessment::apply(&state, &caller, input)
        .await
        .map_err(|e| match e {
            // The service names its field for the API; here the premises are the page.
            ServiceError::Invalid(_) => ServiceError::not_found("premises"),
            other => other,
        })?;
    Ok(see_other(format!(
        "/operator/applications/{}?done=applied",
        app.id
    )))
}

pub async fn renew(
    state: web::Data<AppState>,
    SignedIn(caller): SignedIn,
    path: web::Path<String>,
    _: Form<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let app = self_assessment::renew(&state, &caller, &path).await?;
    Ok(see_other(format!(
        "/operator/applications/{}?done=renewal_started",
        app.id
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(e: ServiceError) -> Vec<(String, String)> {
        e.field_errors()
            .iter()
            .map(|f| (f.field.clone(), f.message.clone()))
            .collect()
    }

    #[test]
    fn messages_name_their_field_and_the_page_faults_come_first() {
        let service = ServiceError::Invalid(vec![
            FieldError::new("address", "must not be empty"),
            FieldError::new("town", "cannot tell the town from the address: give `town`"),
            FieldError::new("capacity", "must be a head count from 1 to 1000000"),
            FieldError::new("event_end", "must be after event_start"),
        ]);
        let page = vec![FieldError::new("capacity", "must be a whole number")];
        let said = messages(for_page(service, page));
        assert_eq!(
            said,
            [
                (
                    "capacity".into(),
                    "The head count must be a whole number".into()
                ),
                ("address".into(), "The address must not be empty".into()),
                (
                    "capacity".into(),
                    "The head count must be a head count from 1 to 1000000".into()
                ),
                ("event_end".into(), "The end must be after the start".into()),
            ]
        );
        // With an address, a town that cannot be told from it is said plainly.
        let said = messages(for_page(
            ServiceError::Invalid(vec![FieldError::new(
                "town",
                "cannot tell the town from the address: give `town`",
            )]),
            vec![],
        ));
        assert_eq!(
            said[0].1,
            "The town cannot be told from the address: enter it (it is shown publicly)"
        );
    }

    #[test]
    fn local_times_become_utc_for_the_service() {
        let form = PremisesForm {
            kind: "event".into(),
            capacity: "1,200".into(),
            event_start: "2027-07-10T10:00".into(),
            event_end: "tomorrow".into(),
            ..PremisesForm::default()
        };
        let (input, faults) = form.input(&clock::zone("Europe/London"));
        assert_eq!(input.capacity, 1200);
        assert_eq!(input.event_start.as_deref(), Some("2027-07-10T09:00:00Z"));
        assert_eq!(input.event_end, None);
        assert_eq!(faults.len(), 1);
        assert_eq!(faults[0].field, "event_end");
        assert!(input.designated_senior_individual.is_none());
    }
}
