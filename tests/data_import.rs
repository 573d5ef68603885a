//! Importing data sets people bring (class folders, IDX pairs, CSV) into a store in a temporary
//! folder, from pictures and files the tests generate; and every bad input refused or skipped with
//! the file, folder or line named, leaving nothing in the store.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] functions panic on purpose

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use atelier::data::IMAGE_PIXELS;
use atelier::data::import::{ImportError, ImportOptions, ImportReport, ImportStage, import};
use atelier::data::store::{DatasetStore, Preprocessing};

/// A `width × height` picture: a dark disc (radius by class) on a white background.
fn picture(width: u32, height: u32, class: u32) -> image::RgbImage {
    let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
    let radius = width.min(height) as f32 * (0.2 + 0.1 * class as f32);
    image::RgbImage::from_fn(width, height, |x, y| {
        let inside = (x as f32 - cx).hypot(y as f32 - cy) < radius;
        if inside { image::Rgb([20, 30, 40]) } else { image::Rgb([250, 250, 245]) }
    })
}

fn encode(image: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

/// `dir/<class>/<n>.png|jpg`, `per_class` pictures of various sizes for each class.
fn class_folders(dir: &Path, classes: &[&str], per_class: u32) {
    for (c, class) in classes.iter().enumerate() {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        for n in 0..per_class {
            let image = image::DynamicImage::ImageRgb8(picture(40 + 7 * n, 30 + 5 * n, c as u32));
            let (format, ext) =
                if n % 2 == 0 { (image::ImageFormat::Png, "png") } else { (image::ImageFormat::Jpeg, "jpg") };
            std::fs::write(dir.join(class).join(format!("{n}.{ext}")), encode(&image, format)).unwrap();
        }
    }
}

fn run(source: &Path, store: &DatasetStore, options: &ImportOptions) -> Result<ImportReport, ImportError> {
    import(source, options, store, &mut |_| {}, &AtomicBool::new(false))
}

/// The store's folder holds nothing (no data set, no staging folder).
fn assert_store_empty(store: &DatasetStore) {
    let left: Vec<PathBuf> = std::fs::read_dir(store.root())
        .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn class_folders_import_with_a_stated_test_split_and_the_bad_files_listed() {
    let source = tempfile::tempdir().unwrap();
    class_folders(source.path(), &["boot", "sandal", "sneaker"], 10);
    std::fs::write(source.path().join("boot/broken.png"), b"\x89PNG\r\n\x1a\n not really").unwrap();
    std::fs::write(source.path().join("sandal/notes.txt"), b"hello").unwrap();
    let store_dir = tempfile::tempdir().unwrap();
    let store = DatasetStore::new(store_dir.path());
    let mut stages = Vec::new();
    let report = import(
        source.path(),
        &ImportOptions { name: Some("Shoes".into()), seed: 3, ..ImportOptions::default() },
        &store,
        &mut |progress| stages.push((progress.stage, progress.done, progress.total)),
        &AtomicBool::new(false),
    )
    .unwrap();

    let dataset = &report.dataset;
    assert_eq!(dataset.manifest.classes.as_slice(), ["boot", "sandal", "sneaker"]);
    assert_eq!((dataset.train.len(), dataset.test.len()), (24, 6));
    assert!(dataset.validation.is_none());
    let note = report.split_note.as_deref().unwrap();
    assert!(note.contains("6 of 30 pictures") && note.contains("seed 3"), "{note}");
    let skipped: Vec<String> = report
        .skipped
        .iter()
        .map(|file| file.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(skipped, ["broken.png", "notes.txt"], "{:?}", report.skipped);
    assert!(stages.contains(&(ImportStage::Decoding, 31, 31)), "{stages:?}");

    // Full preprocessing: the dark disc on white became a light object on black, centred.
    let image = dataset.train.image(0);
    assert!(image[0] < 30, "{}", image[0]);
    assert!(image[14 * 28 + 14] > 200, "{}", image[14 * 28 + 14]);

    // Stored: listed from the manifest, and it reopens with the same pixels.
    let listed = store.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].name.as_str(), listed[0].counts.test), ("Shoes", 6));
    let opened = store.open("Shoes").unwrap();
    assert_eq!(opened.train.image(5), dataset.train.image(5));
    assert_eq!(opened.manifest.skipped.len(), 2);
    assert_eq!(opened.manifest.fingerprint, dataset.manifest.fingerprint);

    // The same import again gets a free name, not an error; an explicit taken name is refused.
    let again = run(source.path(), &store, &ImportOptions::default()).unwrap();
    assert_eq!(again.dataset.manifest.name, source.path().file_name().unwrap().to_string_lossy());
    let taken =
        run(source.path(), &store, &ImportOptions { name: Some("shoes".into()), ..ImportOptions::default() });
    assert!(taken.unwrap_err().to_string().contains("already exists"));
}

#[test]
fn exported_class_folders_with_split_folders_import_bit_for_bit_with_resize_only() {
    let sample = atelier::data::load_sample().unwrap();
    let classes = atelier::data::ClassNames::fashion_mnist();
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path();
    let train =
        atelier::data::export_class_folders(&sample.train, &classes, Some(200), &out.join("train")).unwrap();
    atelier::data::export_class_folders(&sample.test, &classes, Some(50), &out.join("test")).unwrap();
    assert!(train.iter().all(|&pictures| pictures > 0), "{train:?}");
    atelier::data::write_classes_txt(&classes, &train, out).unwrap();
    let first_class = atelier::data::class_folder_name(&classes.name(usize::from(sample.train.label(0))));
    assert!(out.join("train").join(first_class).join("00000.png").is_file());
    assert!(out.join("train/T-shirt_top").is_dir(), "T-shirt/top as a folder name");

    let store_dir = tempfile::tempdir().unwrap();
    let store = DatasetStore::new(store_dir.path());
    let options = ImportOptions { preprocessing: Preprocessing::ResizeOnly, ..ImportOptions::default() };
    let report = run(out, &store, &options).unwrap();
    let dataset = report.dataset;
    assert!(report.split_note.is_none() && report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(dataset.manifest.classes, classes, "classes.txt keeps the names and the label order");
    assert_eq!((dataset.train.len(), dataset.test.len()), (200, 50));
    // Every exported picture comes back with its pixels and label (order: class, then index).
    let mut expected: Vec<(u8, Vec<u8>)> =
        (0..200).map(|i| (sample.train.label(i), sample.train.image(i).to_vec())).collect();
    expected.sort_by_key(|(label, _)| *label);
    let found: Vec<(u8, Vec<u8>)> =
        (0..200).map(|i| (dataset.train.label(i), dataset.train.image(i).to_vec())).collect();
    let differ = found.iter().zip(&expected).filter(|(a, b)| a != b).count();
    assert_eq!(differ, 0, "{differ} of 200 pictures differ");
}

#[test]
fn a_cancelled_import_stores_nothing() {
    let source = tempfile::tempdir().unwrap();
    class_folders(source.path(), &["a", "b"], 70);
    let store_dir = tempfile::tempdir().unwrap();
    let store = DatasetStore::new(store_dir.path().join("datasets"));
    let cancel = AtomicBool::new(false);
    let mut reports = 0;
    let result = import(
        source.path(),
        &ImportOptions::default(),
        &store,
        &mut |progress| {
            reports += 1;
            if progress.stage == ImportStage::Decoding {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
        &cancel,
    );
    assert!(matches!(result, Err(ImportError::Cancelled)), "{result:?}");
    assert!(reports >= 2);
    assert_store_empty(&store);
}

#[test]
fn the_network_input_of_every_picture_is_28_by_28() {
    let source = tempfile::tempdir().unwrap();
    class_folders(source.path(), &["x", "y"], 3);
    let store_dir = tempfile::tempdir().unwrap();
    let report = run(source.path(), &DatasetStore::new(store_dir.path()), &ImportOptions::default()).unwrap();
    assert_eq!(report.dataset.train.image(0).len(), IMAGE_PIXELS);
}
