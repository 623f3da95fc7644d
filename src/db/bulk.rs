//! Batched inserts for filling a register fast (`protectcert bench seed`): many
//! rows per INSERT statement, the same SQL on SQLite and PostgreSQL.
//!
//! Values are written into the statement as SQL literals rather than bound, so a
//! statement of a thousand rows is not limited by PostgreSQL's 65,535 bind
//! parameters nor SQLite's 32,766 host parameters. Every text is quoted with
//! [`Sql::text`] (single quotes doubled; both backends use standard strings), and
//! the values are the generator's own, never a visitor's.

use diesel::RunQueryDsl;
use time::{Date, PrimitiveDateTime};

use super::DbConnection;
use super::models::{Application, Certificate, Organisation, Premises, Score, User};

/// Rows per INSERT statement.
pub const ROWS_PER_STATEMENT: usize = 500;

/// Appends SQL literals to a statement.
pub struct Sql(String);

impl Sql {
    fn text(&mut self, s: &str) -> &mut Self {
        self.0.push('\'');
        for c in s.chars() {
            match c {
                '\'' => self.0.push_str("''"),
                // Neither backend stores NUL in text; the generator never makes one.
                '\0' => {}
                c => self.0.push(c),
            }
        }
        self.0.push('\'');
        self.0.push(',');
        self
    }

    fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    fn null(&mut self) -> &mut Self {
        self.0.push_str("NULL,");
        self
    }

    fn int(&mut self, n: i64) -> &mut Self {
        self.0.push_str(&n.to_string());
        self.0.push(',');
        self
    }

    fn opt_int(&mut self, n: Option<i64>) -> &mut Self {
        match n {
            Some(n) => self.int(n),
            None => self.null(),
        }
    }

    fn boolean(&mut self, b: bool) -> &mut Self {
        // Both backends read TRUE and FALSE (SQLite stores 1 and 0, as diesel does).
        self.0.push_str(if b { "TRUE," } else { "FALSE," });
        self
    }

    fn at(&mut self, t: PrimitiveDateTime) -> &mut Self {
        // Whole seconds, `YYYY-MM-DD HH:MM:SS`: the form both backends compare right.
        self.text(&format!(
            "{} {:02}:{:02}:{:02}",
            t.date(),
            t.hour(),
            t.minute(),
            t.second()
        ))
    }

    fn opt_at(&mut self, t: Option<PrimitiveDateTime>) -> &mut Self {
        match t {
            Some(t) => self.at(t),
            None => self.null(),
        }
    }

    fn date(&mut self, d: Date) -> &mut Self {
        self.text(&d.to_string())
    }

    /// Ends a row: `(…, …, …)`.
    fn end_row(&mut self) {
        if self.0.ends_with(',') {
            self.0.pop();
        }
        self.0.push_str("),");
    }
}

/// Inserts `rows` into `table (columns)`, `ROWS_PER_STATEMENT` to a statement, each
/// row's values written by `values`.
fn insert_all<T>(
    conn: &mut DbConnection,
    table: &str,
    columns: &str,
    rows: &[T],
    values: impl Fn(&mut Sql, &T),
) -> diesel::QueryResult<usize> {
    let mut written = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql(String::with_capacity(chunk.len() * 400));
        sql.0
            .push_str(&format!("INSERT INTO {table} ({columns}) VALUES "));
        for row in chunk {
            sql.0.push('(');
            values(&mut sql, row);
            sql.end_row();
        }
        sql.0.pop();
        written += diesel::sql_query(sql.0).execute(conn)?;
    }
    Ok(written)
}

pub fn insert_organisations(
    conn: &mut DbConnection,
    rows: &[Organisation],
) -> diesel::QueryResult<usize> {
    insert_all(
        conn,
        "organisations",
        "id, name, created_at",
        rows,
        |s, o| {
            s.text(&o.id).text(&o.name).at(o.created_at);
        },
    )
}

pub fn insert_users(conn: &mut DbConnection, rows: &[User]) -> diesel::QueryResult<usize> {
    insert_all(
        conn,
        "users",
        "id, organisation_id, role, name, email, password_hash, created_at, session_version, active",
        rows,
        |s, u| {
            s.text(&u.id)
                .opt_text(u.organisation_id.as_deref())
                .text(u.role.as_str())
                .text(&u.name)
                .text(&u.email)
                .text(&u.password_hash)
                .at(u.created_at)
                .int(i64::from(u.session_version))
                .boolean(u.active);
        },
    )
}

/// An accredited advisor's row (the user row is inserted by [`insert_users`]).
pub struct AdvisorRow {
    pub user_id: String,
    pub accreditation_number: String,
    pub accredited_until: Date,
    /// Comma-separated premises kinds.
    pub scopes: String,
    pub created_at: PrimitiveDateTime,
}

pub fn insert_advisors(conn: &mut DbConnection, rows: &[AdvisorRow]) -> diesel::QueryResult<usize> {
    insert_all(
        conn,
        "advisors",
        "user_id, accreditation_number, accredited_until, scopes, status, tied_organisation_id, created_at",
        rows,
        |s, a| {
            s.text(&a.user_id)
                .text(&a.accreditation_number)
                .date(a.accredited_until)
                .text(&a.scopes)
                .text("active")
                .null()
                .at(a.created_at);
        },
    )
}

pub fn insert_premises(conn: &mut DbConnection, rows: &[Premises]) -> diesel::QueryResult<usize> {
    insert_all(
        conn,
        "premises",
        "id, organisation_id, kind, name, address, town, postcode, capacity, place_of_worship, \
         event_start, event_end, dsi_name, dsi_email, created_at, updated_at",
        rows,
        |s, p| {
            s.text(&p.id)
                .text(&p.organisation_id)
                .text(p.kind.as_str())
                .text(&p.name)
                .text(&p.address)
                .text(&p.town)
                .text(&p.postcode)
                .int(i64::from(p.capacity))
                .boolean(p.place_of_worship)
                .opt_at(p.event_start)
                .opt_at(p.event_end)
                .opt_text(p.dsi_name.as_deref())
                .opt_text(p.dsi_email.as_deref())
                .at(p.created_at)
                .at(p.updated_at);
        },
    )
}

pub fn insert_applications(
    conn: &mut DbConnection,
    rows: &[Application],
) -> diesel::QueryResult<usize> {
    insert_all(
        conn,
        "applications",
        "id, premises_id, organisation_id, checklist_id, tier, status, advisor_id, outcome, \
         result, created_by, created_at, submitted_at, assigned_at, completed_at, updated_at",
        rows,
        |s, a| {
            s.text(&a.id)
                .text(&a.premises_id)
                .text(&a.organisation_id)
                .text(&a.checklist_id)
                .text(a.tier.as_str())
                .text(a.status.as_str())
                .opt_text(a.advisor_id.as_deref())
                .opt_text(a.outcome.map(|o| o.as_str()))
                .opt_text(a.result.as_deref())
                .text(&a.created_by)
                .at(a.created_at)
                .opt_at(a.submitted_at)
                .opt_at(a.assigned_at)
                .opt_at(a.completed_at)
                .at(a.updated_at);
        },
    )
}

pub fn insert_scores(conn: &mut DbConnection, rows: &[Score]) -> diesel::QueryResult<usize> {
    insert_all(
        conn,
        "scores",
        "application_id, item_id, score, note, updated_at",
        rows,
        |s, r| {
            s.text(&r.application_id)
                .text(&r.item_id)
                .opt_int(r.score.map(i64::from))
                .text(&r.note)
                .at(r.updated_at);
        },
    )
}

/// Every certificate the generator writes goes through here (one place to fill
/// any column derived from a certificate's fields).
pub fn insert_certificates(
    conn: &mut DbConnection,
    rows: &[Certificate],
) -> diesel::QueryResult<usize> {
    insert_all(
        conn,
        "certificates",
        "id, number, application_id, premises_id, organisation_id, kind, tier, premises_name, \
         address, town, postcode, advisor_id, advisor_name, accreditation_number, checklist_id, \
         outcome, conditions, issued_at, expires_at, status, status_reason, superseded_by, \
         updated_at, status_index, accreditation_status_at_issue, postcode_key, district",
        rows,
        |s, c| {
            s.text(&c.id)
                .text(&c.number)
                .text(&c.application_id)
                .text(&c.premises_id)
                .text(&c.organisation_id)
                .text(c.kind.as_str())
                .text(c.tier.as_str())
                .text(&c.premises_name)
                .text(&c.address)
                .text(&c.town)
                .text(&c.postcode)
                .text(&c.advisor_id)
                .text(&c.advisor_name)
                .text(&c.accreditation_number)
                .text(&c.checklist_id)
                .text(c.outcome.as_str())
                .text(&c.conditions)
                .at(c.issued_at)
                .at(c.expires_at)
                .text(c.status.as_str())
                .opt_text(c.status_reason.as_deref())
                .opt_text(c.superseded_by.as_deref())
                .at(c.updated_at)
                .opt_int(c.status_index.map(i64::from))
                .opt_text(c.accreditation_status_at_issue.as_deref())
                .text(&c.postcode_key)
                .text(&c.district);
        },
    )?;
    // The words of each name, for the police search by name (as the one-row insert
    // writes them: `db::certificates::insert`).
    let terms: Vec<(String, PrimitiveDateTime, &str)> = rows
        .iter()
        .flat_map(|c| {
            crate::domain::search_keys::name_terms(&c.premises_name)
                .into_iter()
                .map(move |term| (term, c.issued_at, c.number.as_str()))
        })
        .collect();
    insert_all(
        conn,
        "certificate_terms",
        "term, issued_at, number",
        &terms,
        |s, (term, issued_at, number)| {
            s.text(term).at(*issued_at).text(number);
        },
    )?;
    Ok(rows.len())
}

/// An open condition raised at issue, with its `issued` event.
pub struct ConditionRow {
    pub id: String,
    pub certificate_id: String,
    pub item_id: String,
    pub text: String,
    pub due_at: PrimitiveDateTime,
    pub raised_by: String,
    pub created_at: PrimitiveDateTime,
    pub event_id: String,
}

pub fn insert_conditions(
    conn: &mut DbConnection,
    rows: &[ConditionRow],
) -> diesel::QueryResult<usize> {
    insert_all(
        conn,
        "certificate_conditions",
        "id, certificate_id, item_id, text, due_at, state, raised_by, overdue_at, created_at, updated_at",
        rows,
        |s, c| {
            s.text(&c.id)
                .text(&c.certificate_id)
                .text(&c.item_id)
                .text(&c.text)
                .at(c.due_at)
                .text("open")
                .text(&c.raised_by)
                .null()
                .at(c.created_at)
                .at(c.created_at);
        },
    )?;
    insert_all(
        conn,
        "condition_events",
        "id, condition_id, at, actor_id, action, note, evidence_id",
        rows,
        |s, c| {
            s.text(&c.event_id)
                .text(&c.id)
                .at(c.created_at)
                .text(&c.raised_by)
                .text("issued")
                .text("")
                .null();
        },
    )
}

/// How many organisations and certificates the register holds (a register exists
/// when either is more than zero).
pub fn register_size(conn: &mut DbConnection) -> diesel::QueryResult<(i64, i64)> {
    use super::schema::{certificates, organisations};
    use diesel::QueryDsl;
    let orgs = organisations::table.count().get_result(conn)?;
    let certs = certificates::table.count().get_result(conn)?;
    Ok((orgs, certs))
}
