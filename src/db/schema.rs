// Written by hand to the column types both backends share (see migrations/*).

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        organisation_id -> Nullable<Text>,
        role -> Text,
        name -> Text,
        email -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        session_version -> Integer,
        active -> Bool,
    }
}

diesel::table! {
    advisors (user_id) {
        user_id -> Text,
        accreditation_number -> Text,
        accredited_until -> Date,
        scopes -> Text,
        status -> Text,
        tied_organisation_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    checklists (id) {
        id -> Text,
        kind -> Text,
        version -> Integer,
        title -> Text,
        source -> Text,
        hash -> Text,
        published_at -> Timestamp,
    }
}

diesel::table! {
    premises (id) {
        id -> Text,
        organisation_id -> Text,
        kind -> Text,
        name -> Text,
        address -> Text,
        town -> Text,
        postcode -> Text,
        capacity -> Integer,
        place_of_worship -> Bool,
        event_start -> Nullable<Timestamp>,
        event_end -> Nullable<Timestamp>,
        dsi_name -> Nullable<Text>,
        dsi_email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        // Issue 13 part 7 (scope).
        responsible_person -> Text,
        schedule1_use -> Nullable<Text>,
        schedule2_exclusion -> Text,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        premises_id -> Text,
        organisation_id -> Text,
        checklist_id -> Text,
        tier -> Text,
        status -> Text,
        advisor_id -> Nullable<Text>,
        outcome -> Nullable<Text>,
        result -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        assigned_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    answers (application_id, item_id) {
        application_id -> Text,
        item_id -> Text,
        status -> Text,
        note -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    scores (application_id, item_id) {
        application_id -> Text,
        item_id -> Text,
        score -> Nullable<Integer>,
        note -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evidence (id) {
        id -> Text,
        application_id -> Text,
        item_id -> Nullable<Text>,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        data -> Binary,
        uploaded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    certificates (id) {
        id -> Text,
        number -> Text,
        application_id -> Text,
        premises_id -> Text,
        organisation_id -> Text,
        kind -> Text,
        tier -> Text,
        premises_name -> Text,
        address -> Text,
        town -> Text,
        postcode -> Text,
        advisor_id -> Text,
        advisor_name -> Text,
        accreditation_number -> Text,
        checklist_id -> Text,
        outcome -> Text,
        conditions -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        status -> Text,
        status_reason -> Nullable<Text>,
        superseded_by -> Nullable<Text>,
        updated_at -> Timestamp,
        status_index -> Nullable<Integer>,
        // Part 4 (advisor oversight): the accreditation's standing at issue.
        accreditation_status_at_issue -> Nullable<Text>,
        // Issue 12 part C: search keys (domain::search_keys).
        postcode_key -> Text,
        district -> Text,
    }
}

// Issue 13 part 9 (validity): what a certificate lapses on, and a lapse recorded.
diesel::table! {
    certificate_lapses (certificate_id) {
        certificate_id -> Text,
        lapses_on -> Text,
        lapse_recorded -> Nullable<Text>,
    }
}

diesel::table! {
    sequences (name) {
        name -> Text,
        value -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    certificate_documents (certificate_id) {
        certificate_id -> Text,
        pdf -> Binary,
        sha256 -> Text,
        token -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    token_keys (kid) {
        kid -> Text,
        private_key -> Text,
        public_key -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        subject -> Text,
        kind -> Text,
        offset_days -> Integer,
        due_on -> Date,
        recipients -> Text,
        mail_subject -> Text,
        context -> Text,
        status -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

// Part 3: the second sign-off.
diesel::table! {
    sign_offs (id) {
        id -> Text,
        application_id -> Text,
        assessor_id -> Text,
        outcome -> Text,
        assessed_at -> Timestamp,
        reviewer_id -> Nullable<Text>,
        decision -> Nullable<Text>,
        note -> Text,
        decided_at -> Nullable<Timestamp>,
    }
}

// Part 1 of issue 11: conditions to closure.
diesel::table! {
    certificate_conditions (id) {
        id -> Text,
        certificate_id -> Text,
        item_id -> Text,
        text -> Text,
        due_at -> Timestamp,
        state -> Text,
        raised_by -> Text,
        overdue_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    condition_events (id) {
        id -> Text,
        condition_id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        note -> Text,
        evidence_id -> Nullable<Text>,
    }
}

diesel::table! {
    condition_evidence (id) {
        id -> Text,
        condition_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        data -> Binary,
        uploaded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    certificate_holds (certificate_id, holder) {
        certificate_id -> Text,
        holder -> Text,
        reason -> Text,
        created_at -> Timestamp,
    }
}

// Part 4 (advisor oversight): certificates flagged for review.
diesel::table! {
    certificate_reviews (id) {
        id -> Text,
        certificate_id -> Text,
        advisor_id -> Text,
        cause -> Text,
        reason -> Text,
        flagged_at -> Timestamp,
        resolution -> Nullable<Text>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
        reassess_by -> Nullable<Date>,
    }
}

// issue 11 part 2: appeals
diesel::table! {
    appeals (id) {
        id -> Text,
        application_id -> Text,
        organisation_id -> Text,
        state -> Text,
        items -> Text,
        grounds -> Text,
        original_outcome -> Text,
        lodged_by -> Text,
        lodged_at -> Timestamp,
        window_closes_at -> Timestamp,
        reviewer_id -> Nullable<Text>,
        claimed_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        result -> Nullable<Text>,
        consequence -> Nullable<Text>,
        decision_application_id -> Nullable<Text>,
        certificate_number -> Nullable<Text>,
        withdrawn_certificate_number -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    appeal_scores (appeal_id, item_id) {
        appeal_id -> Text,
        item_id -> Text,
        score -> Nullable<Integer>,
        note -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    appeal_evidence (id) {
        id -> Text,
        appeal_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        data -> Binary,
        uploaded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    replies (application_id) {
        application_id -> Text,
        statement -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(advisors -> users (user_id));
diesel::joinable!(premises -> organisations (organisation_id));
// Issue 11 part 5: fire safety on file.
diesel::table! {
    fire_safety_records (id) {
        id -> Text,
        premises_id -> Text,
        organisation_id -> Text,
        assessor -> Text,
        assessed_on -> Date,
        next_review_on -> Date,
        certificate_reference -> Nullable<Text>,
        certificate_expires_on -> Nullable<Date>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        superseded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    fire_safety_evidence (id) {
        id -> Text,
        record_id -> Text,
        premises_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        data -> Binary,
        uploaded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(applications -> premises (premises_id));
diesel::joinable!(applications -> checklists (checklist_id));
diesel::joinable!(certificate_documents -> certificates (certificate_id));
diesel::joinable!(certificate_conditions -> certificates (certificate_id));
diesel::joinable!(condition_events -> certificate_conditions (condition_id));
// Part 4 (advisor oversight).
diesel::joinable!(certificate_reviews -> certificates (certificate_id));
// issue 11 part 2: appeals
diesel::joinable!(appeals -> applications (application_id));
diesel::joinable!(appeal_scores -> appeals (appeal_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    advisors,
    checklists,
    premises,
    applications,
    answers,
    scores,
    evidence,
    certificates,
    sequences,
    audit_log,
    secrets,
    certificate_documents,
    token_keys,
    notifications,
    password_resets,
    // Part 3: the second sign-off.
    sign_offs,
    // Part 1 of issue 11: conditions to closure.
    certificate_conditions,
    condition_events,
    condition_evidence,
    certificate_holds,
    // Part 4 (advisor oversight).
    certificate_reviews,
    // Issue 11 part 5: fire safety on file.
    fire_safety_records,
    fire_safety_evidence,
    // issue 11 part 2: appeals
    appeals,
    appeal_scores,
    appeal_evidence,
    replies,
    // Issue 12 part C: the register search.
    certificate_terms,
    certificate_terms_pending,
);

// Issue 12 part C: the words of each certificate's premises name, for the search.
diesel::table! {
    certificate_terms (term, issued_at, number) {
        term -> Text,
        issued_at -> Timestamp,
        number -> Text,
    }
}

// Issue 12 part C: certificates issued before there were terms, given theirs at
// start-up.
diesel::table! {
    certificate_terms_pending (certificate_id) {
        certificate_id -> Text,
    }
}

// Issue 12: moves whenever what public verification shows of a certificate changes
// (a trigger on `certificates`); each instance's public cache polls it.
diesel::table! {
    register_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}
