//! Issue 16, point 6: bad input loses nothing and stops nothing. A bad picture is skipped and listed
//! while the rest imports; every bad source is one `ImportError` naming the file, folder or line,
//! and leaves the store as it was. All inputs are generated here.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] functions panic on purpose

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use atelier::data::idx::{IdxKind, encode, gzip};
use atelier::data::import::{ImportError, ImportOptions, ImportReport, import};
use atelier::data::store::DatasetStore;

fn png(width: u32, height: u32, shade: u8) -> Vec<u8> {
    let image =
        image::GrayImage::from_fn(width, height, |x, _| image::Luma([if x > width / 2 { shade } else { 0 }]));
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// A PNG whose header claims `side × side` pixels, with a tiny body: a decoder that trusted it would
/// allocate `side²` bytes.
fn png_bomb(side: u32) -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
        out
    };
    let mut header = side.to_be_bytes().to_vec();
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit gray, deflate, no filter, no interlace
    let mut body = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut body, &vec![0_u8; 1 << 16]).unwrap();
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(chunk(b"IHDR", &header));
    bytes.extend(chunk(b"IDAT", &body.finish().unwrap()));
    bytes.extend(chunk(b"IEND", &[]));
    bytes
}

/// `dir/<class>/<n>.png` for each class.
fn classes(dir: &Path, names: &[&str], per_class: u8) {
    for (c, name) in names.iter().enumerate() {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        for n in 0..per_class {
            std::fs::write(
                dir.join(name).join(format!("{n}.png")),
                png(30 + u32::from(n), 30, 100 + c as u8),
            )
            .unwrap();
        }
    }
}

/// Imports `source` into a fresh store; returns the result and the store's folder (kept alive).
fn run(source: &Path) -> (Result<ImportReport, ImportError>, tempfile::TempDir) {
    let store_dir = tempfile::tempdir().unwrap();
    let store = DatasetStore::new(store_dir.path().join("datasets"));
    let result = import(source, &ImportOptions::default(), &store, &mut |_| {}, &AtomicBool::new(false));
    (result, store_dir)
}

/// The import failed with a message naming `names`, and the store holds nothing at all.
fn assert_refused(source: &Path, names: &Path, words: &str) -> ImportError {
    let (result, store_dir) = run(source);
    let error = result.expect_err("the import should fail");
    let message = error.to_string();
    assert!(message.contains(&names.display().to_string()), "names {}: {message}", names.display());
    assert!(message.contains(words), "says \"{words}\": {message}");
    let root = store_dir.path().join("datasets");
    let left: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
    error
}

#[test]
fn a_picture_bomb_and_a_corrupt_picture_are_skipped_and_listed_while_the_rest_imports() {
    let source = tempfile::tempdir().unwrap();
    classes(source.path(), &["a", "b"], 5);
    std::fs::write(source.path().join("a/bomb.png"), png_bomb(50_000)).unwrap();
    let mut cut = png(40, 40, 200);
    cut.truncate(cut.len() / 2);
    std::fs::write(source.path().join("b/cut.png"), cut).unwrap();
    let (result, _store) = run(source.path());
    let report = result.unwrap();
    assert_eq!(report.dataset.train.len() + report.dataset.test.len(), 10);
    let reasons: Vec<(String, &str)> = report
        .skipped
        .iter()
        .map(|file| (file.path.file_name().unwrap().to_string_lossy().into_owned(), file.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(reasons[0].0, "bomb.png");
    assert!(reasons[0].1.contains("50000×50000") && reasons[0].1.contains("limit"), "{reasons:?}");
    assert_eq!(reasons[1].0, "cut.png");
    assert!(reasons[1].1.contains("cannot be decoded"), "{reasons:?}");
}

#[test]
fn a_class_folder_without_a_readable_picture_is_named() {
    let source = tempfile::tempdir().unwrap();
    classes(source.path(), &["a", "b"], 3);
    std::fs::create_dir(source.path().join("c")).unwrap();
    std::fs::write(source.path().join("c/readme.txt"), b"no pictures here").unwrap();
    assert_refused(source.path(), &source.path().join("c"), "no readable picture (no picture files)");
    std::fs::write(source.path().join("c/broken.jpg"), b"\xff\xd8\xff\xe0 broken").unwrap();
    assert_refused(source.path(), &source.path().join("c"), "cut off");
}

#[test]
fn one_class_more_than_a_hundred_classes_and_an_empty_folder_are_refused() {
    let source = tempfile::tempdir().unwrap();
    classes(source.path(), &["only"], 3);
    assert_refused(source.path(), source.path(), "only one class (\"only\")");

    let many = tempfile::tempdir().unwrap();
    for class in 0..101 {
        std::fs::create_dir(many.path().join(format!("c{class}"))).unwrap();
    }
    assert_refused(many.path(), many.path(), "has 101 classes; Atelier handles at most 100");

    let empty = tempfile::tempdir().unwrap();
    let error = assert_refused(empty.path(), empty.path(), "is empty");
    assert!(matches!(error, ImportError::EmptyFolder { .. }));

    let loose = tempfile::tempdir().unwrap();
    std::fs::write(loose.path().join("cat.png"), png(30, 30, 9)).unwrap();
    assert_refused(loose.path(), loose.path(), "in a folder named after the class");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_refused_naming_the_link() {
    let source = tempfile::tempdir().unwrap();
    classes(source.path(), &["a", "b"], 2);
    std::os::unix::fs::symlink(source.path().join("a"), source.path().join("a/inner")).unwrap();
    assert_refused(source.path(), &source.path().join("a/inner"), "symbolic link loop");

    let knot = tempfile::tempdir().unwrap();
    classes(knot.path(), &["a", "b"], 2);
    std::os::unix::fs::symlink("knot", knot.path().join("b/knot")).unwrap();
    assert_refused(knot.path(), &knot.path().join("b/knot"), "symbolic link loop");
}

#[cfg(unix)]
#[test]
fn a_class_folder_named_in_bytes_that_are_not_utf8_is_refused_but_such_a_picture_imports() {
    use std::os::unix::ffi::OsStrExt;
    let source = tempfile::tempdir().unwrap();
    classes(source.path(), &["a", "b"], 2);
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.png");
    std::fs::write(source.path().join("a").join(odd), png(30, 30, 50)).unwrap();
    let (result, _store) = run(source.path());
    assert_eq!(result.unwrap().dataset.manifest.counts.total(), 5);

    let bad_folder = source.path().join(std::ffi::OsStr::from_bytes(b"\xff\xfe"));
    std::fs::create_dir(&bad_folder).unwrap();
    let error = assert_refused(source.path(), source.path(), "not valid UTF-8");
    assert!(matches!(error, ImportError::NonUtf8Name { .. }));
}

#[test]
fn a_csv_line_with_the_wrong_number_of_columns_is_named_by_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let header: Vec<String> =
        std::iter::once("label".to_owned()).chain((1..=784).map(|i| format!("pixel{i}"))).collect();
    let row = |label: u8| {
        std::iter::once(label.to_string())
            .chain((0..784).map(|i| (i % 256).to_string()))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut lines = [header.join(","), row(0), row(1), row(1)];
    lines[3].push_str(",7");
    let path = dir.path().join("train.csv");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let error = assert_refused(&path, &path, "line 4 has 786 columns, expected 785");
    assert!(matches!(error, ImportError::CsvColumns { line: 4, .. }));

    lines[3] = row(1).replacen(",1,", ",x1,", 1);
    std::fs::write(&path, lines.join("\n")).unwrap();
    assert_refused(&path, &path, "line 4 column 3: \"x1\" is not a whole number");
}

#[test]
fn an_idx_pair_whose_counts_differ_names_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("train-images-idx3-ubyte.gz");
    let labels = dir.path().join("train-labels-idx1-ubyte.gz");
    std::fs::write(&images, gzip(&encode(IdxKind::Images, 3, &[0; 3 * 784])).unwrap()).unwrap();
    std::fs::write(&labels, gzip(&encode(IdxKind::Labels, 2, &[0, 1])).unwrap()).unwrap();
    let error = assert_refused(dir.path(), &labels, "has 2 labels but");
    assert!(error.to_string().contains(&images.display().to_string()), "{error}");

    std::fs::remove_file(&labels).unwrap();
    assert_refused(dir.path(), &images, "no labels file beside it");
}
