//! The store's own behaviour on hand-made data sets: list, open, rename, delete, damaged files.

use super::*;
use crate::data::IMAGE_PIXELS;

fn split(labels: &[u8]) -> Dataset {
    let pixels: Vec<u8> = (0..labels.len() * IMAGE_PIXELS).map(|i| (i % 253) as u8).collect();
    Dataset::new(pixels.into(), labels.to_vec().into())
}

fn put(store: &DatasetStore, name: &str) -> PathBuf {
    let (train, test) = (split(&[0, 1, 2, 1]), split(&[2, 0]));
    let manifest = DatasetManifest {
        format_version: MANIFEST_VERSION,
        name: name.to_owned(),
        classes: ClassNames::new(vec!["a".into(), "b".into(), "c".into()]).unwrap(),
        source: SourceInfo {
            path: "/src".into(),
            kind: SourceKind::ClassFolders,
            listing_fingerprint: "x".into(),
        },
        counts: SplitCounts { train: 4, test: 2, validation: None },
        preprocessing: Preprocessing::Full,
        fingerprint: fingerprint(&[&train, &test]),
        created: crate::files::now_rfc3339(),
        split_note: None,
        skipped: Vec::new(),
    };
    let staging = Staging::new(store.root()).unwrap();
    staging.write_split(StoredSplit::Train, &train).unwrap();
    staging.write_split(StoredSplit::Test, &test).unwrap();
    staging.write_manifest(&manifest).unwrap();
    let dir = store.dir_for(name);
    staging.publish(&dir).unwrap();
    dir
}

#[test]
fn a_stored_data_set_lists_opens_renames_and_deletes() {
    let root = tempfile::tempdir().unwrap();
    let store = DatasetStore::new(root.path().join("datasets"));
    assert!(store.list().unwrap().is_empty());
    let dir = put(&store, "My shoes");
    assert!(dir.ends_with("my_shoes"));

    let listed = store.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_str(), listed[0].counts.train, listed[0].classes.len()),
        ("My shoes", 4, 3)
    );

    let opened = store.open("my shoes").unwrap();
    assert_eq!(opened.train.len(), 4);
    assert_eq!(opened.test.label(0), 2);
    assert_eq!(opened.train.image(1), split(&[0, 1]).image(1));
    assert_eq!(fingerprint(&[&opened.train, &opened.test]), opened.manifest.fingerprint);

    let new_dir = store.rename("My shoes", "Boots").unwrap();
    assert!(new_dir.ends_with("boots") && !dir.exists());
    assert_eq!(store.open("Boots").unwrap().manifest.name, "Boots");
    assert!(
        matches!(store.open("My shoes"), Err(StoreError::NotFound { available, .. }) if available == ["Boots"])
    );

    put(&store, "Other");
    assert!(matches!(store.rename("Other", "boots"), Err(StoreError::NameTaken { .. })));
    assert_eq!(store.free_name("Boots").unwrap(), "Boots (2)");
    store.delete("Boots").unwrap();
    let names: Vec<String> = store.list().unwrap().into_iter().map(|summary| summary.name).collect();
    assert_eq!(names, ["Other"]);
    // Nothing hidden stays behind either.
    assert_eq!(std::fs::read_dir(store.root()).unwrap().count(), 1);
}

#[test]
fn a_staging_folder_dropped_unpublished_leaves_nothing() {
    let root = tempfile::tempdir().unwrap();
    let staging = Staging::new(root.path()).unwrap();
    staging.write_split(StoredSplit::Train, &split(&[0, 1])).unwrap();
    drop(staging);
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);

    // One left by a killed import goes once it is old; a fresh one (an import running now) stays.
    let left = root.path().join(format!("{STAGING_PREFIX}killed"));
    std::fs::create_dir(&left).unwrap();
    remove_stale_staging(root.path(), STALE_STAGING);
    assert!(left.exists());
    remove_stale_staging(root.path(), std::time::Duration::ZERO);
    assert!(!left.exists());
}

#[test]
fn damaged_or_newer_stores_are_refused_naming_the_file() {
    let root = tempfile::tempdir().unwrap();
    let store = DatasetStore::new(root.path());
    let dir = put(&store, "set");
    let labels = dir.join(StoredSplit::Test.labels_file());
    let body = [0_u8, 9];
    let raw = crate::data::idx::encode(crate::data::idx::IdxKind::Labels, 2, &body);
    std::fs::write(&labels, crate::data::idx::gzip(&raw).unwrap()).unwrap();
    let error = store.open("set").unwrap_err().to_string();
    assert!(error.contains("test-labels-idx1-ubyte.gz") && error.contains("label 9"), "{error}");

    let manifest = dir.join(MANIFEST_FILE);
    let text =
        std::fs::read_to_string(&manifest).unwrap().replace("\"format_version\": 1", "\"format_version\": 7");
    std::fs::write(&manifest, text).unwrap();
    let error = read_manifest(&dir).unwrap_err();
    assert!(matches!(error, StoreError::NewerFormat { found: 7, .. }), "{error}");
    assert!(store.list().unwrap().is_empty());

    assert!(matches!(check_name("  "), Err(StoreError::BadName { .. })));
}
