//! The pages over plain HTTP (the browser tests in tests/browser/ drive them in
//! Chromium): sessions, CSRF refusal, and the password reset by emailed link.

use diesel::prelude::*;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// A browser without JavaScript: it keeps the cookies it is given.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    pub(crate) cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Browser<'a> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser {
            app,
            client,
            cookies: Vec::new(),
        }
    }

    fn keep(&mut self, res: &reqwest::Response) {
        for value in res.headers().get_all(SET_COOKIE) {
            let text = value.to_str().expect("cookie");
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies.retain(|(n, _)| n != name);
                if !value.is_empty() {
                    self.cookies.push((name.to_string(), value.to_string()));
                }
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) fn csrf(&self) -> String {
        self.cookies
            .iter()
            .find(|(n, _)| n == "pc_csrf")
            .map(|(_, v)| v.clone())
            .expect("a CSRF cookie")
    }

    pub(crate) async fn get(&mut self, path: &str) -> (u16, String) {
        let res = self
            .client
            .get(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("get");
        self.keep(&res);
        (res.status().as_u16(), res.text().await.expect("body"))
    }

    /// Posts a form; returns the status and where it redirects to (or the body).
    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let res = self
            .client
            .post(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .form(fields)
            .send()
            .await
            .expect("post");
        self.keep(&res);
        let status = res.status().as_u16();
        match res.headers().get(LOCATION) {
            Some(to) => (status, to.to_str().expect("location").to_string()),
            None => (status, res.text().await.expect("body")),
        }
    }
}

pub(crate) async fn login_ok(app: &TestApp, email: &str, password: &str) -> bool {
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login");
    res.status() == 200
}

/// The link in the newest account email queued for `email`.
pub(crate) fn emailed_link(app: &TestApp, email: &str) -> Option<String> {
    use protectcert::db::schema::notifications;
    let mut conn = app.db.get().expect("conn");
    let rows: Vec<(String, String)> = notifications::table
        .filter(notifications::kind.eq("password_reset"))
        .order(notifications::created_at.desc())
        .select((notifications::recipients, notifications::context))
        .load(&mut *conn)
        .expect("outbox");
    rows.into_iter().find_map(|(to, context)| {
        let to: Vec<String> = serde_json::from_str(&to).ok()?;
        let context: Value = serde_json::from_str(&context).ok()?;
        to.contains(&email.to_string())
            .then(|| context["link"].as_str().map(str::to_string))
            .flatten()
    })
}

#[tokio::test]
async fn signing_up_and_logging_in_through_the_pages_sets_a_session_and_logging_out_ends_it() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    b.get("/signup").await;
    let csrf = b.csrf();
    let (status, to) = b
        .post(
            "/signup",
            &[
                ("csrf", &csrf),
                ("organisation", "Pier Venues"),
                ("name", "Pia"),
                ("email", "pia@pier.test"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, 422, "a missing password is shown on the form");
    assert!(to.contains("Pier Venues"), "what was typed is kept");
    assert!(
        to.contains("id=\"e-password\""),
        "the message sits by the field: {to}"
    );
    let (status, to) = b
        .post(
            "/signup",
            &[
                ("csrf", &csrf),
                ("organisation", "Pier Venues"),
                ("name", "Pia"),
                ("email", "pia@pier.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/login?done=signed_up"));
    let (_, page) = b.get(&to).await;
    assert!(
        page.contains("If the address is new to us, your organisation is registered"),
        "{page}"
    );
    let (status, to) = b
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", "pia@pier.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/operator"));
    assert!(
        b.cookies.iter().any(|(n, _)| n == "pc_session"),
        "logged in"
    );
    let (status, _) = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    assert!(
        !b.cookies.iter().any(|(n, _)| n == "pc_session"),
        "logged out"
    );
    let (status, page) = b
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", "pia@pier.test"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(status, 401);
    assert!(
        page.contains("The email address or password is wrong") && page.contains("pia@pier.test")
    );
    let (status, to) = b
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", "pia@pier.test"),
                ("password", PASSWORD),
                ("next", "https://evil.test/"),
            ],
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/operator"),
        "never redirected off the site"
    );
}

#[tokio::test]
async fn a_form_without_this_browsers_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    b.get("/signup").await;
    let fields = [
        ("organisation", "Forged Ltd"),
        ("name", "F"),
        ("email", "forged@x.test"),
        ("password", PASSWORD),
    ];
    let (status, page) = b.post("/signup", &fields).await;
    assert_eq!(status, 403);
    assert!(page.contains("This form has expired"), "{page}");
    let mut with_wrong = fields.to_vec();
    with_wrong.push(("csrf", "not-the-token"));
    assert_eq!(b.post("/signup", &with_wrong).await.0, 403);
    // A cross-site page has no cookie of ours at all.
    let mut stranger = Browser::new(&app);
    assert_eq!(stranger.post("/signup", &with_wrong).await.0, 403);
    assert!(
        !login_ok(&app, "forged@x.test", PASSWORD).await,
        "no account was made"
    );
}

/// Gate phones open the QR landing page in bursts; a page with no form makes no
/// token and sets no cookie, and the first page with a form sets the one it carries.
#[tokio::test]
async fn the_csrf_cookie_is_set_by_the_first_page_that_renders_a_form() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    let (status, page) = b.get("/verify").await;
    assert_eq!(status, 200);
    assert!(!page.contains("name=\"csrf\""), "{page}");
    assert!(b.cookies.is_empty(), "{:?}", b.cookies);
    let (_, page) = b.get("/verify?number=PSC-2026-K7QMT-94HRX-T").await;
    assert!(page.contains("NOT FOUND"), "{page}");
    let (status, page) = b.get("/v/eyJhbGciOiJFZERTQSJ9.e30.c2ln").await;
    assert_eq!(status, 200);
    assert!(page.contains("NOT GENUINE"), "{page}");
    assert!(b.cookies.is_empty(), "{:?}", b.cookies);

    let (status, page) = b.get("/signup").await;
    assert_eq!(status, 200);
    let csrf = b.csrf();
    assert_eq!(csrf.len(), 43);
    assert!(
        page.contains(&format!("name=\"csrf\" value=\"{csrf}\"")),
        "the form carries the cookie's token"
    );
    // A browser with the cookie keeps it: no new token.
    b.get("/login").await;
    assert_eq!(b.csrf(), csrf);
}

#[tokio::test]
async fn a_path_with_trailing_or_repeated_slashes_reaches_the_same_page() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    for path in [
        "/verify/?number=PSC-2026-K7QMT-94HRX-T",
        "//verify?number=PSC-2026-K7QMT-94HRX-T",
        "/verify//?number=PSC-2026-K7QMT-94HRX-T",
    ] {
        let (status, page) = b.get(path).await;
        assert_eq!(status, 200, "{path}");
        // The query survives the change of path.
        assert!(page.contains("NOT FOUND"), "{path}: {page}");
        assert!(page.contains("value=\"PSC-2026-K7QMT-94HRX-T\""), "{path}");
    }
    let (status, page) = b.get("/v/eyJhbGciOiJFZERTQSJ9.e30.c2ln/").await;
    assert_eq!(status, 200);
    assert!(page.contains("NOT GENUINE"), "{page}");
    let (status, _) = b.get("/healthz/").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_a_single_use_emailed_link() {
    let app = spawn_app().await;
    let (_, _) = app.operator("Reset Venues").await;
    let email = {
        // The operator helper makes a random address; make one we know.
        let res = app
            .post(
                "/api/v1/auth/signup",
                None,
                json!({"organisation": "Lost Keys Ltd", "name": "Lou", "email": "lou@keys.test", "password": PASSWORD}),
            )
            .await;
        assert_eq!(res.status, 202);
        "lou@keys.test"
    };
    let mut b = Browser::new(&app);
    b.get("/password/forgot").await;
    let csrf = b.csrf();
    // An unknown address gets the same answer, and no email.
    for address in [email, "nobody@keys.test"] {
        let (status, to) = b
            .post("/password/forgot", &[("csrf", &csrf), ("email", address)])
            .await;
        assert_eq!((status, to.as_str()), (303, "/login?done=reset_sent"));
    }
    assert!(emailed_link(&app, "nobody@keys.test").is_none());
    let link = emailed_link(&app, email).expect("a reset email in the outbox");
    let path = link
        .strip_prefix(&app.address)
        .expect("a link to this service")
        .to_string();
    let (status, page) = b.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Set a new password") && page.contains("name=\"password_again\""));
    let (status, page) = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("password", "new password 2027"),
                ("password_again", "another one 2027"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("must be the same password again"));
    let (status, to) = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("password", "new password 2027"),
                ("password_again", "new password 2027"),
            ],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/login?done=password_changed"));
    assert!(login_ok(&app, email, "new password 2027").await);
    assert!(
        !login_ok(&app, email, PASSWORD).await,
        "the old password no longer works"
    );
    // Used once: the link is dead.
    let (_, page) = b.get(&path).await;
    assert!(page.contains("expired or has already been used"), "{page}");
    let (status, _) = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("password", "third password 2027"),
                ("password_again", "third password 2027"),
            ],
        )
        .await;
    assert_eq!(status, 409);
    assert!(!login_ok(&app, email, "third password 2027").await);
}

/// The operator's dashboard as their browser gets it.
async fn dashboard(app: &TestApp, operator: &str) -> String {
    app.client
        .get(app.url("/operator"))
        .header(COOKIE, format!("pc_session={operator}"))
        .send()
        .await
        .expect("dashboard")
        .text()
        .await
        .expect("html")
}

#[tokio::test]
async fn the_dashboard_says_when_premises_were_refused_and_when_to_renew() {
    let app = spawn_app().await;
    let scheme = crate::helpers::certified_scheme(&app).await;
    let page = dashboard(&app, &scheme.operator).await;
    assert!(page.contains(">Valid<"), "{page}");
    assert!(!page.contains("renew soon") && !page.contains("Not certified"));
    // A month from expiry, the certificate is due for renewal, in words.
    let soon =
        protectcert::db::from_utc(time::OffsetDateTime::now_utc() + time::Duration::days(20));
    {
        let mut conn = app.db.get().expect("conn");
        protectcert::db::certificates::set_expiry(&mut conn, scheme.number(), soon)
            .expect("expiry");
    }
    assert!(
        dashboard(&app, &scheme.operator)
            .await
            .contains("Valid: renew soon")
    );
    // Another building, refused: a critical item barely started.
    let other = app.building(&scheme.operator, 300).await;
    let application = app
        .answered_application(&scheme.operator, other["id"].as_str().expect("id"))
        .await;
    let critical = application["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["critical"] == true))
        .map(|i| i["id"].clone())
        .expect("a critical item");
    let (_, done) = app
        .assess(&scheme.operator, &scheme.advisor, &application, |item| {
            if item["id"] == critical {
                json!(0)
            } else {
                item["max_score"].clone()
            }
        })
        .await;
    assert_eq!(done["outcome"], "refused");
    let page = dashboard(&app, &scheme.operator).await;
    assert!(
        page.contains("Not certified") && page.contains("Refused"),
        "{page}"
    );
    assert!(page.contains(&format!(
        "/operator/applications/{}",
        application["id"].as_str().expect("id")
    )));
}

/// Signs up an operator through the pages and logs in as them.
async fn signed_up_operator(b: &mut Browser<'_>, email: &str) -> String {
    b.get("/signup").await;
    let csrf = b.csrf();
    let (status, _) = b
        .post(
            "/signup",
            &[
                ("csrf", &csrf),
                ("organisation", "Form Venues"),
                ("name", "Fran"),
                ("email", email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, to) = b
        .post(
            "/login",
            &[("csrf", &csrf), ("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/operator"));
    csrf
}

/// The premises form shows each new refusal by its field and keeps what was typed.
#[tokio::test]
async fn the_premises_form_refuses_long_events_misleading_names_and_bad_postcodes() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    let csrf = signed_up_operator(&mut b, "fran@form.test").await;
    let start = time::OffsetDateTime::now_utc() + time::Duration::days(30);
    let local = |t: time::OffsetDateTime| {
        let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
        t.format(&f).expect("fmt")
    };
    let (start_text, end_text) = (local(start), local(start + time::Duration::days(60)));
    for (fields, field, message) in [
        (
            vec![
                ("kind", "event"),
                ("name", "Long Fair"),
                ("postcode", "LS1 1AA"),
                ("event_start", start_text.as_str()),
                ("event_end", end_text.as_str()),
            ],
            "event_end",
            "at most 31 days",
        ),
        (
            vec![
                ("kind", "building"),
                ("name", "Long Fair"),
                ("postcode", "12345"),
            ],
            "postcode",
            "UK postcode",
        ),
        (
            vec![
                ("kind", "building"),
                ("name", "Long Fair\u{202E}"),
                ("postcode", "LS1 1AA"),
            ],
            "name",
            "bidirectional",
        ),
    ] {
        let mut form = vec![
            ("csrf", csrf.as_str()),
            ("address", "Park Lane"),
            ("town", "Leeds"),
            ("capacity", "900"),
        ];
        form.extend(fields);
        let (status, page) = b.post("/operator/premises/new", &form).await;
        assert_eq!(status, 422, "{field}: {page}");
        assert!(
            page.contains(&format!("id=\"e-{field}\"")),
            "{field}: {page}"
        );
        assert!(page.contains(message), "{field}: {page}");
        assert!(page.contains("Park Lane"), "what was typed is kept");
    }
}

/// A suspended advisor's scoring page refuses to save (the same rule as the API).
#[tokio::test]
async fn a_suspended_advisor_cannot_save_scores_from_the_page() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let created = app
        .post(
            "/api/v1/advisors",
            Some(&admin),
            json!({"name": "Sam Suspended", "email": "sam@advisors.test", "password": PASSWORD,
                   "accreditation_number": "PSA-SUS-1", "accredited_until": "2099-12-31",
                   "scopes": ["building"]}),
        )
        .await
        .expect(201);
    let advisor_id = created["id"].as_str().expect("id").to_string();
    let advisor = app.login("sam@advisors.test").await;
    let premises = app.building(&operator, 300).await;
    let application = app
        .answered_application(&operator, premises["id"].as_str().expect("id"))
        .await;
    let id = application["id"].as_str().expect("id");
    let claimed = app.submit_and_claim(&operator, &advisor, id).await;
    let item = claimed["items"][0]["id"].as_str().expect("item");
    let mut b = Browser::new(&app);
    b.get("/login").await;
    let csrf = b.csrf();
    let (status, _) = b
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", "sam@advisors.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let score_field = format!("score-{item}");
    let form = [("csrf", csrf.as_str()), (score_field.as_str(), "3")];
    let page = format!("/advisor/applications/{id}");
    let (status, _) = b.post(&page, &form).await;
    assert_eq!(status, 303, "an accredited advisor saves");
    app.post(
        &format!("/api/v1/advisors/{advisor_id}/suspend"),
        Some(&admin),
        json!({"reason": "complaint under investigation"}),
    )
    .await
    .ok();
    let form = [("csrf", csrf.as_str()), (score_field.as_str(), "0")];
    let (status, body) = b.post(&page, &form).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("suspended"), "the page says why: {body}");
    let seen = app
        .get(&format!("/api/v1/applications/{id}"), Some(&admin))
        .await
        .ok();
    assert_eq!(seen["items"][0]["score"]["score"], 3);
}

/// The operator's certificate page link gives an error page, never the file, when
/// the stored PDF no longer matches its SHA-256.
#[tokio::test]
async fn a_corrupted_pdf_is_an_error_page_for_the_operator() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    signed_up_operator(&mut b, "olga@form.test").await;
    let operator = app.login("olga@form.test").await;
    let admin = app.admin().await;
    let (advisor, _) = app.advisor(&admin, &["building"], None).await;
    let premises = app.building(&operator, 300).await;
    let application = app
        .answered_application(&operator, premises["id"].as_str().expect("id"))
        .await;
    let (_, completion) = app
        .assess(&operator, &advisor, &application, |item| {
            item["max_score"].clone()
        })
        .await;
    let number = completion["certificate"]["number"]
        .as_str()
        .expect("number");
    let path = format!("/operator/certificates/{number}/pdf");
    let (status, body) = b.get(&path).await;
    assert_eq!(status, 200);
    assert!(body.starts_with("%PDF-"));
    crate::documents::corrupt_stored_pdf(&app, number);
    let (status, body) = b.get(&path).await;
    assert_eq!(status, 500);
    assert!(!body.contains("%PDF"), "the corrupted file is not served");
    assert!(body.contains("<html"), "an error page: {body}");
}

/// The operator's evidence form names the file when its extension disagrees with
/// what it holds.
#[tokio::test]
async fn the_evidence_form_refuses_a_pdf_named_as_a_program() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    let csrf = signed_up_operator(&mut b, "ed@form.test").await;
    let operator = app.login("ed@form.test").await;
    let premises = app.building(&operator, 300).await;
    let created = app
        .post(
            "/api/v1/applications",
            Some(&operator),
            json!({"premises_id": premises["id"]}),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().expect("id");
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec())
        .file_name("plan.hta")
        .mime_str("application/pdf")
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", part);
    let res = b
        .client
        .post(app.url(&format!("/operator/applications/{id}/evidence")))
        .header(COOKIE, b.cookie_header())
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    let page = res.text().await.expect("body");
    assert!(page.contains("id=\"e-file\""), "by the field: {page}");
    assert!(page.contains("plan.hta"), "{page}");
}

/// An operator who withdraws an application once an advisor has scored some of
/// it: the audit says so, and the next advisor (page and API) and admins see it.
#[tokio::test]
async fn a_withdrawal_after_scoring_is_recorded_and_shown_to_the_next_advisor() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let (first, _) = app.advisor(&admin, &["building"], None).await;
    app.post(
        "/api/v1/advisors",
        Some(&admin),
        json!({"name": "Nina Next", "email": "nina@advisors.test", "password": PASSWORD,
               "accreditation_number": "PSA-NEXT-1", "accredited_until": "2099-12-31",
               "scopes": ["building"]}),
    )
    .await
    .expect(201);
    let next = app.login("nina@advisors.test").await;
    let premises = app.building(&operator, 300).await;
    let premises_id = premises["id"].as_str().expect("id");
    let submit = |application: &Value| {
        let id = application["id"].as_str().expect("id").to_string();
        let (app, operator) = (&app, operator.clone());
        async move {
            app.post(
                &format!("/api/v1/applications/{id}/submit"),
                Some(&operator),
                json!({}),
            )
            .await
            .ok();
            id
        }
    };
    let application = app.answered_application(&operator, premises_id).await;
    let withdrawn = submit(&application).await;
    let claimed = app
        .post(
            &format!("/api/v1/applications/{withdrawn}/claim"),
            Some(&first),
            json!({}),
        )
        .await
        .ok();
    let item = claimed["items"][0]["id"].as_str().expect("item");
    app.put(
        &format!("/api/v1/applications/{withdrawn}/scores"),
        Some(&first),
        json!({"scores": [{"item_id": item, "score": 0, "note": "nothing in place"}]}),
    )
    .await
    .ok();
    app.post(
        &format!("/api/v1/applications/{withdrawn}/withdraw"),
        Some(&operator),
        json!({}),
    )
    .await
    .ok();
    let audit = app
        .get(
            &format!("/api/v1/audit?entity_id={withdrawn}&action=application.withdrawn"),
            Some(&admin),
        )
        .await
        .ok();
    assert_eq!(audit[0]["after"]["after_scoring"], true, "{audit}");
    assert_eq!(audit[0]["after"]["scored_items"], 1, "{audit}");

    // The operator applies again; the next advisor and admins see the withdrawal.
    let again = app.answered_application(&operator, premises_id).await;
    let again = submit(&again).await;
    for token in [&next, &admin] {
        let view = app
            .get(&format!("/api/v1/applications/{again}"), Some(token))
            .await
            .ok();
        let earlier = &view["withdrawn_after_scoring"];
        assert_eq!(earlier[0]["application_id"], withdrawn.as_str(), "{view}");
        assert_eq!(earlier[0]["scored_items"], 1);
        assert_eq!(earlier[0]["advisor"]["name"], "Ada Advisor");
    }
    let own = app
        .get(&format!("/api/v1/applications/{again}"), Some(&operator))
        .await
        .ok();
    assert!(own.get("withdrawn_after_scoring").is_none(), "{own}");

    let mut b = Browser::new(&app);
    b.get("/login").await;
    let csrf = b.csrf();
    b.post(
        "/login",
        &[
            ("csrf", &csrf),
            ("email", "nina@advisors.test"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let (status, page) = b.get(&format!("/advisor/applications/{again}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("withdrawn by the operator")
            && page.contains("Ada Advisor had scored 1 item"),
        "{page}"
    );
    b.post(
        &format!("/advisor/applications/{again}/claim"),
        &[("csrf", &csrf)],
    )
    .await;
    let (_, page) = b.get(&format!("/advisor/applications/{again}")).await;
    assert!(page.contains("id=\"withdrawn-after-scoring\""), "{page}");
}
