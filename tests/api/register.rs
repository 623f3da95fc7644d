//! The register: police and admin search, operators see only their own, and the
//! admin's status actions (suspend, reinstate, revoke) as every verify surface
//! shows them.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, certified_scheme, spawn_app};

/// Registers premises for `operator`, takes them through a full assessment scored at
/// maximum by `advisor`, and returns the certificate number.
async fn certify(app: &TestApp, operator: &str, advisor: &str, premises: Value) -> String {
    let prem = app.register_premises(operator, premises).await;
    certify_premises(app, operator, advisor, prem["id"].as_str().expect("id")).await
}

async fn certify_premises(
    app: &TestApp,
    operator: &str,
    advisor: &str,
    premises_id: &str,
) -> String {
    let application = app.answered_application(operator, premises_id).await;
    let (_, done) = app
        .assess(operator, advisor, &application, |item| {
            item["max_score"].clone()
        })
        .await;
    done["certificate"]["number"]
        .as_str()
        .expect("certificate number")
        .to_string()
}

fn building(name: &str, postcode: &str, capacity: u32) -> Value {
    json!({"kind": "building", "name": name, "address": "1 High Street, Bristol",
           "postcode": postcode, "capacity": capacity})
}

/// The certificate numbers of a search result, in order.
/// An admin's status action on a certificate, with a reason.
async fn act(app: &TestApp, admin: &str, number: &str, action: &str, reason: &str) -> Reply {
    app.post(
        &format!("/api/v1/certificates/{number}/{action}"),
        Some(admin),
        json!({ "reason": reason }),
    )
    .await
}

fn numbers(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap_or_else(|| panic!("a list of certificates, got {body}"))
        .iter()
        .map(|c| c["number"].as_str().expect("number").to_string())
        .collect()
}

/// Moves a certificate's expiry into the past, as the clock eventually would.
fn expire(app: &TestApp, number: &str) {
    use protectcert::db::schema::certificates;
    let past = protectcert::db::now() - time::Duration::days(1);
    let mut conn = app.db.get().expect("conn");
    let n = diesel::update(certificates::table.filter(certificates::number.eq(number)))
        .set(certificates::expires_at.eq(past))
        .execute(&mut *conn)
        .expect("update expiry");
    assert_eq!(n, 1);
}

/// Three certificates in two organisations, issued in this order.
struct Register {
    admin: String,
    advisor: String,
    police: String,
    quayside: String,
    northern: String,
    /// Quayside: Riverside Hall, BS1 4DJ.
    riverside: String,
    /// Quayside: Quay Arts Centre, BS1 5TX.
    arts: String,
    /// Northern: Harbour Arena, M1 1AE, enhanced tier with a designated senior individual.
    arena: String,
}

async fn register(app: &TestApp) -> Register {
    let admin = app.admin().await;
    let (advisor, _) = app.advisor(&admin, &["building", "event"], None).await;
    let police = app.police(&admin).await;
    let (quayside, _) = app.operator("Quayside Venues Ltd").await;
    let (northern, _) = app.operator("Northern Arenas plc").await;
    let riverside = certify(
        app,
        &quayside,
        &advisor,
        building("Riverside Hall", "BS1 4DJ", 450),
    )
    .await;
    let arts = certify(
        app,
        &quayside,
        &advisor,
        building("Quay Arts Centre", "bs1 5tx", 300),
    )
    .await;
    let mut arena = building("Harbour Arena", "M1 1AE", 1200);
    arena["designated_senior_individual"] =
        json!({"name": "Sam Senior", "email": "sam@arena.test"});
    let arena = certify(app, &northern, &advisor, arena).await;
    Register {
        admin,
        advisor,
        police,
        quayside,
        northern,
        riverside,
        arts,
        arena,
    }
}

#[tokio::test]
async fn police_and_admin_search_the_register_by_postcode_name_and_status() {
    let app = spawn_app().await;
    let r = register(&app).await;
    for token in [&r.police, &r.admin] {
        let search = |query: &str| {
            let path = format!("/api/v1/certificates{query}");
            let app = &app;
            async move { numbers(&app.get(&path, Some(token)).await.ok()) }
        };
        // Everything, newest first.
        assert_eq!(
            search("").await,
            [r.arena.as_str(), r.arts.as_str(), r.riverside.as_str()]
        );
        // Postcodes ignore case and spaces, and match from the start.
        assert_eq!(search("?postcode=bs14dj").await, [r.riverside.as_str()]);
        assert_eq!(search("?postcode=BS1%204DJ").await, [r.riverside.as_str()]);
        assert_eq!(
            search("?postcode=bs1").await,
            [r.arts.as_str(), r.riverside.as_str()]
        );
        assert_eq!(search("?postcode=BS1%205").await, [r.arts.as_str()]);
        assert_eq!(search("?postcode=m11ae").await, [r.arena.as_str()]);
        assert!(search("?postcode=SW1A").await.is_empty());
        // Names in any case, by the start of their words; or the certificate number.
        assert_eq!(search("?q=riverside").await, [r.riverside.as_str()]);
        assert_eq!(search("?q=ARTS%20c").await, [r.arts.as_str()]);
        assert_eq!(
            search(&format!("?q={}", r.arena.to_lowercase())).await,
            [r.arena.as_str()]
        );
        // LIKE wildcards are plain characters.
        assert!(search("?q=%25").await.is_empty());
        assert!(search("?q=_").await.is_empty());
        // Filters combine.
        assert_eq!(search("?postcode=BS1&q=hall").await, [r.riverside.as_str()]);
        assert!(search("?postcode=M1&q=hall").await.is_empty());
        assert_eq!(
            search("?status=valid").await,
            [r.arena.as_str(), r.arts.as_str(), r.riverside.as_str()]
        );
        assert!(search("?status=revoked").await.is_empty());
        // Paging (issue 12 part C: by keyset, `after` the last one shown; see
        // tests/api/search.rs for the walk through the `Link` headers).
        assert_eq!(search("?limit=1").await, [r.arena.as_str()]);
    }

    // The full record police rely on.
    let found = app
        .get("/api/v1/certificates?postcode=M1%201AE", Some(&r.police))
        .await
        .ok();
    let arena = &found[0];
    assert_eq!(arena["number"], r.arena.as_str());
    assert_eq!(arena["status"], "valid");
    assert_eq!(arena["tier"], "enhanced");
    assert_eq!(arena["kind"], "building");
    assert_eq!(arena["premises_name"], "Harbour Arena");
    assert_eq!(arena["postcode"], "M1 1AE");
    assert_eq!(arena["designated_senior_individual"]["name"], "Sam Senior");
    assert!(arena["conditions"].is_array());
    assert!(arena["issued_at"].is_string() && arena["expires_at"].is_string());
    assert!(arena["advisor_name"].is_string() && arena["accreditation_number"].is_string());
    // The same record as reading it by number.
    let by_number = app
        .get(
            &format!("/api/v1/certificates/{}", r.arena),
            Some(&r.police),
        )
        .await
        .ok();
    assert_eq!(*arena, by_number);
}

#[tokio::test]
async fn search_by_status_follows_what_verifiers_see() {
    let app = spawn_app().await;
    let r = register(&app).await;
    let search = |query: &'static str| {
        let app = &app;
        let police = &r.police;
        async move {
            numbers(
                &app.get(&format!("/api/v1/certificates{query}"), Some(police))
                    .await
                    .ok(),
            )
        }
    };
    app.post(
        &format!("/api/v1/certificates/{}/suspend", r.arts),
        Some(&r.admin),
        json!({"reason": "evacuation plan under review"}),
    )
    .await
    .ok();
    app.post(
        &format!("/api/v1/certificates/{}/revoke", r.arena),
        Some(&r.admin),
        json!({"reason": "barriers removed"}),
    )
    .await
    .ok();
    // `expired` is the clock's doing: stored active, expiry passed.
    expire(&app, r.riverside.as_str());
    assert_eq!(search("?status=suspended").await, [r.arts.as_str()]);
    assert_eq!(search("?status=revoked").await, [r.arena.as_str()]);
    assert_eq!(search("?status=expired").await, [r.riverside.as_str()]);
    assert_eq!(search("?status=EXPIRED").await, [r.riverside.as_str()]);
    assert!(search("?status=valid").await.is_empty());
    assert!(search("?status=superseded").await.is_empty());
    for (number, status) in [
        (r.arts.as_str(), "suspended"),
        (r.arena.as_str(), "revoked"),
        (r.riverside.as_str(), "expired"),
    ] {
        let public = app
            .get(&format!("/api/v1/verify/{number}"), None)
            .await
            .ok();
        assert_eq!(public["status"], status, "{number}");
    }
}

#[tokio::test]
async fn operators_search_only_their_own_organisation() {
    let app = spawn_app().await;
    let r = register(&app).await;
    let own = app
        .get("/api/v1/certificates", Some(&r.quayside))
        .await
        .ok();
    assert_eq!(numbers(&own), [r.arts.as_str(), r.riverside.as_str()]);
    let own = app
        .get("/api/v1/certificates", Some(&r.northern))
        .await
        .ok();
    assert_eq!(numbers(&own), [r.arena.as_str()]);
    // Nothing of another organisation, whatever the filter.
    for query in [
        format!("?q={}", r.riverside),
        "?postcode=BS1".to_string(),
        "?q=riverside".to_string(),
        "?status=valid&postcode=bs14dj".to_string(),
    ] {
        let body = app
            .get(&format!("/api/v1/certificates{query}"), Some(&r.northern))
            .await
            .ok();
        assert!(numbers(&body).is_empty(), "{query}: {body}");
    }
    app.get("/api/v1/certificates", Some(&r.advisor))
        .await
        .expect(403);
    app.get("/api/v1/certificates", None).await.expect(401);
}

#[tokio::test]
async fn bad_search_filters_are_named() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (query, field) in [
        ("postcode=BS1-4DJ", "postcode"),
        ("postcode=BS14DJBS14DJ", "postcode"),
        ("status=active", "status"),
        ("status=gone", "status"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=lots", "limit"),
        ("after=-1", "after"),
    ] {
        let body = app
            .get(&format!("/api/v1/certificates?{query}"), Some(&admin))
            .await
            .expect(422);
        assert_eq!(Reply::fields(&body), [field], "{query}");
    }
    let long = "x".repeat(101);
    let body = app
        .get(&format!("/api/v1/certificates?q={long}"), Some(&admin))
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["q"]);
    // Every bad one at once.
    let body = app
        .get("/api/v1/certificates?status=x&limit=0", Some(&admin))
        .await
        .expect(422);
    assert_eq!(Reply::fields(&body), ["status", "limit"]);
    // A misspelt parameter is an error, not a silently unfiltered register.
    let body = app
        .get("/api/v1/certificates?statu=revoked", Some(&admin))
        .await
        .expect(400);
    assert_eq!(Reply::fields(&body), ["statu"]);
    // Empty parameters (as a form sends them) mean no filter.
    app.get("/api/v1/certificates?postcode=&q=&status=", Some(&admin))
        .await
        .ok();
}

#[tokio::test]
async fn suspend_reinstate_and_revoke_show_on_every_verify_surface() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number().to_string();
    let police = app.police(&scheme.admin).await;
    let action = |name: &'static str, reason: &'static str| {
        let app = &app;
        let admin = &scheme.admin;
        let number = &number;
        async move {
            app.post(
                &format!("/api/v1/certificates/{number}/{name}"),
                Some(admin),
                json!({"reason": reason}),
            )
            .await
        }
    };
    // The QR token printed on the certificate, read from the PDF's metadata.
    let pdf = crate::documents::download_pdf(&app, &scheme.operator, &number).await;
    let token = protectcert::certificates::document::token_in(&pdf).expect("token in the PDF");
    // What the public, the police and the owning operator each see now, on every
    // verification surface: by number, by QR token (API and page), the number
    // page, the signed status list.
    let seen = || {
        let app = &app;
        let (number, police, operator, token) = (&number, &police, &scheme.operator, &token);
        async move {
            let public = app
                .get(&format!("/api/v1/verify/{number}"), None)
                .await
                .ok();
            assert!(
                public.get("status_reason").is_none(),
                "the public sees status only: {public}"
            );
            let by_police = app
                .get(&format!("/api/v1/certificates/{number}"), Some(police))
                .await
                .ok();
            let by_owner = app
                .get(&format!("/api/v1/certificates/{number}"), Some(operator))
                .await
                .ok();
            assert_eq!(by_police["status"], public["status"]);
            assert_eq!(by_owner["status"], public["status"]);
            let status = public["status"].as_str().expect("status");
            let by_token = app
                .get(&format!("/api/v1/verify/token/{token}"), None)
                .await
                .ok();
            assert_eq!(by_token["certificate"]["status"], status);
            let headline = format!("<h1>{}</h1>", status.to_uppercase());
            for path in [format!("/v/{token}"), format!("/verify?number={number}")] {
                let page = crate::documents::page(app, &path).await;
                assert!(page.contains(&headline), "{path} does not say {headline}");
            }
            // The status list: the bit at the index the QR token carries.
            let list = app.get("/api/v1/status-list", None).await.ok();
            let index = crate::public_register::status_index(token);
            let listed = |purpose: &str| crate::public_register::bits(&list, purpose).get(index);
            assert_eq!(listed("suspension"), status == "suspended", "{list}");
            assert_eq!(listed("revocation"), status == "revoked", "{list}");
            (
                public["status"].as_str().expect("status").to_string(),
                by_police["status_reason"].clone(),
            )
        }
    };
    assert_eq!(seen().await, ("valid".to_string(), Value::Null));

    // Nothing to reinstate while active.
    let refused = action("reinstate", "no reason").await.expect(409);
    assert_eq!(refused["code"], "not_suspended");

    let suspended = action("suspend", "lockdown procedure not exercised")
        .await
        .ok();
    assert_eq!(suspended["number"], number.as_str());
    assert_eq!(suspended["status"], "suspended");
    assert_eq!(
        suspended["status_reason"],
        "lockdown procedure not exercised"
    );
    assert_eq!(
        seen().await,
        (
            "suspended".to_string(),
            json!("lockdown procedure not exercised")
        )
    );
    let refused = action("suspend", "again").await.expect(409);
    assert_eq!(refused["code"], "already_suspended");

    let reinstated = action("reinstate", "exercise held and recorded").await.ok();
    assert_eq!(reinstated["status"], "valid");
    assert_eq!(
        seen().await,
        ("valid".to_string(), json!("exercise held and recorded"))
    );

    let revoked = action("revoke", "premises closed").await.ok();
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(
        seen().await,
        ("revoked".to_string(), json!("premises closed"))
    );
    // Revoked is final.
    for name in ["reinstate", "suspend", "revoke"] {
        let refused = action(name, "try anyway").await.expect(409);
        assert_eq!(refused["code"], "certificate_revoked", "{name}");
        assert!(
            refused["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("final"),
            "{refused}"
        );
    }
    assert_eq!(
        seen().await,
        ("revoked".to_string(), json!("premises closed"))
    );
    // The register search agrees.
    let found = app
        .get(&format!("/api/v1/certificates?q={number}"), Some(&police))
        .await
        .ok();
    assert_eq!(found[0]["status"], "revoked");
}

#[tokio::test]
async fn a_suspended_certificate_can_be_revoked() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number();
    act(
        &app,
        &scheme.admin,
        number,
        "suspend",
        "under investigation",
    )
    .await
    .ok();
    let revoked = act(
        &app,
        &scheme.admin,
        number,
        "revoke",
        "investigation upheld",
    )
    .await
    .ok();
    assert_eq!(revoked["status"], "revoked");
    let public = app
        .get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    assert_eq!(public["status"], "revoked");
}

#[tokio::test]
async fn an_expired_certificate_can_be_revoked_and_reinstating_never_revives_it() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number();
    expire(&app, number);
    let verify = || async {
        app.get(&format!("/api/v1/verify/{number}"), None)
            .await
            .ok()["status"]
            .clone()
    };
    assert_eq!(verify().await, "expired");
    let suspended = act(&app, &scheme.admin, number, "suspend", "complaint received")
        .await
        .ok();
    assert_eq!(suspended["status"], "suspended");
    assert_eq!(verify().await, "suspended");
    // Reinstating restores the stored status; the clock still says expired.
    let reinstated = act(
        &app,
        &scheme.admin,
        number,
        "reinstate",
        "complaint withdrawn",
    )
    .await
    .ok();
    assert_eq!(reinstated["status"], "expired");
    assert_eq!(verify().await, "expired");
    // A verifier holding the old paper should learn it was revoked, not merely expired.
    let revoked = act(
        &app,
        &scheme.admin,
        number,
        "revoke",
        "certificate forged copies in circulation",
    )
    .await
    .ok();
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(verify().await, "revoked");
}

#[tokio::test]
async fn a_superseded_certificate_cannot_be_changed() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let old = scheme.number().to_string();
    let renewed = certify_premises(
        &app,
        &scheme.operator,
        &scheme.advisor,
        scheme.premises["id"].as_str().expect("id"),
    )
    .await;
    assert_ne!(old, renewed);
    for name in ["suspend", "reinstate", "revoke"] {
        let refused = app
            .post(
                &format!("/api/v1/certificates/{old}/{name}"),
                Some(&scheme.admin),
                json!({"reason": "act on the old one"}),
            )
            .await
            .expect(409);
        assert_eq!(refused["code"], "certificate_superseded", "{name}");
    }
    let public = app.get(&format!("/api/v1/verify/{old}"), None).await.ok();
    assert_eq!(public["status"], "superseded");
    // The renewal itself can be acted on.
    act(&app, &scheme.admin, &renewed, "suspend", "check")
        .await
        .ok();
}

#[tokio::test]
async fn status_actions_need_a_reason_and_an_admin() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number();
    let police = app.police(&scheme.admin).await;
    for name in ["suspend", "reinstate", "revoke"] {
        let path = format!("/api/v1/certificates/{number}/{name}");
        for body in [
            json!({}),
            json!({"reason": null}),
            json!({"reason": ""}),
            json!({"reason": "   "}),
            json!({"reason": "x".repeat(1001)}),
            json!({"reason": "bad\u{0007}bell"}),
        ] {
            let problem = app
                .post(&path, Some(&scheme.admin), body.clone())
                .await
                .expect(422);
            assert_eq!(Reply::fields(&problem), ["reason"], "{name} {body}");
        }
        for token in [&scheme.operator, &scheme.advisor, &police] {
            app.post(&path, Some(token), json!({"reason": "not mine to do"}))
                .await
                .expect(403);
        }
        app.post(&path, None, json!({"reason": "anyone?"}))
            .await
            .expect(401);
    }
    // The longest reason allowed is fine.
    let ok = app
        .post(
            &format!("/api/v1/certificates/{number}/suspend"),
            Some(&scheme.admin),
            json!({"reason": "x".repeat(1000)}),
        )
        .await
        .ok();
    assert_eq!(ok["status"], "suspended");
    // Unknown and mistyped numbers.
    let unissued =
        protectcert::domain::certificate_number::CertificateNumber::legacy(2026, 999_999)
            .to_string();
    act(&app, &scheme.admin, &unissued, "revoke", "r")
        .await
        .expect(404);
    let body = app
        .post(
            "/api/v1/certificates/PSC-2026-1/revoke",
            Some(&scheme.admin),
            json!({"reason": "r"}),
        )
        .await
        .expect(400);
    assert_eq!(Reply::fields(&body), ["number"]);
}

#[tokio::test]
async fn status_changes_are_audited_with_before_after_and_reason() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number();
    // A refused request changes nothing and is not audited.
    act(&app, &scheme.admin, number, "suspend", "")
        .await
        .expect(422);
    for (name, reason) in [
        ("suspend", "guidance not followed"),
        ("reinstate", "guidance now followed"),
        ("revoke", "premises sold"),
    ] {
        app.post(
            &format!("/api/v1/certificates/{number}/{name}"),
            Some(&scheme.admin),
            json!({"reason": reason}),
        )
        .await
        .ok();
    }
    act(&app, &scheme.admin, number, "reinstate", "refused: revoked")
        .await
        .expect(409);
    let entries = app
        .get(
            &format!("/api/v1/audit?entity_type=certificate&entity_id={number}"),
            Some(&scheme.admin),
        )
        .await
        .ok();
    let entries: Vec<&Value> = entries
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] != "certificate.issued")
        .collect();
    let summary: Vec<(&str, &str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action"),
                e["before"]["status"].as_str().expect("before"),
                e["after"]["status"].as_str().expect("after"),
                e["after"]["status_reason"].as_str().expect("reason"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "certificate.suspended",
                "active",
                "suspended",
                "guidance not followed"
            ),
            (
                "certificate.reinstated",
                "suspended",
                "active",
                "guidance now followed"
            ),
            ("certificate.revoked", "active", "revoked", "premises sold"),
        ]
    );
    assert_eq!(
        entries[1]["before"]["status_reason"],
        "guidance not followed"
    );
    for e in &entries {
        assert_eq!(e["actor_role"], "admin");
        assert!(e["actor_id"].is_string());
    }
    // The chain still holds.
    app.assert_audit_chain_holds();
}

#[tokio::test]
async fn two_admins_suspending_at_once_make_one_change() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let number = scheme.number();
    let second_admin = app.admin().await;
    let path = format!("/api/v1/certificates/{number}/suspend");
    let (a, b) = tokio::join!(
        app.post(&path, Some(&scheme.admin), json!({"reason": "first"})),
        app.post(&path, Some(&second_admin), json!({"reason": "second"})),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", a.body, b.body);
    let entries = app
        .get(
            &format!("/api/v1/audit?entity_type=certificate&entity_id={number}"),
            Some(&scheme.admin),
        )
        .await
        .ok();
    let suspensions = entries
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "certificate.suspended")
        .count();
    assert_eq!(suspensions, 1);
}

#[tokio::test]
async fn openapi_describes_the_search_and_status_actions() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", None).await.ok();
    let search = &doc["paths"]["/api/v1/certificates"]["get"];
    let params: Vec<&str> = search["parameters"]
        .as_array()
        .expect("search parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    // Issue 12 part C: a district, and keyset paging (`after`) instead of `offset`.
    assert_eq!(
        params,
        ["postcode", "q", "status", "limit", "district", "after"]
    );
    for action in ["suspend", "reinstate", "revoke"] {
        let op = &doc["paths"][format!("/api/v1/certificates/{{number}}/{action}")]["post"];
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/StatusChangeRequest",
            "{action}"
        );
        for status in ["200", "403", "404", "409", "422"] {
            assert!(op["responses"][status].is_object(), "{action} {status}");
        }
    }
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["StatusChangeRequest"]["properties"]["reason"].is_object());
    assert!(schemas["CertificateView"]["properties"]["designated_senior_individual"].is_object());
}
