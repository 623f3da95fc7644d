//! `/admin/audit`: the audit log, newest first, filtered by record, actor or
//! action, a page at a time ("older entries" continues before the last one
//! shown). Each change is summarised field by field, with the full before and
//! after folded away.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use serde_json::Value;

use super::{Admin, PER_PAGE, query_string};
use crate::service::ServiceError;
use crate::service::audit::{self, AuditQuery, AuditView};
use crate::state::AppState;
use crate::web::account::{html, render};
use crate::web::error::PageError;
use crate::web::form::{FieldErrors, shown_on_form};
use crate::web::layout::Chrome;

/// The kinds of record the log names, for the filter.
const ENTITY_TYPES: [&str; 7] = [
    "application",
    "certificate",
    "checklist",
    "notification",
    "organisation",
    "premises",
    "user",
];

/// One field that changed: its value before and after (absent on one side when
/// the entry has no such side or field).
#[derive(Debug, PartialEq, Eq)]
pub struct ChangeLine {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A value as people read it: text as it is, `none` for null, lists joined.
fn readable(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            if items.is_empty() {
                "none".into()
            } else {
                items.iter().map(readable).collect::<Vec<_>>().join(", ")
            }
        }
        other => other.to_string(),
    }
}

/// The fields that differ between `before` and `after`: those of `after` by name,
/// then those only `before` has; a field the same on both sides is left out.
pub fn summarise(before: Option<&Value>, after: Option<&Value>) -> Vec<ChangeLine> {
    let field = |k: &str| k.replace('_', " ");
    match (before, after) {
        (None | Some(Value::Object(_)), None | Some(Value::Object(_))) => {
            let empty = serde_json::Map::new();
            let b = before.and_then(Value::as_object).unwrap_or(&empty);
            let a = after.and_then(Value::as_object).unwrap_or(&empty);
            let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
            keys.filter(|k| b.get(*k) != a.get(*k))
                .map(|k| ChangeLine {
                    field: field(k),
                    before: b.get(k).map(readable),
                    after: a.get(k).map(readable),
                })
                .collect()
        }
        (b, a) => vec![ChangeLine {
            field: "value".into(),
            before: b.map(readable),
            after: a.map(readable),
        }],
    }
}

fn role_in_words(role: &str) -> String {
    match role {
        "admin" => "Scheme admin".into(),
        "police" => "Police".into(),
        "advisor" => "Advisor".into(),
        "operator" => "Venue operator".into(),
        other => other.to_string(),
    }
}

pub struct Entry {
    pub seq: i64,
    pub when: String,
    pub who: String,
    pub actor_id: Option<String>,
    pub actor_link: String,
    pub action: String,
    pub entity: String,
    pub entity_link: String,
    pub changes: Vec<ChangeLine>,
    /// The before and after in full, as indented JSON ("" when there are none).
    pub full: String,
}

impl Entry {
    fn new(chrome: &Chrome, e: AuditView) -> Entry {
        let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
        let full = [("Before", &e.before), ("After", &e.after)]
            .into_iter()
            .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label}:\n{}", pretty(v))))
            .collect::<Vec<_>>()
            .join("\n");
        Entry {
            seq: e.seq,
            when: chrome.date_time(&e.at),
            who: match &e.actor_role {
                Some(role) => role_in_words(role),
                None => {
                    "No one signed in (a sign-up, the command line or the service itself)".into()
                }
            },
            actor_link: e
                .actor_id
                .as_deref()
                .map(|id| format!("/admin/audit?{}", query_string(&[("actor_id", id)])))
                .unwrap_or_default(),
            actor_id: e.actor_id.clone(),
            changes: summarise(e.before.as_ref(), e.after.as_ref()),
            entity: format!("{} {}", e.entity_type, e.entity_id),
            entity_link: format!(
                "/admin/audit?{}",
                query_string(&[("entity_type", &e.entity_type), ("entity_id", &e.entity_id)])
            ),
            action: e.action,
            full,
        }
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct FilterForm {
    entity_type: String,
    entity_id: String,
    actor_id: String,
    action: String,
    before_seq: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    chrome: Chrome,
    form: FilterForm,
    errors: FieldErrors,
    entries: Vec<Entry>,
    filtered: bool,
    older: String,
    newest: String,
}

impl AuditPage {
    /// The known kinds of record, and the one asked for if it is another.
    fn entity_types(&self) -> Vec<String> {
        let mut types: Vec<String> = ENTITY_TYPES.iter().map(|t| t.to_string()).collect();
        let given = self.form.entity_type.trim();
        if !given.is_empty() && !types.iter().any(|t| t == given) {
            types.push(given.to_string());
        }
        types
    }
}

pub async fn page(
    state: web::Data<AppState>,
    chrome: Chrome,
    Admin(caller): Admin,
    query: web::Query<FilterForm>,
) -> Result<HttpResponse, PageError> {
    let form = query.into_inner();
    let before_seq =
        match form.before_seq.trim() {
            "" => None,
            raw => Some(raw.parse::<i64>().map_err(|_| {
                ServiceError::malformed_field("before_seq", "must be a whole number")
            })?),
        };
    let filters = [
        ("entity_type", form.entity_type.as_str()),
        ("entity_id", form.entity_id.as_str()),
        ("actor_id", form.actor_id.as_str()),
        ("action", form.action.as_str()),
    ];
    let q = AuditQuery {
        entity_type: Some(form.entity_type.clone()),
        entity_id: Some(form.entity_id.clone()),
        actor_id: Some(form.actor_id.clone()),
        action: Some(form.action.clone()),
        after_seq: None,
        before_seq,
        order: Some("desc".into()),
        // One more than shown, to know whether there are older ones.
        limit: Some(PER_PAGE + 1),
    };
    let link = |extra: Option<(&str, &str)>| {
        let mut pairs = filters.to_vec();
        pairs.extend(extra);
        match query_string(&pairs) {
            q if q.is_empty() => "/admin/audit".to_string(),
            q => format!("/admin/audit?{q}"),
        }
    };
    let mut page = AuditPage {
        filtered: filters.iter().any(|(_, v)| !v.trim().is_empty()),
        newest: if before_seq.is_some() {
            link(None)
        } else {
            String::new()
        },
        chrome,
        form: form.clone(),
        errors: FieldErrors::none(),
        entries: Vec::new(),
        older: String::new(),
    };
    match audit::list(&state, &caller, q).await {
        Ok(mut rows) => {
            let more = rows.len() as i64 > PER_PAGE;
            rows.truncate(PER_PAGE as usize);
            if more && let Some(last) = rows.last() {
                page.older = link(Some(("before_seq", &last.seq.to_string())));
            }
            page.entries = rows
                .into_iter()
                .map(|e| Entry::new(&page.chrome, e))
                .collect();
            Ok(html(StatusCode::OK, render(&page)?))
        }
        Err(e) if shown_on_form(&e) => {
            page.errors = FieldErrors::of(&e);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn line(field: &str, before: Option<&str>, after: Option<&str>) -> ChangeLine {
        ChangeLine {
            field: field.into(),
            before: before.map(str::to_string),
            after: after.map(str::to_string),
        }
    }

    #[test]
    fn a_status_change_reads_field_by_field() {
        let before = json!({"status": "active", "status_reason": null});
        let after = json!({"status": "revoked", "status_reason": "premises closed"});
        assert_eq!(
            summarise(Some(&before), Some(&after)),
            [
                line("status", Some("active"), Some("revoked")),
                line("status reason", Some("none"), Some("premises closed")),
            ]
        );
    }

    #[test]
    fn unchanged_fields_are_left_out_and_one_sided_ones_kept() {
        let before = json!({"status": "active", "gone": 1});
        let after = json!({"status": "active", "scopes": ["building", "event"], "ok": true});
        assert_eq!(
            summarise(Some(&before), Some(&after)),
            [
                line("ok", None, Some("yes")),
                line("scopes", None, Some("building, event")),
                line("gone", Some("1"), None),
            ]
        );
        assert_eq!(
            summarise(None, Some(&json!({"email": "a@b.test"}))),
            [line("email", None, Some("a@b.test"))]
        );
        assert_eq!(summarise(None, None), []);
    }

    #[test]
    fn values_that_are_not_records_are_one_line() {
        assert_eq!(
            summarise(Some(&json!("x")), Some(&json!({"a": [1, {"b": 2}]}))),
            [line("value", Some("x"), Some(r#"{"a":[1,{"b":2}]}"#))]
        );
    }
}
