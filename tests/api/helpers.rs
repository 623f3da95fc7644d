//! Boots the real app on a random port with a fresh database: SQLite in a temp dir,
//! or a new PostgreSQL database when PROTECTCERT_TEST_DATABASE_URL is set.

use std::net::TcpListener;

use diesel::{Connection, RunQueryDsl};
use protectcert::config::Settings;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

/// A file that passes as a PDF evidence upload.
pub const SMALL_PDF: &[u8] = b"%PDF-1.4\n% evidence\n%%EOF\n";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub db: protectcert::db::Db,
    /// The running app's state (its hashing pool, its log-in throttle).
    /// The running app's state, when it runs in this process (`spawn_app`).
    pub state: Option<protectcert::state::AppState>,
    _dir: tempfile::TempDir,
}

/// A fresh database URL: a SQLite file, or a new PostgreSQL database.
pub fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("PROTECTCERT_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("pc_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = diesel::PgConnection::establish(&admin_url)
                .expect("connect to PROTECTCERT_TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .expect("create test database");
            match admin_url.rfind('/') {
                Some(slash) if slash > "postgres://".len() => {
                    format!("{}/{name}", &admin_url[..slash])
                }
                _ => format!("{admin_url}/{name}"),
            }
        }
        _ => dir.join("protectcert.db").to_string_lossy().into_owned(),
    }
}

/// A client that drops idle connections before the server's keep-alive (5 s) ends
/// them: otherwise a request sent on a connection the server is just closing (after
/// a slow step of a test) fails with "IncompleteMessage".
fn test_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("client")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::defaults().expect("default settings");
    settings.data_dir = dir.path().to_path_buf();
    settings.database_url = fresh_database(dir.path());
    settings.database_pool_size = 4;
    settings.checklists_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/config/checklists").into();
    let default_public_url = settings.public_url.clone();
    // Tests verify many times from one address; the limit has its own tests.
    settings.public_rate_per_minute = 0;
    customise(&mut settings);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let address = format!("http://127.0.0.1:{port}");
    // A public URL the test chose (an https one, say) is kept; otherwise this app's.
    if settings.public_url == default_public_url {
        settings.public_url = address.clone();
    }
    let state = protectcert::startup::prepare(settings.clone())
        .await
        .expect("prepare app");
    let db = state.db.clone();
    let kept = state.clone();
    let server = protectcert::startup::serve(state, listener).expect("server");
    tokio::spawn(server);
    TestApp {
        address,
        client: test_client(),
        settings,
        db,
        state: Some(kept),
        _dir: dir,
    }
}

impl TestApp {
    /// Runs `protectcert audit verify` on this app's register and fails the test,
    /// with what it printed, unless the chain holds.
    pub fn assert_audit_chain_holds(&self) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_protectcert"))
            .args(["audit", "verify"])
            .env("PROTECTCERT_DATABASE_URL", &self.settings.database_url)
            .env("PROTECTCERT_DATA_DIR", &self.settings.data_dir)
            .output()
            .expect("run protectcert");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A handle on a service running elsewhere (the real binary) at `address` with
    /// `settings`, whose data dir is `dir`: its database is opened with the same
    /// audit key, so that set-up through `db` (an admin, say) is chained like the
    /// service's own entries.
    pub fn attached(address: String, settings: Settings, dir: tempfile::TempDir) -> TestApp {
        let db = protectcert::db::Db::connect(&settings.database_url(), 4).expect("database");
        let db = protectcert::audit_key::keyed(db, &settings).expect("audit key");
        TestApp {
            address,
            client: test_client(),
            settings,
            db,
            state: None,
            _dir: dir,
        }
    }
}

/// A JSON response read into status + body, asserting problem+json on errors.
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    pub async fn from(res: Response) -> Reply {
        let status = res.status();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status.is_client_error() || status.is_server_error() {
            assert_eq!(
                content_type, "application/problem+json",
                "error {status} must be problem+json, body: {body}"
            );
            assert_eq!(
                body["status"],
                status.as_u16(),
                "problem status field: {body}"
            );
        }
        Reply { status, body }
    }

    #[track_caller]
    pub fn ok(self) -> Value {
        assert!(
            self.status.is_success(),
            "expected success, got {}: {}",
            self.status,
            self.body
        );
        self.body
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        self.body
    }

    /// The field names a problem reports.
    pub fn fields(body: &Value) -> Vec<String> {
        body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Reply::from(req.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request("GET", path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request("POST", path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request("PUT", path, token, Some(body)).await
    }

    pub async fn login(&self, email: &str) -> String {
        let body = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": PASSWORD}),
            )
            .await
            .ok();
        body["token"].as_str().expect("token").to_string()
    }

    /// Creates an admin the way a fresh install does (the CLI path) and logs in.
    pub async fn admin(&self) -> String {
        let email = format!("admin-{}@scheme.test", uuid::Uuid::new_v4().simple());
        let db = self.db.clone();
        let e = email.clone();
        tokio::task::spawn_blocking(move || {
            protectcert::service::accounts::create_admin_cli(&db, "Scheme Admin", &e, PASSWORD)
        })
        .await
        .expect("join")
        .expect("create admin");
        self.login(&email).await
    }

    /// Signs up an operator with a new organisation; returns (token, organisation id).
    pub async fn operator(&self, organisation: &str) -> (String, String) {
        let email = format!("op-{}@venue.test", uuid::Uuid::new_v4().simple());
        let body = self
            .post(
                "/api/v1/auth/signup",
                None,
                json!({"organisation": organisation, "name": "Olive Operator", "email": email, "password": PASSWORD}),
            )
            .await
            .expect(202);
        assert_eq!(body["email"], email.as_str());
        let token = self.login(&email).await;
        let me = self.get("/api/v1/me", Some(&token)).await.ok();
        let org = me["organisation"]["id"]
            .as_str()
            .expect("org id")
            .to_string();
        (token, org)
    }

    /// Accredits an advisor (by an admin); returns (token, advisor user id).
    pub async fn advisor(
        &self,
        admin: &str,
        scopes: &[&str],
        tied_organisation: Option<&str>,
    ) -> (String, String) {
        let email = format!("adv-{}@advisors.test", uuid::Uuid::new_v4().simple());
        let number = format!("ACC-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let body = self
            .post(
                "/api/v1/advisors",
                Some(admin),
                json!({
                    "name": "Ada Advisor", "email": email, "password": PASSWORD,
                    "accreditation_number": number, "accredited_until": "2099-12-31",
                    "scopes": scopes, "tied_organisation_id": tied_organisation,
                }),
            )
            .await
            .expect(201);
        let id = body["id"].as_str().expect("advisor id").to_string();
        (self.login(&email).await, id)
    }

    pub async fn police(&self, admin: &str) -> String {
        let email = format!("pc-{}@police.test", uuid::Uuid::new_v4().simple());
        self.post(
            "/api/v1/users",
            Some(admin),
            json!({"name": "Pat Constable", "email": email, "password": PASSWORD, "role": "police"}),
        )
        .await
        .expect(201);
        self.login(&email).await
    }

    /// Registers a building with a current fire risk assessment on file (the
    /// prerequisite for submitting); `building_without_fire_safety` for one without.
    pub async fn building(&self, operator: &str, capacity: u32) -> Value {
        let premises = self.post(
            "/api/v1/premises",
            Some(operator),
            json!({
                "kind": "building", "name": "Riverside Hall", "address": "1 Quay Street, Bristol",
                "postcode": "BS1 4DJ", "capacity": capacity,
            }),
        )
        .await
        .expect(201);
        self.record_fire_safety(operator, &premises).await;
        premises
    }

    /// Registers an event with a current fire risk assessment on file.
    pub async fn event(&self, operator: &str, capacity: u32) -> Value {
        let start = time::OffsetDateTime::now_utc() + time::Duration::days(60);
        let end = start + time::Duration::days(2);
        let fmt = &time::format_description::well_known::Rfc3339;
        let premises = self.post(
            "/api/v1/premises",
            Some(operator),
            json!({
                "kind": "event", "name": "Harbour Festival", "address": "Harbourside, Bristol",
                "postcode": "BS1 5TX", "capacity": capacity,
                "event_start": start.format(fmt).expect("fmt"), "event_end": end.format(fmt).expect("fmt"),
            }),
        )
        .await
        .expect(201);
        self.record_fire_safety(operator, &premises).await;
        premises
    }

    /// Attaches a small PDF to the application, for `item` (or the whole application).
    pub async fn attach(&self, operator: &str, application_id: &str, item: Option<&str>) -> Value {
        let part = reqwest::multipart::Part::bytes(SMALL_PDF.to_vec())
            .file_name("plan.pdf")
            .mime_str("application/pdf")
            .expect("mime");
        let mut form = reqwest::multipart::Form::new().part("file", part);
        if let Some(item) = item {
            form = form.text("item_id", item.to_string());
        }
        let res = self
            .client
            .post(self.url(&format!("/api/v1/applications/{application_id}/evidence")))
            .bearer_auth(operator)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        Reply::from(res).await.expect(201)
    }

    /// Starts an application, answers every applicable item `in_place` and attaches
    /// a PDF to each item that requires evidence, so that it can be submitted.
    pub async fn answered_application(&self, operator: &str, premises_id: &str) -> Value {
        let app = self
            .post(
                "/api/v1/applications",
                Some(operator),
                json!({"premises_id": premises_id}),
            )
            .await
            .expect(201);
        let id = app["id"].as_str().expect("id").to_string();
        for item in app["items"].as_array().expect("items") {
            let item_id = item["id"].as_str().expect("item id");
            self.put(
                &format!("/api/v1/applications/{id}/answers/{item_id}"),
                Some(operator),
                json!({"status": "in_place", "note": "documented"}),
            )
            .await
            .ok();
            if item["evidence_required"] == true {
                self.attach(operator, &id, Some(item_id)).await;
            }
        }
        app
    }

    /// Scores every item of a claimed application with `score_for(item)`.
    pub async fn score_all(&self, advisor: &str, app: &Value, score_for: impl Fn(&Value) -> Value) {
        let id = app["id"].as_str().expect("id");
        let scores: Vec<Value> = app["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|item| {
                let score = score_for(item);
                // Not applicable needs its reason (checklist version 2).
                let note = if score.is_null() {
                    "does not apply to these premises"
                } else {
                    ""
                };
                json!({"item_id": item["id"], "score": score, "note": note})
            })
            .collect();
        self.put(
            &format!("/api/v1/applications/{id}/scores"),
            Some(advisor),
            json!({"scores": scores}),
        )
        .await
        .ok();
    }
}

impl TestApp {
    /// The operator submits application `id` (it must succeed).
    pub async fn submit(&self, operator: &str, id: &str) -> Value {
        self.post(
            &format!("/api/v1/applications/{id}/submit"),
            Some(operator),
            json!({}),
        )
        .await
        .ok()
    }

    /// The operator submits application `id` and the advisor claims it; returns the
    /// claimed application (with its items).
    pub async fn submit_and_claim(&self, operator: &str, advisor: &str, id: &str) -> Value {
        self.submit(operator, id).await;
        self.post(
            &format!("/api/v1/applications/{id}/claim"),
            Some(advisor),
            json!({}),
        )
        .await
        .ok()
    }

    /// Takes an answered application through the assessment: the operator submits,
    /// the advisor claims, scores every item with `score_for` and completes. Where
    /// the premises need a second sign-off, an admin approves it, so that the
    /// completion is always final. Returns (the claimed application, the completion
    /// or, after a sign-off, the sign-off's answer, which has the same shape).
    pub async fn assess(
        &self,
        operator: &str,
        advisor: &str,
        application: &Value,
        score_for: impl Fn(&Value) -> Value,
    ) -> (Value, Value) {
        let (claimed, completion) = self
            .assess_until_sign_off(operator, advisor, application, score_for)
            .await;
        if completion["status"] == "awaiting_sign_off" {
            let id = application["id"].as_str().expect("id");
            let reviewer = self.admin().await;
            let signed = self.approve_sign_off(&reviewer, id).await;
            return (claimed, signed);
        }
        (claimed, completion)
    }
}

/// A whole scheme with one certified building, for tests that start from there.
pub struct Scheme {
    pub admin: String,
    pub operator: String,
    pub advisor: String,
    pub advisor_id: String,
    pub premises: Value,
    pub application: Value,
    pub completion: Value,
}

impl Scheme {
    pub fn number(&self) -> &str {
        self.completion["certificate"]["number"]
            .as_str()
            .expect("certificate number")
    }
}

pub async fn certified_scheme(app: &TestApp) -> Scheme {
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let (advisor, advisor_id) = app.advisor(&admin, &["building", "event"], None).await;
    let premises = app.building(&operator, 450).await;
    let application = app
        .answered_application(&operator, premises["id"].as_str().expect("id"))
        .await;
    let (claimed, completion) = app
        .assess(&operator, &advisor, &application, |item| {
            item["max_score"].clone()
        })
        .await;
    Scheme {
        admin,
        operator,
        advisor,
        advisor_id,
        premises,
        application: claimed,
        completion,
    }
}

// Part 3: the second sign-off.
impl TestApp {
    /// As `assess`, but stops at the completion: for premises that need a second
    /// sign-off, the application is left `awaiting_sign_off`.
    pub async fn assess_until_sign_off(
        &self,
        operator: &str,
        advisor: &str,
        application: &Value,
        score_for: impl Fn(&Value) -> Value,
    ) -> (Value, Value) {
        let id = application["id"].as_str().expect("id");
        let claimed = self.submit_and_claim(operator, advisor, id).await;
        self.score_all(advisor, &claimed, score_for).await;
        let completion = self
            .post(
                &format!("/api/v1/applications/{id}/complete"),
                Some(advisor),
                json!({}),
            )
            .await
            .ok();
        (claimed, completion)
    }

    /// A reviewer's sign-off decision (`approve` or `return`) on application `id`.
    pub async fn sign_off(
        &self,
        reviewer: &str,
        id: &str,
        decision: &str,
        note: Option<&str>,
    ) -> Reply {
        self.post(
            &format!("/api/v1/applications/{id}/sign-off"),
            Some(reviewer),
            json!({"decision": decision, "note": note}),
        )
        .await
    }

    /// The reviewer approves application `id`; returns the answer (outcome,
    /// result, conditions, certificate).
    pub async fn approve_sign_off(&self, reviewer: &str, id: &str) -> Value {
        self.sign_off(reviewer, id, "approve", None).await.ok()
    }
}

// Part 1 of issue 11: conditions to closure.

/// A scheme whose building (with a designated senior individual at
/// `dsi@venue.test`) is certified with exactly one condition: one non-critical
/// item scores 0.
pub async fn conditional_scheme(app: &TestApp) -> Scheme {
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let (advisor, advisor_id) = app.advisor(&admin, &["building", "event"], None).await;
    let premises = app
        .register_premises(
            &operator,
            json!({
                "kind": "building", "name": "Riverside Hall", "address": "1 Quay Street, Bristol",
                "postcode": "BS1 4DJ", "capacity": 450,
                "designated_senior_individual": {"name": "Sam Senior", "email": "dsi@venue.test"},
            }),
        )
        .await;
    let (application, completion) = app
        .conditional_certificate(&operator, &advisor, &premises)
        .await;
    Scheme {
        admin,
        operator,
        advisor,
        advisor_id,
        premises,
        application,
        completion,
    }
}

impl TestApp {
    /// Certifies `premises` with one condition (its first non-critical item scores 0):
    /// (the claimed application, the completion).
    pub async fn conditional_certificate(
        &self,
        operator: &str,
        advisor: &str,
        premises: &Value,
    ) -> (Value, Value) {
        let application = self
            .answered_application(operator, premises["id"].as_str().expect("id"))
            .await;
        let gap = application["items"]
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .find(|i| !i["critical"].as_bool().unwrap_or(false))
            })
            .map(|i| i["id"].clone())
            .expect("a non-critical item");
        let (claimed, completion) = self
            .assess(operator, advisor, &application, |item| {
                if item["id"] == gap {
                    json!(0)
                } else {
                    item["max_score"].clone()
                }
            })
            .await;
        assert_eq!(
            completion["outcome"], "certified_with_conditions",
            "{completion}"
        );
        (claimed, completion)
    }

    /// Submits `file` (a small PDF when none) and `note` as evidence for a condition.
    pub async fn submit_condition_evidence(
        &self,
        token: &str,
        number: &str,
        condition_id: &str,
        note: Option<&str>,
    ) -> Reply {
        let part = reqwest::multipart::Part::bytes(SMALL_PDF.to_vec())
            .file_name("drill-log.pdf")
            .mime_str("application/pdf")
            .expect("mime");
        let mut form = reqwest::multipart::Form::new().part("file", part);
        if let Some(note) = note {
            form = form.text("note", note.to_string());
        }
        Reply::from(
            self.client
                .post(self.url(&format!(
                    "/api/v1/certificates/{number}/conditions/{condition_id}/evidence"
                )))
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await
                .expect("evidence upload"),
        )
        .await
    }
}

// Part 4 (advisor oversight).
impl TestApp {
    /// Certifies `premises_id` (full marks) with `advisor`; returns the new
    /// certificate's number (an earlier one of the premises is superseded).
    pub async fn certify(&self, operator: &str, advisor: &str, premises_id: &str) -> String {
        let application = self.answered_application(operator, premises_id).await;
        let (_, completion) = self
            .assess(operator, advisor, &application, |item| {
                item["max_score"].clone()
            })
            .await;
        completion["certificate"]["number"]
            .as_str()
            .expect("certificate number")
            .to_string()
    }
}

// Issue 11 part 5: fire safety on file.
impl TestApp {
    /// Records a current fire risk assessment for `premises` (made a month ago, next
    /// reviewed in two years): what every submitting test needs on file. Its review
    /// reminders fall well after a new certificate's, so that tests counting
    /// certificate reminders see only theirs.
    pub async fn record_fire_safety(&self, operator: &str, premises: &Value) -> Value {
        let today = time::OffsetDateTime::now_utc().date();
        let id = premises["id"].as_str().expect("premises id");
        self.put(
            &format!("/api/v1/premises/{id}/fire-safety"),
            Some(operator),
            json!({
                "assessor": "Blaze Fire Risk Ltd",
                "assessed_on": (today - time::Duration::days(30)).to_string(),
                "next_review_on": (today + time::Duration::days(730)).to_string(),
            }),
        )
        .await
        .expect(200)
    }

    /// Registers premises described by `body` and records a current fire risk
    /// assessment for them, so that they can be applied for and submitted.
    pub async fn register_premises(&self, operator: &str, body: Value) -> Value {
        let premises = self
            .post("/api/v1/premises", Some(operator), body)
            .await
            .expect(201);
        self.record_fire_safety(operator, &premises).await;
        premises
    }

    /// A building with no fire risk assessment on file.
    pub async fn building_without_fire_safety(&self, operator: &str, capacity: u32) -> Value {
        self.post(
            "/api/v1/premises",
            Some(operator),
            json!({
                "kind": "building", "name": "Riverside Hall", "address": "1 Quay Street, Bristol",
                "postcode": "BS1 4DJ", "capacity": capacity,
            }),
        )
        .await
        .expect(201)
    }

    /// Attaches a small PDF to the premises' fire risk assessment on file.
    pub async fn attach_fire_safety(&self, operator: &str, premises_id: &str) -> Reply {
        let part = reqwest::multipart::Part::bytes(SMALL_PDF.to_vec())
            .file_name("fire-risk-assessment.pdf")
            .mime_str("application/pdf")
            .expect("mime");
        let form = reqwest::multipart::Form::new().part("file", part);
        let res = self
            .client
            .post(self.url(&format!(
                "/api/v1/premises/{premises_id}/fire-safety/evidence"
            )))
            .bearer_auth(operator)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        Reply::from(res).await
    }
}

// issue 11 part 2: appeals

/// The critical item the appeal helpers score down to refuse (`gov-01`).
pub const APPEAL_ITEM: &str = "gov-01";
/// A non-critical item the appeal helpers score down to raise a condition.
pub const CONDITION_ITEM: &str = "gov-03";

impl TestApp {
    /// A standard-tier building assessed by `advisor` with every item at the
    /// maximum except those in `low` (item id → score); returns (the claimed
    /// application, the completion).
    pub async fn assessed_with(
        &self,
        operator: &str,
        advisor: &str,
        low: &[(&str, u8)],
    ) -> (Value, Value) {
        let premises = self.building(operator, 300).await;
        let application = self
            .answered_application(operator, premises["id"].as_str().expect("id"))
            .await;
        let low: Vec<(String, u8)> = low.iter().map(|(i, s)| (i.to_string(), *s)).collect();
        self.assess(operator, advisor, &application, |item| {
            match low.iter().find(|(i, _)| item["id"] == i.as_str()) {
                Some((_, s)) => json!(s),
                None => item["max_score"].clone(),
            }
        })
        .await
    }

    /// The operator appeals application `id` on `items`; returns the appeal.
    pub async fn appeal(&self, operator: &str, id: &str, items: &[&str]) -> Value {
        self.post(
            &format!("/api/v1/applications/{id}/appeal"),
            Some(operator),
            json!({"items": items, "grounds": "The plan was in place and exercised; see the attached log."}),
        )
        .await
        .expect(201)
    }

    /// Attaches a small PDF to appeal `id`.
    pub async fn attach_to_appeal(&self, operator: &str, id: &str) -> Value {
        let part = reqwest::multipart::Part::bytes(SMALL_PDF.to_vec())
            .file_name("exercise-log.pdf")
            .mime_str("application/pdf")
            .expect("mime");
        let res = self
            .client
            .post(self.url(&format!("/api/v1/appeals/{id}/evidence")))
            .bearer_auth(operator)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .expect("upload");
        Reply::from(res).await.expect(201)
    }

    /// The reviewer claims appeal `id` (unless already theirs), scores `scores`
    /// (item, score) with a note and decides; returns the decision.
    pub async fn review_appeal(&self, reviewer: &str, id: &str, scores: &[(&str, u8)]) -> Value {
        let appeal = self
            .get(&format!("/api/v1/appeals/{id}"), Some(reviewer))
            .await
            .ok();
        if appeal["state"] == "lodged" {
            self.post(
                &format!("/api/v1/appeals/{id}/claim"),
                Some(reviewer),
                json!({}),
            )
            .await
            .ok();
        }
        let scores: Vec<Value> = scores
            .iter()
            .map(|(i, s)| json!({"item_id": i, "score": s, "note": "Reviewed on appeal: the exercise log shows it in place."}))
            .collect();
        self.put(
            &format!("/api/v1/appeals/{id}/scores"),
            Some(reviewer),
            json!({"scores": scores}),
        )
        .await
        .ok();
        self.post(
            &format!("/api/v1/appeals/{id}/decide"),
            Some(reviewer),
            json!({}),
        )
        .await
        .ok()
    }
}

// Issue 12 part B: the verification path at gate speed.
/// A second instance of the app on `app`'s database and data dir (the same audit
/// key, signing keys and register), as a second server behind a load balancer.
pub async fn spawn_second_instance(app: &TestApp) -> TestApp {
    spawn_second_instance_with(app, |_| {}).await
}

/// As `spawn_second_instance`, with settings changed (a later commencement date, …).
pub async fn spawn_second_instance_with(
    app: &TestApp,
    customise: impl FnOnce(&mut Settings),
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = app.settings.clone();
    customise(&mut settings);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let state = protectcert::startup::prepare(settings.clone())
        .await
        .expect("prepare the second instance");
    let db = state.db.clone();
    let kept = state.clone();
    let server = protectcert::startup::serve(state, listener).expect("server");
    tokio::spawn(server);
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: test_client(),
        settings,
        db,
        state: Some(kept),
        _dir: dir,
    }
}
