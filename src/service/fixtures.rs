//! Rows for the service's database-backed unit tests (an SQLite file per test).

use crate::checklists::ChecklistStore;
use crate::db::models::{Advisor, Application, Organisation, Premises, User};
use crate::db::{self, Db, DbConnection, now};
use crate::domain::accreditation::AccreditationStatus;
use crate::domain::actor::Role;
use crate::domain::application::ApplicationStatus;
use crate::domain::tier::{PremisesKind, Tier};

pub struct TestDb {
    pub db: Db,
    pub checklists: ChecklistStore,
    _dir: tempfile::TempDir,
}

pub fn test_db() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::connect(&dir.path().join("t.db").to_string_lossy(), 2)
        .expect("db")
        .with_audit_key(crate::domain::audit::AuditKey::new(vec![7; 32]).expect("key"));
    db.migrate().expect("migrate");
    let checklists =
        ChecklistStore::publish_and_load(&db, std::path::Path::new("config/checklists"))
            .expect("checklists");
    TestDb {
        db,
        checklists,
        _dir: dir,
    }
}

pub fn organisation(conn: &mut DbConnection, id: &str) {
    let org = Organisation {
        id: id.into(),
        name: id.into(),
        created_at: now(),
    };
    db::users::insert_organisation(conn, &org).expect("organisation");
}

pub fn user(conn: &mut DbConnection, id: &str, role: Role, org: Option<&str>) {
    let user = User {
        id: id.into(),
        organisation_id: org.map(str::to_string),
        role,
        name: id.into(),
        email: format!("{id}@x.test"),
        password_hash: String::new(),
        created_at: now(),
        session_version: 0,
        active: true,
    };
    db::users::insert(conn, &user).expect("user");
}

pub fn advisor(
    conn: &mut DbConnection,
    id: &str,
    status: AccreditationStatus,
    until: time::Date,
    scopes: &str,
    tied: Option<&str>,
) -> Advisor {
    user(conn, id, Role::Advisor, None);
    let a = Advisor {
        user_id: id.into(),
        accreditation_number: format!("PSA-{id}"),
        accredited_until: until,
        scopes: scopes.into(),
        status,
        tied_organisation_id: tied.map(str::to_string),
        created_at: now(),
    };
    db::advisors::insert(conn, &a).expect("advisor");
    a
}

pub fn premises(conn: &mut DbConnection, id: &str, org: &str, kind: PremisesKind) -> Premises {
    let at = now();
    let p = Premises {
        id: id.into(),
        organisation_id: org.into(),
        kind,
        name: format!("Hall {id}"),
        address: "1 Quay Street, Bristol".into(),
        town: "Bristol".into(),
        postcode: "BS1 4DJ".into(),
        capacity: 300,
        place_of_worship: false,
        event_start: None,
        event_end: None,
        dsi_name: None,
        dsi_email: None,
        created_at: at,
        updated_at: at,
        responsible_person: crate::domain::qualifying::ResponsiblePerson::Organisation,
        schedule1_use: None,
        schedule2_exclusion: crate::domain::qualifying::Schedule2Exclusion::None,
    };
    db::premises::insert(conn, &p).expect("premises");
    p
}

pub fn application(
    conn: &mut DbConnection,
    checklists: &ChecklistStore,
    id: &str,
    prem: &Premises,
    status: ApplicationStatus,
    advisor: Option<&str>,
    created_by: &str,
) -> Application {
    let at = now();
    let checklist = checklists.latest(prem.kind).expect("checklist");
    let app = Application {
        id: id.into(),
        premises_id: prem.id.clone(),
        organisation_id: prem.organisation_id.clone(),
        checklist_id: checklist.id.clone(),
        tier: Tier::Standard,
        status,
        advisor_id: advisor.map(str::to_string),
        outcome: None,
        result: None,
        created_by: created_by.into(),
        created_at: at,
        submitted_at: None,
        assigned_at: None,
        completed_at: None,
        updated_at: at,
    };
    db::applications::insert(conn, &app).expect("application");
    app
}
