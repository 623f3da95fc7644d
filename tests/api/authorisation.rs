//! Every endpoint × every role, including an operator of someone else's organisation
//! and an advisor who is not assigned. "ok" means authorisation let the request
//! through (it may still be refused for the application's state: 409/422); the
//! others are exact statuses. Denials never reveal whether a thing exists: another
//! organisation's records read as 404.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Reply, certified_scheme, spawn_app};

const ROLES: [&str; 7] = [
    "anonymous",
    "operator",
    "other operator",
    "assigned advisor",
    "other advisor",
    "police",
    "admin",
];

enum Body {
    None,
    Json(Value),
    Evidence,
}

/// Logging out ends every token of the account: checked last.
const LOGOUT: &str = "/api/v1/auth/logout";

fn allowed(status: u16) -> bool {
    (200..300).contains(&status) || status == 409 || status == 422
}

#[tokio::test]
async fn every_endpoint_for_every_role() {
    let app = spawn_app().await;
    let scheme = certified_scheme(&app).await;
    let (other_operator, _) = app.operator("Someone Else Ltd").await;
    let (other_advisor, _) = app
        .advisor(&scheme.admin, &["building", "event"], None)
        .await;
    let police = app.police(&scheme.admin).await;
    // An advisor for the accreditation actions alone (the others stay eligible).
    let (_, target_advisor) = app.advisor(&scheme.admin, &["building"], None).await;
    // Part 4 (advisor oversight): a certificate flagged for review.
    let review_id = crate::oversight::flagged_review(&app, &scheme).await;
    let tokens: [Option<&str>; 7] = [
        None,
        Some(&scheme.operator),
        Some(&other_operator),
        Some(&scheme.advisor),
        Some(&other_advisor),
        Some(&police),
        Some(&scheme.admin),
    ];

    // A second premises with a draft application and one piece of evidence.
    let premises = app.building(&scheme.operator, 250).await;
    let premises_id = premises["id"].as_str().expect("id").to_string();
    let draft = app
        .post(
            "/api/v1/applications",
            Some(&scheme.operator),
            json!({"premises_id": premises_id}),
        )
        .await
        .expect(201);
    let draft_id = draft["id"].as_str().expect("id").to_string();
    let item = draft["items"][0]["id"].as_str().expect("item").to_string();
    let form = Form::new().part(
        "file",
        Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec())
            .file_name("p.pdf")
            .mime_str("application/pdf")
            .expect("mime"),
    );
    let evidence = Reply::from(
        app.client
            .post(app.url(&format!("/api/v1/applications/{draft_id}/evidence")))
            .bearer_auth(&scheme.operator)
            .multipart(form)
            .send()
            .await
            .expect("upload"),
    )
    .await
    .expect(201);
    let evidence_id = evidence["id"].as_str().expect("id").to_string();
    // Issue 11 part 5: a fire safety evidence file on the second premises.
    let fire_evidence_id = app
        .attach_fire_safety(&scheme.operator, &premises_id)
        .await
        .expect(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    // issue 11 part 2: a refusal by the assigned advisor, appealed with evidence.
    let (refused, _) = app
        .assessed_with(
            &scheme.operator,
            &scheme.advisor,
            &[(crate::helpers::APPEAL_ITEM, 0)],
        )
        .await;
    let refused_id = refused["id"].as_str().expect("id").to_string();
    let appeal = app
        .appeal(
            &scheme.operator,
            &refused_id,
            &[crate::helpers::APPEAL_ITEM],
        )
        .await;
    let appeal_id = appeal["id"].as_str().expect("id").to_string();
    let appeal_evidence = app.attach_to_appeal(&scheme.operator, &appeal_id).await;
    let appeal_evidence_id = appeal_evidence["id"].as_str().expect("id").to_string();
    let completed_id = scheme.application["id"].as_str().expect("id").to_string();
    let number = scheme.number().to_string();
    let pdf = crate::documents::download_pdf(&app, &scheme.operator, &number).await;
    let token = protectcert::certificates::document::token_in(&pdf).expect("token in the PDF");
    let new_user = || json!({"name": "N", "email": format!("{}@x.test", uuid::Uuid::new_v4().simple()), "password": PASSWORD, "role": "police"});
    let new_advisor = || {
        json!({"name": "N", "email": format!("{}@x.test", uuid::Uuid::new_v4().simple()), "password": PASSWORD,
        "accreditation_number": uuid::Uuid::new_v4().simple().to_string(), "accredited_until": "2099-01-01", "scopes": ["building"]})
    };
    let new_premises = json!({"kind": "building", "name": "N", "address": "1 Road, Town", "postcode": "AB1 2CD", "capacity": 300});

    let signup_email = format!("{}@matrix.test", uuid::Uuid::new_v4().simple());
    // Part 3: an enhanced building assessed by the assigned advisor, awaiting sign-off.
    let enhanced = app.building(&scheme.operator, 900).await;
    let enhanced = app
        .answered_application(&scheme.operator, enhanced["id"].as_str().expect("id"))
        .await;
    let (_, awaiting) = app
        .assess_until_sign_off(&scheme.operator, &scheme.advisor, &enhanced, |item| {
            item["max_score"].clone()
        })
        .await;
    assert_eq!(awaiting["status"], "awaiting_sign_off");
    let awaiting_id = enhanced["id"].as_str().expect("id").to_string();

    // Part 1 of issue 11: a certificate with a condition, assessed by the assigned
    // advisor, with evidence submitted for it.
    let conditional = app.building(&scheme.operator, 300).await;
    let (_, with_condition) = app
        .conditional_certificate(&scheme.operator, &scheme.advisor, &conditional)
        .await;
    let cnum = with_condition["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let record = app
        .get(&format!("/api/v1/certificates/{cnum}"), Some(&scheme.admin))
        .await
        .ok();
    let cid = record["conditions"][0]["id"]
        .as_str()
        .expect("condition")
        .to_string();
    let submitted = app
        .submit_condition_evidence(&scheme.operator, &cnum, &cid, Some("matrix"))
        .await
        .expect(201);
    let cevidence = submitted["history"][1]["evidence"]["id"]
        .as_str()
        .expect("evidence id")
        .to_string();

    // Columns follow ROLES.
    let matrix: Vec<(&str, String, Body, [&str; 7])> = vec![
        ("GET", "/healthz".into(), Body::None, ["ok"; 7]),
        // Issue 12 part F: /metrics is for the scraper, not a role: with no
        // metrics_token set, any client on the machine itself (as here); otherwise
        // the token's holder (tests/api/metrics.rs).
        ("GET", "/metrics".into(), Body::None, ["ok"; 7]),
        ("GET", "/api/v1/openapi.json".into(), Body::None, ["ok"; 7]),
        // Public: everyone gets the same answer to a sign-up (the first makes the
        // account, the rest email its owner), all log in.
        (
            "POST",
            "/api/v1/auth/signup".into(),
            Body::Json(
                json!({"organisation": "Matrix Ltd", "name": "M", "email": signup_email, "password": PASSWORD}),
            ),
            ["ok"; 7],
        ),
        (
            "POST",
            "/api/v1/auth/login".into(),
            Body::Json(json!({"email": signup_email, "password": PASSWORD})),
            ["200"; 7],
        ),
        (
            "GET",
            "/api/v1/me".into(),
            Body::None,
            ["401", "ok", "ok", "ok", "ok", "ok", "ok"],
        ),
        (
            "POST",
            "/api/v1/users".into(),
            Body::Json(new_user()),
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "POST",
            "/api/v1/advisors".into(),
            Body::Json(new_advisor()),
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "GET",
            "/api/v1/users".into(),
            Body::None,
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        ("GET", "/api/v1/advisors".into(), Body::None, ["ok"; 7]),
        // Accreditation actions are the admin's alone: renew, suspend, reinstate,
        // then (later) withdraw, which is final.
        (
            "POST",
            format!("/api/v1/advisors/{target_advisor}/renew"),
            Body::Json(json!({"accredited_until": "2100-06-30", "reason": "matrix"})),
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "POST",
            format!("/api/v1/advisors/{target_advisor}/suspend"),
            Body::Json(json!({"reason": "matrix"})),
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "POST",
            format!("/api/v1/advisors/{target_advisor}/reinstate"),
            Body::Json(json!({"reason": "matrix"})),
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "POST",
            format!("/api/v1/advisors/{target_advisor}/withdraw"),
            Body::Json(json!({"reason": "matrix"})),
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "POST",
            "/api/v1/premises".into(),
            Body::Json(new_premises.clone()),
            ["401", "ok", "ok", "403", "403", "403", "403"],
        ),
        (
            "GET",
            "/api/v1/premises".into(),
            Body::None,
            ["401", "ok", "ok", "403", "403", "403", "ok"],
        ),
        (
            "GET",
            format!("/api/v1/premises/{premises_id}"),
            Body::None,
            ["401", "ok", "404", "403", "403", "403", "ok"],
        ),
        // Editing is the operator's own (here a 409: the premises have a draft open).
        (
            "PUT",
            format!("/api/v1/premises/{premises_id}"),
            Body::Json(new_premises),
            ["401", "ok", "404", "403", "403", "403", "403"],
        ),
        // A renewal is the operator's own (their certified building).
        (
            "POST",
            format!(
                "/api/v1/premises/{}/renewal",
                scheme.premises["id"].as_str().expect("id")
            ),
            Body::Json(json!({})),
            ["401", "ok", "404", "403", "403", "403", "403"],
        ),
        // Each operator's team is their own organisation's (the second adding the
        // same colleague is a 409: the email is taken).
        (
            "GET",
            "/api/v1/organisation/operators".into(),
            Body::None,
            ["401", "ok", "ok", "403", "403", "403", "403"],
        ),
        (
            "POST",
            "/api/v1/organisation/operators".into(),
            Body::Json(
                json!({"name": "Colin Colleague", "email": format!("{}@team.test", uuid::Uuid::new_v4().simple())}),
            ),
            ["401", "ok", "ok", "403", "403", "403", "403"],
        ),
        ("GET", "/api/v1/checklists".into(), Body::None, ["ok"; 7]),
        (
            "GET",
            "/api/v1/checklists/building-v1".into(),
            Body::None,
            ["ok"; 7],
        ),
        // Another organisation's premises id is "no such premises in your organisation" (422).
        (
            "POST",
            "/api/v1/applications".into(),
            Body::Json(json!({"premises_id": premises_id})),
            ["401", "ok", "422", "403", "403", "403", "403"],
        ),
        (
            "GET",
            "/api/v1/applications".into(),
            Body::None,
            ["401", "ok", "ok", "ok", "ok", "403", "ok"],
        ),
        (
            "GET",
            format!("/api/v1/applications/{draft_id}"),
            Body::None,
            ["401", "ok", "404", "404", "404", "403", "ok"],
        ),
        (
            "GET",
            format!("/api/v1/applications/{completed_id}"),
            Body::None,
            ["401", "ok", "404", "ok", "404", "403", "ok"],
        ),
        (
            "PUT",
            format!("/api/v1/applications/{draft_id}/answers/{item}"),
            Body::Json(json!({"status": "in_place"})),
            ["401", "ok", "404", "404", "404", "403", "403"],
        ),
        (
            "POST",
            format!("/api/v1/applications/{draft_id}/evidence"),
            Body::Evidence,
            ["401", "ok", "404", "403", "403", "403", "403"],
        ),
        (
            "GET",
            format!("/api/v1/applications/{draft_id}/evidence/{evidence_id}"),
            Body::None,
            ["401", "ok", "404", "404", "404", "403", "ok"],
        ),
        (
            "POST",
            format!("/api/v1/applications/{draft_id}/submit"),
            Body::Json(json!({})),
            ["401", "ok", "404", "404", "404", "403", "403"],
        ),
        (
            "POST",
            format!("/api/v1/applications/{completed_id}/claim"),
            Body::Json(json!({})),
            ["401", "403", "403", "ok", "404", "403", "403"],
        ),
        (
            "POST",
            format!("/api/v1/applications/{completed_id}/assign"),
            Body::Json(json!({"advisor_id": scheme.advisor_id})),
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "PUT",
            format!("/api/v1/applications/{completed_id}/scores"),
            Body::Json(json!({"scores": [{"item_id": item, "score": 1}]})),
            ["401", "403", "404", "ok", "404", "403", "403"],
        ),
        // The preview is the assigned advisor's (here a 409: already completed).
        (
            "GET",
            format!("/api/v1/applications/{completed_id}/preview"),
            Body::None,
            ["401", "403", "404", "ok", "404", "403", "403"],
        ),
        (
            "POST",
            format!("/api/v1/applications/{completed_id}/complete"),
            Body::Json(json!({})),
            ["401", "403", "404", "ok", "404", "403", "403"],
        ),
        (
            "GET",
            format!("/api/v1/certificates/{number}"),
            Body::None,
            ["401", "ok", "404", "403", "403", "ok", "ok"],
        ),
        // The status history is read by whoever reads the record.
        (
            "GET",
            format!("/api/v1/certificates/{number}/history"),
            Body::None,
            ["401", "ok", "404", "403", "403", "ok", "ok"],
        ),
        (
            "GET",
            format!("/api/v1/verify/{number}"),
            Body::None,
            ["ok"; 7],
        ),
        (
            "GET",
            format!("/api/v1/certificates/{number}/pdf"),
            Body::None,
            ["401", "ok", "404", "403", "403", "ok", "ok"],
        ),
        // Verification is public whoever asks: the QR token (API and page), the
        // number page, the signed status list and the keys.
        (
            "GET",
            format!("/api/v1/verify/token/{token}"),
            Body::None,
            ["ok"; 7],
        ),
        ("GET", format!("/v/{token}"), Body::None, ["ok"; 7]),
        (
            "GET",
            format!("/verify?number={number}"),
            Body::None,
            ["ok"; 7],
        ),
        ("GET", "/api/v1/status-list".into(), Body::None, ["ok"; 7]),
        (
            "GET",
            "/.well-known/jwks.json".into(),
            Body::None,
            ["ok"; 7],
        ),
        (
            "GET",
            "/.well-known/scheme-ca.pem".into(),
            Body::None,
            ["ok"; 7],
        ),
        // The register search: an operator gets their own organisation's only
        // (checked by content below), advisors none.
        (
            "GET",
            "/api/v1/certificates".into(),
            Body::None,
            ["401", "ok", "ok", "403", "403", "ok", "ok"],
        ),
        (
            "GET",
            format!("/api/v1/certificates?q={number}&postcode=BS1&status=valid"),
            Body::None,
            ["401", "ok", "ok", "403", "403", "ok", "ok"],
        ),
        // Status actions are the admin's alone; the admin's suspend then reinstate
        // leave the certificate active.
        (
            "POST",
            format!("/api/v1/certificates/{number}/suspend"),
            Body::Json(json!({"reason": "matrix"})),
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "POST",
            format!("/api/v1/certificates/{number}/reinstate"),
            Body::Json(json!({"reason": "matrix"})),
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "GET",
            "/api/v1/audit".into(),
            Body::None,
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "GET",
            "/api/v1/notifications".into(),
            Body::None,
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        // The renewal page that reminder emails link to is public and says nothing
        // about the premises.
        (
            "GET",
            format!("/renew/{premises_id}"),
            Body::None,
            ["ok"; 7],
        ),
        // Part 1 of issue 11: a condition's evidence is the owner's to submit (here
        // refused for its missing note or the state: 422/409), its review the raising
        // advisor's (an accept, after the download row), its file for whoever reads
        // the record and the reviewer.
        (
            "POST",
            format!("/api/v1/certificates/{cnum}/conditions/{cid}/evidence"),
            Body::Evidence,
            ["401", "ok", "404", "403", "403", "403", "403"],
        ),
        (
            "GET",
            format!("/api/v1/certificates/{cnum}/conditions/{cid}/evidence/{cevidence}"),
            Body::None,
            ["401", "ok", "404", "ok", "404", "ok", "ok"],
        ),
        (
            "GET",
            "/api/v1/conditions/awaiting-review".into(),
            Body::None,
            ["401", "403", "403", "ok", "ok", "403", "403"],
        ),
        (
            "POST",
            format!("/api/v1/certificates/{cnum}/conditions/{cid}/review"),
            Body::Json(json!({"decision": "accept"})),
            ["401", "403", "403", "ok", "403", "403", "403"],
        ),
        // Part 4 (advisor oversight): reviews are the admin's alone; the admin's
        // confirmation closes the review, so the reassessment is then a 409.
        (
            "GET",
            "/api/v1/reviews?status=open".into(),
            Body::None,
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "GET",
            format!("/api/v1/reviews/{review_id}"),
            Body::None,
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "POST",
            format!("/api/v1/reviews/{review_id}/confirm"),
            Body::Json(json!({"note": "matrix"})),
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        (
            "POST",
            format!("/api/v1/reviews/{review_id}/reassess"),
            Body::Json(json!({"note": "matrix"})),
            ["401", "403", "403", "403", "403", "403", "409"],
        ),
        // Issue 11 part 5: fire safety on file, written by the premises' operator,
        // read by them and admins (police see it on the certificate record).
        (
            "PUT",
            format!("/api/v1/premises/{premises_id}/fire-safety"),
            Body::Json(
                json!({"assessor": "A", "assessed_on": "2026-01-01", "next_review_on": "2099-01-01"}),
            ),
            ["401", "ok", "404", "403", "403", "403", "403"],
        ),
        (
            "GET",
            format!("/api/v1/premises/{premises_id}/fire-safety"),
            Body::None,
            ["401", "ok", "404", "403", "403", "403", "ok"],
        ),
        (
            "POST",
            format!("/api/v1/premises/{premises_id}/fire-safety/evidence"),
            Body::Evidence,
            ["401", "ok", "404", "403", "403", "403", "403"],
        ),
        (
            "GET",
            format!("/api/v1/premises/{premises_id}/fire-safety/evidence/{fire_evidence_id}"),
            Body::None,
            ["401", "ok", "404", "403", "403", "403", "ok"],
        ),
        // issue 11 part 2: appeals. The assigned advisor made the assessment
        // appealed against, so the other advisor is the one who may review it.
        (
            "POST",
            format!("/api/v1/applications/{refused_id}/appeal"),
            Body::Json(json!({"items": [crate::helpers::APPEAL_ITEM], "grounds": "matrix"})),
            ["401", "ok", "404", "403", "403", "403", "403"],
        ),
        (
            "GET",
            "/api/v1/appeals".into(),
            Body::None,
            ["401", "ok", "ok", "ok", "ok", "403", "ok"],
        ),
        (
            "GET",
            format!("/api/v1/appeals/{appeal_id}"),
            Body::None,
            ["401", "ok", "404", "404", "ok", "403", "ok"],
        ),
        (
            "POST",
            format!("/api/v1/appeals/{appeal_id}/evidence"),
            Body::Evidence,
            ["401", "ok", "404", "403", "403", "403", "403"],
        ),
        (
            "GET",
            format!("/api/v1/appeals/{appeal_id}/evidence/{appeal_evidence_id}"),
            Body::None,
            ["401", "ok", "404", "404", "404", "403", "ok"],
        ),
        (
            "POST",
            format!("/api/v1/appeals/{appeal_id}/claim"),
            Body::Json(json!({})),
            ["401", "403", "403", "403", "ok", "403", "403"],
        ),
        (
            "PUT",
            format!("/api/v1/appeals/{appeal_id}/scores"),
            Body::Json(
                json!({"scores": [{"item_id": crate::helpers::APPEAL_ITEM, "score": 3, "note": "matrix"}]}),
            ),
            ["401", "403", "403", "404", "ok", "403", "403"],
        ),
        (
            "POST",
            format!("/api/v1/appeals/{appeal_id}/decide"),
            Body::Json(json!({})),
            ["401", "403", "403", "404", "ok", "403", "403"],
        ),
        (
            "PUT",
            format!("/api/v1/applications/{refused_id}/reply"),
            Body::Json(json!({"statement": "matrix"})),
            ["401", "ok", "404", "403", "403", "403", "403"],
        ),
        // Near the end: revocation is final.
        (
            "POST",
            format!("/api/v1/certificates/{number}/revoke"),
            Body::Json(json!({"reason": "matrix"})),
            ["401", "403", "403", "403", "403", "403", "ok"],
        ),
        // It changes the draft's state when allowed.
        (
            "POST",
            format!("/api/v1/applications/{draft_id}/withdraw"),
            Body::Json(json!({})),
            ["401", "ok", "404", "404", "404", "403", "403"],
        ),
        // Part 3: the sign-off is an admin's or another eligible advisor's, never
        // the assessor's (a return without a note is a 422, so nothing changes).
        (
            "POST",
            format!("/api/v1/applications/{awaiting_id}/sign-off"),
            Body::Json(json!({"decision": "return"})),
            ["401", "403", "403", "403", "ok", "403", "ok"],
        ),
        // On an application that needed none: the assessor is still refused, the
        // other advisor does not see it, the admin gets a 409.
        (
            "POST",
            format!("/api/v1/applications/{completed_id}/sign-off"),
            Body::Json(json!({"decision": "approve"})),
            ["401", "403", "403", "403", "404", "403", "ok"],
        ),
        (
            "GET",
            "/api/v1/sign-offs".into(),
            Body::None,
            ["401", "403", "403", "ok", "ok", "403", "ok"],
        ),
        // Run at the very end of this test: it ends every token of the account.
        (
            "POST",
            "/api/v1/auth/logout".into(),
            Body::None,
            ["401", "204", "204", "204", "204", "204", "204"],
        ),
    ];

    let mut failures = Vec::new();
    for (method, path, body, expected) in &matrix {
        if path == LOGOUT {
            continue;
        }
        for (col, want) in expected.iter().enumerate() {
            let method_ = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let mut req = app.client.request(method_, app.url(path));
            if let Some(t) = tokens[col] {
                req = req.bearer_auth(t);
            }
            req = match body {
                Body::None => req,
                Body::Json(v) => req.json(v),
                Body::Evidence => req.multipart(
                    Form::new().part(
                        "file",
                        Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec())
                            .file_name("p.pdf")
                            .mime_str("application/pdf")
                            .expect("mime"),
                    ),
                ),
            };
            let reply = Reply::from(req.send().await.expect("request")).await;
            let got = reply.status.as_u16();
            let ok = match *want {
                "ok" => allowed(got),
                code => code.parse::<u16>().ok() == Some(got),
            };
            if !ok {
                failures.push(format!(
                    "{method} {path} as {}: want {want}, got {got} {}",
                    ROLES[col], reply.body
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation matrix failures:\n{}",
        failures.join("\n")
    );

    // Every documented endpoint is in the matrix: a new one cannot be added
    // without saying who may call it.
    let doc = app.get("/api/v1/openapi.json", None).await.ok();
    let fits = |template: &str, path: &str| {
        let path = path.split('?').next().unwrap_or(path);
        let (t, p): (Vec<&str>, Vec<&str>) =
            (template.split('/').collect(), path.split('/').collect());
        t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
    };
    let mut untested = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            let covered = matrix
                .iter()
                .any(|(m, path, _, _)| m.eq_ignore_ascii_case(method) && fits(template, path));
            if !covered {
                untested.push(format!("{} {template}", method.to_uppercase()));
            }
        }
    }
    assert!(
        untested.is_empty(),
        "endpoints missing from the matrix: {untested:?}"
    );

    // The search lets an operator through, but shows them nothing of another
    // organisation's: the owner finds the certificate, the other operator does not.
    for query in ["", "?postcode=BS1", &format!("?q={number}")] {
        let path = format!("/api/v1/certificates{query}");
        let own = app.get(&path, Some(&scheme.operator)).await.ok();
        let own: Vec<&Value> = own.as_array().expect("list").iter().collect();
        assert!(
            own.iter().any(|c| c["number"] == number.as_str()),
            "{path}: the owner must find {number}"
        );
        let others = app.get(&path, Some(&other_operator)).await.ok();
        assert_eq!(
            others,
            json!([]),
            "{path}: another operator must see nothing"
        );
    }

    // The listings let the other operator through too, but hold none of the first
    // organisation's records, which the owner does see. (The other operator has
    // premises of their own from the matrix, so theirs is not simply empty.)
    let first_org = scheme.premises["organisation_id"]
        .as_str()
        .expect("organisation id")
        .to_string();
    let ids_of = |list: &Value| -> Vec<String> {
        list.as_array()
            .expect("list")
            .iter()
            .filter_map(|v| v["id"].as_str().map(str::to_string))
            .collect()
    };
    let scheme_premises_id = scheme.premises["id"].as_str().expect("id").to_string();
    for (path, first_orgs) in [
        (
            "/api/v1/applications",
            [draft_id.clone(), completed_id.clone()],
        ),
        (
            "/api/v1/premises",
            [premises_id.clone(), scheme_premises_id],
        ),
    ] {
        let own = ids_of(&app.get(path, Some(&scheme.operator)).await.ok());
        for id in &first_orgs {
            assert!(own.contains(id), "{path}: the owner must see {id}");
        }
        let others = app.get(path, Some(&other_operator)).await.ok();
        for entry in others.as_array().expect("list") {
            assert_ne!(
                entry["organisation_id"],
                first_org.as_str(),
                "{path}: another operator sees {entry}"
            );
        }
        let others = ids_of(&others);
        assert!(
            first_orgs.iter().all(|id| !others.contains(id)),
            "{path}: another operator sees {others:?}"
        );
    }
    assert!(
        !ids_of(
            &app.get("/api/v1/premises", Some(&other_operator))
                .await
                .ok()
        )
        .is_empty(),
        "the other operator's own premises are listed"
    );

    // An unassigned advisor's queue holds only what they may claim: a submitted
    // application is there for an eligible advisor, not for one tied to the
    // operator's organisation nor for one out of scope, and another advisor's
    // application (the completed one) and drafts are there for none of them.
    let third = app.building(&scheme.operator, 300).await;
    let queued = app
        .answered_application(&scheme.operator, third["id"].as_str().expect("id"))
        .await;
    let queued_id = queued["id"].as_str().expect("id").to_string();
    app.post(
        &format!("/api/v1/applications/{queued_id}/submit"),
        Some(&scheme.operator),
        json!({}),
    )
    .await
    .ok();
    let (tied, _) = app
        .advisor(&scheme.admin, &["building", "event"], Some(&first_org))
        .await;
    let (events_only, _) = app.advisor(&scheme.admin, &["event"], None).await;
    let queue = ids_of(
        &app.get("/api/v1/applications", Some(&other_advisor))
            .await
            .ok(),
    );
    assert!(
        queue.contains(&queued_id),
        "eligible advisor's queue: {queue:?}"
    );
    for (who, token) in [
        ("other advisor", &other_advisor),
        ("tied advisor", &tied),
        ("out-of-scope advisor", &events_only),
    ] {
        let queue = ids_of(&app.get("/api/v1/applications", Some(token)).await.ok());
        assert!(
            !queue.contains(&completed_id) && !queue.contains(&draft_id),
            "{who}'s queue: {queue:?}"
        );
        if who != "other advisor" {
            assert!(!queue.contains(&queued_id), "{who}'s queue: {queue:?}");
        }
    }

    // Last, as each role: logging out (which ends the tokens above).
    let (_, _, _, expected) = matrix
        .iter()
        .find(|(_, path, _, _)| path == LOGOUT)
        .expect("the logout row");
    for (col, want) in expected.iter().enumerate() {
        let got = app
            .request("POST", LOGOUT, tokens[col], None)
            .await
            .status
            .as_u16();
        assert_eq!(
            want.parse::<u16>().ok(),
            Some(got),
            "POST {LOGOUT} as {}",
            ROLES[col]
        );
    }
}
