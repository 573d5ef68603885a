//! The IDX and CSV import formats and `--data`'s cache (`open_or_import`), on files generated here.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] functions panic on purpose

use std::path::Path;
use std::sync::atomic::AtomicBool;

use atelier::data::IMAGE_PIXELS;
use atelier::data::idx::{IdxKind, encode, gzip};
use atelier::data::import::{IdxLayout, ImportOptions, LabelBase, Resolved, import, open_or_import};
use atelier::data::store::{DatasetStore, Preprocessing, SourceKind};

const SIDE: usize = 20;

/// `count` 20×20 pictures, each a bright horizontal bar in row 3 (as stored).
fn idx_pictures(count: usize) -> Vec<u8> {
    let mut body = vec![0_u8; count * SIDE * SIDE];
    for picture in body.chunks_mut(SIDE * SIDE) {
        picture[3 * SIDE..4 * SIDE].fill(255);
    }
    body
}

fn write_idx(dir: &Path, prefix: &str, labels: &[u8]) {
    let mut images = encode(IdxKind::Images, labels.len(), &idx_pictures(labels.len()));
    // `encode` writes 28×28 dimensions: these pictures are 20×20.
    images[8..12].copy_from_slice(&(SIDE as u32).to_be_bytes());
    images[12..16].copy_from_slice(&(SIDE as u32).to_be_bytes());
    std::fs::write(dir.join(format!("{prefix}-images-idx3-ubyte.gz")), gzip(&images).unwrap()).unwrap();
    std::fs::write(
        dir.join(format!("{prefix}-labels-idx1-ubyte")),
        encode(IdxKind::Labels, labels.len(), labels),
    )
    .unwrap();
}

#[test]
fn an_emnist_like_idx_pair_imports_transposed_one_based_and_named_by_classes_txt() {
    let dir = tempfile::tempdir().unwrap();
    write_idx(dir.path(), "letters-train", &[1, 2, 3, 1, 2, 3]);
    write_idx(dir.path(), "letters-test", &[3, 2]);
    std::fs::write(dir.path().join("classes.txt"), "A\nB\nC\n").unwrap();
    let store_dir = tempfile::tempdir().unwrap();
    let store = DatasetStore::new(store_dir.path());
    let options = ImportOptions {
        preprocessing: Preprocessing::ResizeOnly,
        idx_layout: IdxLayout::Transposed,
        label_base: LabelBase::One,
        ..ImportOptions::default()
    };
    let report = import(dir.path(), &options, &store, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    let dataset = &report.dataset;
    assert_eq!(dataset.manifest.source.kind, SourceKind::Idx);
    assert_eq!(dataset.manifest.classes.as_slice(), ["A", "B", "C"]);
    assert_eq!((dataset.train.len(), dataset.test.len()), (6, 2));
    assert_eq!(dataset.test.label(0), 2);
    assert!(report.split_note.is_none());
    // Transposed: the stored row became a column (column 3 of 20 → about column 4-5 of 28).
    let image = dataset.train.image(0);
    let column: Vec<u8> = (0..28).map(|y| image[y * 28 + 4]).collect();
    assert!(column.iter().all(|&value| value > 100), "{column:?}");
    assert!(image[4 * 28 + 20] < 20);

    // Without --one-based, the labels 1-3 make 4 classes but classes.txt names 3: refused.
    let error = import(dir.path(), &ImportOptions::default(), &store, &mut |_| {}, &AtomicBool::new(false))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("labels-idx1-ubyte has label 3") && error.contains("classes.txt names 3 classes"),
        "{error}"
    );
}

#[test]
fn a_kaggle_csv_imports_bit_for_bit_with_a_stated_split() {
    let dir = tempfile::tempdir().unwrap();
    let header: Vec<String> =
        std::iter::once("label".to_owned()).chain((1..=IMAGE_PIXELS).map(|i| format!("pixel{i}"))).collect();
    let mut lines = vec![header.join(",")];
    for n in 0..20_usize {
        let pixels = (0..IMAGE_PIXELS).map(|i| ((i * 7 + n) % 256).to_string());
        lines.push(std::iter::once((n % 2).to_string()).chain(pixels).collect::<Vec<_>>().join(","));
    }
    let path = dir.path().join("fashion-mnist_train.csv");
    std::fs::write(&path, lines.join("\r\n") + "\r\n").unwrap();
    let store_dir = tempfile::tempdir().unwrap();
    let store = DatasetStore::new(store_dir.path());
    let options =
        ImportOptions { preprocessing: Preprocessing::ResizeOnly, seed: 5, ..ImportOptions::default() };
    let report = import(&path, &options, &store, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    let dataset = &report.dataset;
    assert_eq!(dataset.manifest.name, "fashion-mnist");
    assert_eq!(dataset.manifest.classes.as_slice(), ["0", "1"]);
    assert_eq!((dataset.train.len(), dataset.test.len()), (16, 4));
    assert!(report.split_note.as_deref().unwrap().contains("4 of 20 pictures"));
    let expected: Vec<u8> = (0..IMAGE_PIXELS).map(|i| ((i * 7) % 256) as u8).collect();
    let all: Vec<&[u8]> =
        (0..16).map(|i| dataset.train.image(i)).chain((0..4).map(|i| dataset.test.image(i))).collect();
    assert!(all.contains(&expected.as_slice()), "line 2's pixels come through unchanged");
}

#[test]
fn a_folder_given_twice_is_imported_once_and_again_when_it_changes() {
    let source = tempfile::tempdir().unwrap();
    write_idx(source.path(), "train", &[0, 1, 0, 1, 0, 1]);
    let store_dir = tempfile::tempdir().unwrap();
    let store = DatasetStore::new(store_dir.path());
    let cancel = AtomicBool::new(false);
    let argument = source.path().to_str().unwrap();
    let options = ImportOptions::default();
    let first = open_or_import(argument, &store, &options, &mut |_| {}, &cancel).unwrap();
    assert!(matches!(first, Resolved::Imported(_)));
    let name = first.dataset().manifest.name.clone();
    let second = open_or_import(argument, &store, &options, &mut |_| {}, &cancel).unwrap();
    assert!(matches!(&second, Resolved::Cached(dataset) if dataset.manifest.name == name));
    assert!(matches!(
        open_or_import(&name, &store, &options, &mut |_| {}, &cancel).unwrap(),
        Resolved::Stored(_)
    ));

    write_idx(source.path(), "t10k", &[1, 0]);
    let third = open_or_import(argument, &store, &options, &mut |_| {}, &cancel).unwrap();
    assert!(matches!(&third, Resolved::Imported(report) if report.dataset.test.len() == 2));
    assert_eq!(store.list().unwrap().len(), 2);

    let unknown = open_or_import("no such data set", &store, &options, &mut |_| {}, &cancel).unwrap_err();
    assert!(unknown.to_string().contains("no data set called \"no such data set\""), "{unknown}");
}
