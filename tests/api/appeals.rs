//! Appeals and the right to reply (issue 11 part 2), over HTTP.

use serde_json::{Value, json};

use crate::helpers::{APPEAL_ITEM, CONDITION_ITEM, TestApp, spawn_app, spawn_app_with};

struct Cast {
    admin: String,
    operator: String,
    org: String,
    assessor: String,
    reviewer: String,
    reviewer_id: String,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.admin().await;
    let (operator, org) = app.operator("Quayside Venues Ltd").await;
    let (assessor, _) = app.advisor(&admin, &["building"], None).await;
    let (reviewer, reviewer_id) = app.advisor(&admin, &["building"], None).await;
    Cast {
        admin,
        operator,
        org,
        assessor,
        reviewer,
        reviewer_id,
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

async fn audit_actions(app: &TestApp, admin: &str, entity_id: &str) -> Vec<String> {
    app.get(
        &format!("/api/v1/audit?entity_id={entity_id}&limit=100"),
        Some(admin),
    )
    .await
    .ok()
    .as_array()
    .expect("entries")
    .iter()
    .map(|e| e["action"].as_str().unwrap_or_default().to_string())
    .collect()
}

#[tokio::test]
async fn a_refusal_overturned_on_appeal_issues_a_certificate() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (refused, done) = app
        .assessed_with(&c.operator, &c.assessor, &[(APPEAL_ITEM, 0)])
        .await;
    assert_eq!(done["outcome"], "refused");
    let app_id = id(&refused);

    // The operator sees the window open, with its closing date.
    let view = app
        .get(&format!("/api/v1/applications/{app_id}"), Some(&c.operator))
        .await
        .ok();
    assert_eq!(view["appeal_and_reply"]["may_appeal"], true, "{view}");
    assert!(view["appeal_and_reply"]["window_closes_at"].is_string());

    let appeal = app.appeal(&c.operator, &app_id, &[APPEAL_ITEM]).await;
    assert_eq!(appeal["state"], "lodged");
    assert_eq!(appeal["items"], json!([APPEAL_ITEM]));
    let appeal_id = id(&appeal);
    let evidence = app.attach_to_appeal(&c.operator, &appeal_id).await;

    // The reviewer's queue holds it; the original assessor's does not.
    let queue = app.get("/api/v1/appeals", Some(&c.reviewer)).await.ok();
    assert!(
        queue
            .as_array()
            .expect("list")
            .iter()
            .any(|a| a["id"] == appeal_id.as_str())
    );
    let theirs = app.get("/api/v1/appeals", Some(&c.assessor)).await.ok();
    assert!(
        !theirs
            .as_array()
            .expect("list")
            .iter()
            .any(|a| a["id"] == appeal_id.as_str())
    );

    let claimed = app
        .post(
            &format!("/api/v1/appeals/{appeal_id}/claim"),
            Some(&c.reviewer),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(claimed["state"], "in_review");
    assert_eq!(claimed["reviewer"]["id"], c.reviewer_id.as_str());
    // The reviewer sees the grounds, the evidence and the original score and note.
    assert!(
        claimed["grounds"]
            .as_str()
            .expect("grounds")
            .contains("exercised")
    );
    assert_eq!(claimed["evidence"][0]["id"], evidence["id"]);
    assert_eq!(claimed["review"][0]["id"], APPEAL_ITEM);
    assert_eq!(claimed["review"][0]["original"]["score"], 0);
    assert_eq!(claimed["preview_outcome"], "refused");
    let file = app
        .get(
            &format!("/api/v1/appeals/{appeal_id}/evidence/{}", id(&evidence)),
            Some(&c.reviewer),
        )
        .await;
    assert_eq!(file.status.as_u16(), 200);

    let decision = app
        .review_appeal(&c.reviewer, &appeal_id, &[(APPEAL_ITEM, 4)])
        .await;
    assert_eq!(decision["outcome"], "certified", "{decision}");
    assert_eq!(decision["consequence"], "issued");
    assert!(
        decision["result"]["reasons"][0]
            .as_str()
            .expect("reason")
            .starts_with("Decided on appeal")
    );
    let number = decision["certificate"]["number"].as_str().expect("number");
    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&c.operator))
        .await
        .ok();
    assert_eq!(record["status"], "valid", "{record}");
    assert_eq!(
        record["appeal_and_reply"]["appeal"]["issued_on_appeal"],
        true
    );
    assert_eq!(
        record["appeal_and_reply"]["appeal"]["original_outcome"],
        "refused"
    );

    // The application's record shows the appeal and its decision.
    let view = app
        .get(&format!("/api/v1/applications/{app_id}"), Some(&c.operator))
        .await
        .ok();
    let shown = &view["appeal_and_reply"]["appeal"];
    assert_eq!(shown["state"], "decided");
    assert_eq!(shown["decision"]["outcome"], "certified");
    assert_eq!(shown["decision"]["certificate"], number);
    assert_eq!(shown["scores"][0]["score"], 4);
    assert_eq!(view["appeal_and_reply"]["may_appeal"], false);

    let actions = audit_actions(&app, &c.admin, &appeal_id).await;
    for a in [
        "appeal.lodged",
        "appeal.evidence_uploaded",
        "appeal.claimed",
        "appeal.scored",
        "appeal.decided",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
    assert!(
        audit_actions(&app, &c.admin, number)
            .await
            .contains(&"certificate.issued".to_string())
    );
}

#[tokio::test]
async fn an_unchanged_outcome_issues_nothing_and_records_the_decision() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (refused, _) = app
        .assessed_with(&c.operator, &c.assessor, &[(APPEAL_ITEM, 0)])
        .await;
    let appeal = app.appeal(&c.operator, &id(&refused), &[APPEAL_ITEM]).await;
    let decision = app
        .review_appeal(&c.reviewer, &id(&appeal), &[(APPEAL_ITEM, 1)])
        .await;
    assert_eq!(decision["outcome"], "refused");
    assert_eq!(decision["consequence"], "unchanged");
    assert_eq!(decision["certificate"], Value::Null);
    let again = app
        .post(
            &format!("/api/v1/appeals/{}/decide", id(&appeal)),
            Some(&c.reviewer),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(again["code"], "appeal_decided");
}

#[tokio::test]
async fn conditions_lifted_on_appeal_reissue_and_supersede() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (assessed, done) = app
        .assessed_with(&c.operator, &c.assessor, &[(CONDITION_ITEM, 2)])
        .await;
    assert_eq!(done["outcome"], "certified_with_conditions");
    let old = done["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let appeal = app
        .appeal(&c.operator, &id(&assessed), &[CONDITION_ITEM])
        .await;
    let decision = app
        .review_appeal(&c.reviewer, &id(&appeal), &[(CONDITION_ITEM, 4)])
        .await;
    assert_eq!(decision["outcome"], "certified");
    assert_eq!(decision["consequence"], "reissued");
    let new = decision["certificate"]["number"].as_str().expect("number");
    let old_record = app
        .get(&format!("/api/v1/certificates/{old}"), Some(&c.operator))
        .await
        .ok();
    assert_eq!(old_record["status"], "superseded");
    assert_eq!(old_record["superseded_by"], new);
    let new_record = app
        .get(&format!("/api/v1/certificates/{new}"), Some(&c.operator))
        .await
        .ok();
    assert_eq!(new_record["conditions"], json!([]));
    assert_eq!(new_record["advisor_name"], "Ada Advisor");
    assert!(
        audit_actions(&app, &c.admin, &old)
            .await
            .contains(&"certificate.superseded".to_string())
    );
}

#[tokio::test]
async fn a_refusal_on_appeal_withdraws_the_certificate() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (assessed, done) = app
        .assessed_with(&c.operator, &c.assessor, &[(CONDITION_ITEM, 2)])
        .await;
    let number = done["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let appeal = app
        .appeal(&c.operator, &id(&assessed), &[CONDITION_ITEM, APPEAL_ITEM])
        .await;
    // The reviewer finds the critical item weaker than first scored.
    let decision = app
        .review_appeal(&c.reviewer, &id(&appeal), &[(APPEAL_ITEM, 1)])
        .await;
    assert_eq!(decision["outcome"], "refused", "{decision}");
    assert_eq!(decision["consequence"], "withdrawn");
    assert_eq!(decision["withdrawn_certificate"], number.as_str());
    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&c.operator))
        .await
        .ok();
    assert_eq!(record["status"], "revoked");
    assert!(
        record["status_reason"]
            .as_str()
            .expect("reason")
            .starts_with("withdrawn on appeal")
    );
    let verify = app
        .get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    assert_eq!(verify["status"], "revoked");
    assert!(verify.get("appeal_and_reply").is_none(), "{verify}");
    assert!(
        audit_actions(&app, &c.admin, &number)
            .await
            .contains(&"certificate.revoked".to_string())
    );
}

#[tokio::test]
async fn an_appeal_is_refused_after_the_window() {
    let app = spawn_app_with(|s| s.appeal_window_days = 0).await;
    let c = cast(&app).await;
    let (refused, _) = app
        .assessed_with(&c.operator, &c.assessor, &[(APPEAL_ITEM, 0)])
        .await;
    let body = app
        .post(
            &format!("/api/v1/applications/{}/appeal", id(&refused)),
            Some(&c.operator),
            json!({"items": [APPEAL_ITEM], "grounds": "late"}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "appeal_window_closed");
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert!(
        body["detail"]
            .as_str()
            .expect("detail")
            .contains(&format!("closed on {today}")),
        "{body}"
    );
}

#[tokio::test]
async fn one_appeal_per_assessment_with_valid_items_and_grounds() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (refused, _) = app
        .assessed_with(&c.operator, &c.assessor, &[(APPEAL_ITEM, 0)])
        .await;
    let path = format!("/api/v1/applications/{}/appeal", id(&refused));
    let body = app
        .post(
            &path,
            Some(&c.operator),
            json!({"items": [APPEAL_ITEM], "grounds": "  "}),
        )
        .await
        .expect(422);
    assert!(
        crate::helpers::Reply::fields(&body).contains(&"grounds".to_string()),
        "{body}"
    );
    let body = app
        .post(
            &path,
            Some(&c.operator),
            json!({"items": [APPEAL_ITEM, "no-such-item", "enh-mon-01"], "grounds": "wrong"}),
        )
        .await
        .expect(422);
    let fields = crate::helpers::Reply::fields(&body);
    assert!(fields.contains(&"items[1]".to_string()), "{body}");
    app.appeal(&c.operator, &id(&refused), &[APPEAL_ITEM]).await;
    let body = app
        .post(
            &path,
            Some(&c.operator),
            json!({"items": [APPEAL_ITEM], "grounds": "again"}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "appeal_exists");
    // Another organisation's operator cannot even find the application.
    let (other, _) = app.operator("Someone Else Ltd").await;
    app.post(
        &path,
        Some(&other),
        json!({"items": [APPEAL_ITEM], "grounds": "x"}),
    )
    .await
    .expect(404);

    // A certificate without conditions leaves nothing to appeal.
    let (certified, done) = app.assessed_with(&c.operator, &c.assessor, &[]).await;
    assert_eq!(done["outcome"], "certified");
    let body = app
        .post(
            &format!("/api/v1/applications/{}/appeal", id(&certified)),
            Some(&c.operator),
            json!({"items": [APPEAL_ITEM], "grounds": "x"}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "not_appealable");
}

#[tokio::test]
async fn only_a_different_untied_advisor_in_scope_reviews() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (refused, _) = app
        .assessed_with(&c.operator, &c.assessor, &[(APPEAL_ITEM, 0)])
        .await;
    let appeal = app.appeal(&c.operator, &id(&refused), &[APPEAL_ITEM]).await;
    let claim = format!("/api/v1/appeals/{}/claim", id(&appeal));
    let body = app
        .post(&claim, Some(&c.assessor), json!({}))
        .await
        .expect(403);
    assert!(
        body["detail"]
            .as_str()
            .expect("detail")
            .contains("made the assessment"),
        "{body}"
    );
    let (tied, _) = app.advisor(&c.admin, &["building"], Some(&c.org)).await;
    let body = app.post(&claim, Some(&tied), json!({})).await.expect(403);
    assert!(
        body["detail"].as_str().expect("detail").contains("tie"),
        "{body}"
    );
    let (events_only, _) = app.advisor(&c.admin, &["event"], None).await;
    app.post(&claim, Some(&events_only), json!({}))
        .await
        .expect(403);
    for who in [&tied, &events_only] {
        let list = app.get("/api/v1/appeals", Some(who)).await.ok();
        assert_eq!(list, json!([]));
    }
    app.post(&claim, Some(&c.operator), json!({}))
        .await
        .expect(403);
    app.post(&claim, Some(&c.reviewer), json!({})).await.ok();
    let (third, _) = app.advisor(&c.admin, &["building"], None).await;
    let body = app.post(&claim, Some(&third), json!({})).await.expect(409);
    assert_eq!(body["code"], "appeal_claimed");
    // Only the reviewer scores and decides.
    let scores = format!("/api/v1/appeals/{}/scores", id(&appeal));
    app.put(
        &scores,
        Some(&third),
        json!({"scores": [{"item_id": APPEAL_ITEM, "score": 4, "note": "x"}]}),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn the_reviewer_scores_only_appealed_items_and_explains_changes() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (refused, _) = app
        .assessed_with(&c.operator, &c.assessor, &[(APPEAL_ITEM, 0)])
        .await;
    let appeal = app.appeal(&c.operator, &id(&refused), &[APPEAL_ITEM]).await;
    let aid = id(&appeal);
    let scores = format!("/api/v1/appeals/{aid}/scores");
    // Before the claim the appeal cannot be scored.
    let body = app
        .put(
            &scores,
            Some(&c.reviewer),
            json!({"scores": [{"item_id": APPEAL_ITEM, "score": 4, "note": "x"}]}),
        )
        .await
        .expect(403);
    assert!(
        body["detail"].as_str().expect("detail").contains("claimed"),
        "{body}"
    );
    app.post(
        &format!("/api/v1/appeals/{aid}/claim"),
        Some(&c.reviewer),
        json!({}),
    )
    .await
    .ok();
    let body = app
        .put(
            &scores,
            Some(&c.reviewer),
            json!({"scores": [{"item_id": APPEAL_ITEM, "score": 4}, {"item_id": "gov-02", "score": 4, "note": "x"}]}),
        )
        .await
        .expect(422);
    let fields = crate::helpers::Reply::fields(&body);
    assert!(fields.contains(&"scores[0].note".to_string()), "{body}");
    assert!(fields.contains(&"scores[1].item_id".to_string()), "{body}");
    // The same score needs no note; the original scores of other items stand.
    let ok = app
        .put(
            &scores,
            Some(&c.reviewer),
            json!({"scores": [{"item_id": APPEAL_ITEM, "score": 0}]}),
        )
        .await
        .ok();
    assert_eq!(ok["scored"], json!([APPEAL_ITEM]));
    let body = app
        .put(
            &scores,
            Some(&c.reviewer),
            json!({"scores": [{"item_id": APPEAL_ITEM, "score": 9, "note": "x"}]}),
        )
        .await
        .expect(422);
    assert!(crate::helpers::Reply::fields(&body).contains(&"scores[0].score".to_string()));
    // The operator sees the reviewer's scores only once decided.
    let seen = app
        .get(&format!("/api/v1/appeals/{aid}"), Some(&c.operator))
        .await
        .ok();
    assert_eq!(seen["scores"], json!([]));
}

#[tokio::test]
async fn the_right_to_reply_is_shown_to_police_and_replaced() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let police = app.police(&c.admin).await;
    let (assessed, done) = app
        .assessed_with(&c.operator, &c.assessor, &[(CONDITION_ITEM, 2)])
        .await;
    let number = done["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let path = format!("/api/v1/applications/{}/reply", id(&assessed));
    let body = app
        .put(
            &path,
            Some(&c.operator),
            json!({"statement": "x".repeat(1001)}),
        )
        .await
        .expect(422);
    assert_eq!(
        crate::helpers::Reply::fields(&body),
        vec!["statement".to_string()]
    );
    app.put(&path, Some(&c.operator), json!({"statement": ""}))
        .await
        .expect(422);
    app.put(
        &path,
        Some(&c.operator),
        json!({"statement": "x".repeat(1000)}),
    )
    .await
    .ok();
    let last = "The new lockdown procedure was exercised on 3 November.";
    app.put(&path, Some(&c.operator), json!({"statement": last}))
        .await
        .ok();
    app.put(&path, Some(&police), json!({"statement": last}))
        .await
        .expect(403);
    let record = app
        .get(&format!("/api/v1/certificates/{number}"), Some(&police))
        .await
        .ok();
    assert_eq!(record["appeal_and_reply"]["reply"]["statement"], last);
    let view = app
        .get(
            &format!("/api/v1/applications/{}", id(&assessed)),
            Some(&c.operator),
        )
        .await
        .ok();
    assert_eq!(view["appeal_and_reply"]["reply"]["statement"], last);
    let replies = audit_actions(&app, &c.admin, &id(&assessed))
        .await
        .into_iter()
        .filter(|a| a == "application.reply")
        .count();
    assert_eq!(replies, 2);
    // The public sees nothing of it.
    let public = app
        .get(&format!("/api/v1/verify/{number}"), None)
        .await
        .ok();
    assert!(!public.to_string().contains("lockdown"));
}

#[tokio::test]
async fn an_appeal_claimed_by_a_reviewer_who_is_then_suspended_goes_back_to_the_queue() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (refused, _) = app
        .assessed_with(&c.operator, &c.assessor, &[(APPEAL_ITEM, 0)])
        .await;
    let appeal = app.appeal(&c.operator, &id(&refused), &[APPEAL_ITEM]).await;
    let aid = id(&appeal);
    app.post(
        &format!("/api/v1/appeals/{aid}/claim"),
        Some(&c.reviewer),
        json!({}),
    )
    .await
    .ok();
    app.put(
        &format!("/api/v1/appeals/{aid}/scores"),
        Some(&c.reviewer),
        json!({"scores": [{"item_id": APPEAL_ITEM, "score": 4, "note": "In place"}]}),
    )
    .await
    .ok();
    app.post(
        &format!("/api/v1/advisors/{}/suspend", c.reviewer_id),
        Some(&c.admin),
        json!({"reason": "complaint under investigation"}),
    )
    .await
    .ok();
    let released = app
        .get(&format!("/api/v1/appeals/{aid}"), Some(&c.admin))
        .await
        .ok();
    assert_eq!(released["state"], "lodged", "{released}");
    // Another eligible advisor takes it and decides on their own scores.
    let (next, _) = app.advisor(&c.admin, &["building"], None).await;
    let decided = app.review_appeal(&next, &aid, &[(APPEAL_ITEM, 4)]).await;
    assert_ne!(decided["outcome"], "refused", "{decided}");
    let audit = app
        .get(
            &format!("/api/v1/audit?entity_type=appeal&entity_id={aid}"),
            Some(&c.admin),
        )
        .await
        .ok();
    assert!(
        audit
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["action"] == "appeal.released"),
        "{audit}"
    );
}

#[tokio::test]
async fn an_appeal_cannot_undo_an_admins_suspension() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (assessed, done) = app
        .assessed_with(&c.operator, &c.assessor, &[(CONDITION_ITEM, 2)])
        .await;
    let old = done["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let appeal = app
        .appeal(&c.operator, &id(&assessed), &[CONDITION_ITEM])
        .await;
    let aid = id(&appeal);
    app.post(
        &format!("/api/v1/certificates/{old}/suspend"),
        Some(&c.admin),
        json!({"reason": "lockdown procedure under review after a test"}),
    )
    .await
    .ok();
    app.post(
        &format!("/api/v1/appeals/{aid}/claim"),
        Some(&c.reviewer),
        json!({}),
    )
    .await
    .ok();
    app.put(
        &format!("/api/v1/appeals/{aid}/scores"),
        Some(&c.reviewer),
        json!({"scores": [{"item_id": CONDITION_ITEM, "score": 4, "note": "In place"}]}),
    )
    .await
    .ok();
    let refused = app
        .post(
            &format!("/api/v1/appeals/{aid}/decide"),
            Some(&c.reviewer),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(refused["code"], "certificate_held", "{refused}");
    let record = app
        .get(&format!("/api/v1/certificates/{old}"), Some(&c.admin))
        .await
        .ok();
    assert_eq!(
        record["status"], "suspended",
        "still the admin's suspension"
    );
    // Once the admin reinstates it, the appeal is decided and reissues.
    app.post(
        &format!("/api/v1/certificates/{old}/reinstate"),
        Some(&c.admin),
        json!({"reason": "procedure re-tested"}),
    )
    .await
    .ok();
    let decided = app
        .post(
            &format!("/api/v1/appeals/{aid}/decide"),
            Some(&c.reviewer),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(decided["consequence"], "reissued", "{decided}");
}

#[tokio::test]
async fn the_advisor_who_signed_the_assessment_off_does_not_review_the_appeal() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    // An enhanced building waits for a second sign-off, which the reviewer gives.
    let premises = app.building(&c.operator, 900).await;
    let application = app
        .answered_application(&c.operator, premises["id"].as_str().expect("id"))
        .await;
    let (_, done) = app
        .assess_until_sign_off(&c.operator, &c.assessor, &application, |item| {
            if item["id"] == APPEAL_ITEM {
                json!(0)
            } else {
                item["max_score"].clone()
            }
        })
        .await;
    assert_eq!(done["status"], "awaiting_sign_off");
    let signed = app.approve_sign_off(&c.reviewer, &id(&application)).await;
    assert_eq!(signed["outcome"], "refused");
    let appeal = app
        .appeal(&c.operator, &id(&application), &[APPEAL_ITEM])
        .await;
    let body = app
        .post(
            &format!("/api/v1/appeals/{}/claim", id(&appeal)),
            Some(&c.reviewer),
            json!({}),
        )
        .await
        .expect(403);
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("signed the assessment off")),
        "{body}"
    );
    let (third, _) = app.advisor(&c.admin, &["building"], None).await;
    app.post(
        &format!("/api/v1/appeals/{}/claim", id(&appeal)),
        Some(&third),
        json!({}),
    )
    .await
    .ok();
}

#[tokio::test]
async fn a_reissue_on_appeal_keeps_met_conditions_met_and_due_dates_unmoved() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    // Two conditions: gov-03 (met with evidence, then appealed on gov-05's).
    let (assessed, done) = app
        .assessed_with(
            &c.operator,
            &c.assessor,
            &[(CONDITION_ITEM, 2), ("gov-05", 2)],
        )
        .await;
    assert_eq!(done["outcome"], "certified_with_conditions", "{done}");
    let old = done["certificate"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let record = app
        .get(&format!("/api/v1/certificates/{old}"), Some(&c.admin))
        .await
        .ok();
    let met = record["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .find(|x| x["item_id"] == CONDITION_ITEM)
        .cloned()
        .expect("the gov-03 condition");
    let met_id = met["id"].as_str().expect("id");
    app.submit_condition_evidence(&c.operator, &old, met_id, Some("Head count recorded"))
        .await
        .expect(201);
    app.post(
        &format!("/api/v1/certificates/{old}/conditions/{met_id}/review"),
        Some(&c.assessor),
        json!({"decision": "accept"}),
    )
    .await
    .ok();
    let appeal = app.appeal(&c.operator, &id(&assessed), &["gov-05"]).await;
    let decision = app
        .review_appeal(&c.reviewer, &id(&appeal), &[("gov-05", 4)])
        .await;
    assert_eq!(decision["consequence"], "reissued", "{decision}");
    let new = decision["certificate"]["number"].as_str().expect("number");
    let renewed = app
        .get(&format!("/api/v1/certificates/{new}"), Some(&c.admin))
        .await
        .ok();
    let conditions = renewed["conditions"].as_array().expect("conditions");
    assert_eq!(conditions.len(), 1, "{renewed}");
    assert_eq!(conditions[0]["item_id"], CONDITION_ITEM);
    assert_eq!(conditions[0]["state"], "accepted", "met before the appeal");
    assert_eq!(
        conditions[0]["due_at"], met["due_at"],
        "the appeal buys no time"
    );
}
