//! Loading Fashion-MNIST: the real files, discovery and the sample fallback, and every kind of
//! damaged file giving a one-line error that names the file (never a panic, never a silent fallback).
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] functions panic on purpose

mod data_fixtures;

use std::path::{Path, PathBuf};

use atelier::data::idx::{IdxKind, encode, gzip};
use atelier::data::{
    Candidate, ChecksumStatus, DataError, DataSource, Finding, Origin, SYSTEM_DATA_DIR, load_discovered,
    load_from, read_release,
};
use data_fixtures::{manifest, raw_release, write_release};

/// Writes the tiny release into a fresh folder, with `file` replaced by `bytes`.
fn damaged(file: &str, bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_release(dir.path());
    std::fs::write(dir.path().join(file), bytes).unwrap();
    dir
}

/// Loads the damaged folder and returns the error message, checking it is one line naming `file`.
fn error_for(dir: &Path, file: &str) -> String {
    let error = load_from(dir).expect_err("damaged data must not load");
    let message = error.to_string();
    assert!(!message.contains('\n'), "one line: {message}");
    assert!(message.contains(&dir.join(file).display().to_string()), "names {file}: {message}");
    message
}

fn raw(name: &str) -> Vec<u8> {
    raw_release().into_iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn the_installed_full_set_loads_with_all_counts_and_verified_checksums() {
    let dir = Path::new(SYSTEM_DATA_DIR);
    assert!(dir.is_dir(), "install the Debian/Ubuntu package dataset-fashion-mnist (see README)");
    let data = load_from(dir).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    assert_eq!(data.train.class_counts(10), [6_000; 10]);
    assert_eq!(data.test.class_counts(10), [1_000; 10]);
    assert_eq!(data.checksums, ChecksumStatus::Verified);
    assert!(!data.source.is_sample());
    assert!(data.notices().is_empty());
}

#[test]
fn with_no_data_anywhere_the_bundled_sample_is_used_and_says_where_it_looked() {
    let empty = tempfile::tempdir().unwrap();
    let candidates = [
        Candidate { dir: empty.path().to_path_buf(), origin: Origin::EnvVar },
        Candidate { dir: PathBuf::from("/no/such/folder"), origin: Origin::WorkingDir },
    ];
    let data = load_discovered(&candidates).unwrap();
    assert!(data.source.is_sample());
    assert!(data.source.describe().starts_with("SAMPLE: 1,500 images"), "{}", data.source.describe());
    assert_eq!(data.notices().len(), 1);
    assert_eq!(data.source.looked()[1].finding, Finding::NoFolder);
    assert!(matches!(&data.source.looked()[0].finding, Finding::Incomplete(missing) if missing.len() == 4));
    assert!(data.source.describe_search().contains("/no/such/folder"));
    assert_eq!(data.checksums, ChecksumStatus::BundledSample);
}

#[test]
fn discovery_takes_the_first_complete_folder_in_order() {
    let partial = tempfile::tempdir().unwrap();
    write_release(partial.path());
    std::fs::remove_file(partial.path().join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let candidates = [
        Candidate { dir: partial.path().to_path_buf(), origin: Origin::EnvVar },
        Candidate { dir: PathBuf::from(SYSTEM_DATA_DIR), origin: Origin::SystemDir },
    ];
    let data = load_discovered(&candidates).unwrap();
    let DataSource::Folder { dir, origin, looked } = &data.source else { panic!("expected a folder") };
    assert_eq!((dir.as_path(), *origin), (Path::new(SYSTEM_DATA_DIR), Origin::SystemDir));
    assert_eq!(looked[0].finding, Finding::Incomplete(vec!["t10k-labels-idx1-ubyte".to_string()]));
    assert_eq!(data.train.len(), 60_000);
}

#[test]
fn a_damaged_folder_found_by_discovery_is_an_error_not_a_fallback() {
    let dir = damaged("t10k-labels-idx1-ubyte.gz", b"");
    let candidates = [Candidate { dir: dir.path().to_path_buf(), origin: Origin::EnvVar }];
    let error = load_discovered(&candidates).unwrap_err();
    assert!(matches!(error, DataError::Empty { .. }), "{error}");
}

#[test]
fn a_chosen_folder_without_the_files_is_an_error() {
    let empty = tempfile::tempdir().unwrap();
    let message = load_from(empty.path()).unwrap_err().to_string();
    assert!(message.contains("does not hold the Fashion-MNIST files"), "{message}");
    assert!(message.contains("train-images-idx3-ubyte"), "{message}");
}

#[test]
fn truncated_images_file() {
    let mut content = raw("train-images-idx3-ubyte");
    content.truncate(content.len() - 500);
    let dir = damaged("train-images-idx3-ubyte.gz", &gzip(&content).unwrap());
    let message = error_for(dir.path(), "train-images-idx3-ubyte.gz");
    assert!(message.contains("is truncated: its header promises 20 entries (15696 bytes)"), "{message}");
}

#[test]
fn truncated_gzip_stream() {
    let whole = gzip(&raw("train-images-idx3-ubyte")).unwrap();
    let dir = damaged("train-images-idx3-ubyte.gz", &whole[..whole.len() * 2 / 3]);
    let message = error_for(dir.path(), "train-images-idx3-ubyte.gz");
    assert!(message.contains("truncated"), "{message}");
}

#[test]
fn wrong_magic_number() {
    let mut content = raw("t10k-labels-idx1-ubyte");
    content[3] = 0x03; // 2051: an images magic in a labels file
    let dir = damaged("t10k-labels-idx1-ubyte.gz", &gzip(&content).unwrap());
    let message = error_for(dir.path(), "t10k-labels-idx1-ubyte.gz");
    assert!(message.contains("magic number 2051, expected 2049 for a labels file"), "{message}");
}

#[test]
fn labels_count_differs_from_images_count() {
    let labels: Vec<u8> = (0..19).map(|i| i % 10).collect();
    let dir = damaged("train-labels-idx1-ubyte.gz", &gzip(&encode(IdxKind::Labels, 19, &labels)).unwrap());
    let message = error_for(dir.path(), "train-labels-idx1-ubyte.gz");
    assert!(message.contains("has 19 entries, images file 20"), "{message}");
}

#[test]
fn label_ten() {
    let mut content = raw("t10k-labels-idx1-ubyte");
    content[8 + 4] = 10;
    let dir = damaged("t10k-labels-idx1-ubyte.gz", &gzip(&content).unwrap());
    let message = error_for(dir.path(), "t10k-labels-idx1-ubyte.gz");
    assert!(message.contains("label 10 at position 4"), "{message}");
}

#[test]
fn empty_file() {
    let dir = damaged("train-images-idx3-ubyte.gz", b"");
    let message = error_for(dir.path(), "train-images-idx3-ubyte.gz");
    assert!(message.ends_with("is empty (0 bytes)"), "{message}");
}

#[test]
fn png_renamed_to_gz() {
    let mut png = std::io::Cursor::new(Vec::new());
    image::GrayImage::new(28, 28).write_to(&mut png, image::ImageFormat::Png).unwrap();
    let dir = damaged("t10k-images-idx3-ubyte.gz", png.get_ref());
    let message = error_for(dir.path(), "t10k-images-idx3-ubyte.gz");
    assert!(message.contains("is not a gzip file (it starts like a PNG image)"), "{message}");
}

#[test]
fn padded_raw_file() {
    let dir = tempfile::tempdir().unwrap();
    write_release(dir.path());
    std::fs::remove_file(dir.path().join("t10k-images-idx3-ubyte.gz")).unwrap();
    let mut content = raw("t10k-images-idx3-ubyte");
    content.extend_from_slice(&[0; 7]);
    std::fs::write(dir.path().join("t10k-images-idx3-ubyte"), content).unwrap();
    let message = error_for(dir.path(), "t10k-images-idx3-ubyte");
    assert!(message.contains("7 bytes after the 10 entries"), "{message}");
}

#[test]
fn a_well_formed_folder_of_the_wrong_size_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_release(dir.path());
    let message = error_for(dir.path(), "train-images-idx3-ubyte.gz");
    assert!(message.contains("Fashion-MNIST's has 47040016"), "{message}");
}

#[test]
fn raw_files_load_like_gz_and_a_checksum_mismatch_is_a_warning_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in raw_release() {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    let (train, test, status) = read_release(dir.path(), &manifest()).unwrap();
    assert_eq!((train.len(), test.len(), status), (20, 10, ChecksumStatus::Verified));

    let mut other = manifest();
    other[2].sha256 = "0".repeat(64);
    let (_, _, status) = read_release(dir.path(), &other).unwrap();
    let ChecksumStatus::Mismatch(mismatches) = &status else { panic!("expected a mismatch, got {status:?}") };
    assert_eq!(mismatches.len(), 1);
    assert_eq!(mismatches[0].path, dir.path().join("t10k-images-idx3-ubyte"));
    assert!(status.warnings()[0].contains("t10k-images-idx3-ubyte differs"), "{:?}", status.warnings());
}
