use crate::helpers::spawn_app;

#[tokio::test]
async fn published_checklists_are_listed_with_their_hash() {
    let app = spawn_app().await;
    let list = app.get("/api/v1/checklists", None).await.ok();
    let list = list.as_array().expect("array");
    let ids: Vec<&str> = list.iter().filter_map(|c| c["id"].as_str()).collect();
    assert!(
        ids.contains(&"building-v1") && ids.contains(&"event-v1"),
        "{ids:?}"
    );
    let source = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/checklists/building.toml"
    ))
    .expect("file");
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&source))
    };
    let one = app.get("/api/v1/checklists/building-v1", None).await.ok();
    assert_eq!(
        one["hash"],
        hash.as_str(),
        "the stored hash is the file's SHA-256"
    );
    assert_eq!(one["content"]["tiers"]["standard_min"], 200);
    assert!(
        one["content"]["sections"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
    app.get("/api/v1/checklists/building-v99", None)
        .await
        .expect(404);
}

fn copy_checklists(to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for kind in ["building", "event", "building-v2", "event-v2"] {
        std::fs::copy(
            format!(
                "{}/config/checklists/{kind}.toml",
                env!("CARGO_MANIFEST_DIR")
            ),
            to.join(format!("{kind}.toml")),
        )
        .expect("copy");
    }
}

#[tokio::test]
async fn a_bad_checklist_file_stops_start_up_naming_file_and_problem() {
    let dir = tempfile::tempdir().expect("dir");
    copy_checklists(dir.path());
    let path = dir.path().join("event.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replacen("weight = ", "weight = 0 # ", 1)).expect("write");
    let mut settings = protectcert::config::Settings::defaults().expect("defaults");
    settings.data_dir = dir.path().join("data");
    settings.database_url = dir.path().join("data/p.db").to_string_lossy().into_owned();
    settings.checklists_dir = dir.path().to_path_buf();
    let err = match protectcert::startup::prepare(settings).await {
        Ok(_) => panic!("a checklist with weight 0 must not load"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("event.toml"), "{err}");
    assert!(err.contains("weight"), "{err}");
}

#[tokio::test]
async fn a_published_version_is_immutable() {
    let dir = tempfile::tempdir().expect("dir");
    copy_checklists(dir.path());
    let mut settings = protectcert::config::Settings::defaults().expect("defaults");
    settings.data_dir = dir.path().join("data");
    settings.database_url = dir.path().join("data/p.db").to_string_lossy().into_owned();
    settings.checklists_dir = dir.path().to_path_buf();
    protectcert::startup::prepare(settings.clone())
        .await
        .expect("first start");
    // Same version, changed text: refused at the next start.
    let path = dir.path().join("building.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, format!("{text}\n# edited\n")).expect("write");
    let err = match protectcert::startup::prepare(settings.clone()).await {
        Ok(_) => panic!("changing a published version must be refused"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("building.toml") && err.contains("immutable"),
        "{err}"
    );
    std::fs::write(&path, &text).expect("write");
    // A new version number publishes beside the old ones.
    let v2 = std::fs::read_to_string(dir.path().join("building-v2.toml")).expect("read");
    std::fs::write(
        dir.path().join("building-v3.toml"),
        v2.replacen("version = 2", "version = 3", 1),
    )
    .expect("write");
    let state = protectcert::startup::prepare(settings)
        .await
        .expect("v2 publishes");
    let ids: Vec<String> = state
        .checklists
        .all()
        .iter()
        .map(|c| c.id.clone())
        .collect();
    for id in ["building-v1", "building-v2", "building-v3"] {
        assert!(ids.contains(&id.to_string()), "{id} in {ids:?}");
    }
}
