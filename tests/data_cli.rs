//! `atelier data …` as a user runs it: the report, PNG export, and damaged data → one line, exit 2.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] functions panic on purpose

mod common;
mod data_fixtures;

use std::path::Path;
use std::process::Output;

use common::text;

fn atelier(args: &[&str], cwd: &Path) -> Output {
    common::command(cwd).args(args).env_remove("ATELIER_DATA").output().unwrap()
}

#[test]
fn info_on_the_installed_set_reports_source_counts_checksums_and_load_time() {
    let cwd = tempfile::tempdir().unwrap();
    let output = atelier(&["--data-dir", "/usr/share/datasets/fashion-mnist", "data", "info"], cwd.path());
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("source:    /usr/share/datasets/fashion-mnist"), "{stdout}");
    assert!(stdout.contains("train:     60,000 images") && stdout.contains("test:      10,000 images"));
    assert!(stdout.contains("Sneaker        6,000   1,000"), "{stdout}");
    assert!(stdout.contains("checksums: OK"), "{stdout}");
    assert!(stdout.contains("load time: "), "{stdout}");
    assert!(!stdout.contains("SAMPLE"), "{stdout}");
}

#[test]
fn each_damaged_input_is_one_line_naming_the_file_with_exit_code_2() {
    let mut png = std::io::Cursor::new(Vec::new());
    image::GrayImage::new(28, 28).write_to(&mut png, image::ImageFormat::Png).unwrap();
    let release = data_fixtures::raw_release();
    let mut truncated = release[0].1.clone();
    truncated.truncate(1000);
    let mut label_ten = release[3].1.clone();
    label_ten[8] = 10;
    let gz = |bytes: &[u8]| atelier::data::idx::gzip(bytes).unwrap();
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("train-images-idx3-ubyte.gz", gz(&truncated), "truncated"),
        ("t10k-labels-idx1-ubyte.gz", gz(&label_ten), "label 10"),
        ("t10k-labels-idx1-ubyte.gz", gz(&release[0].1), "magic number 2051"),
        ("train-images-idx3-ubyte.gz", Vec::new(), "is empty"),
        ("t10k-images-idx3-ubyte.gz", png.into_inner(), "not a gzip file"),
    ];
    for (file, bytes, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        data_fixtures::write_release(dir.path());
        std::fs::write(dir.path().join(file), bytes).unwrap();
        let output = atelier(&["--data-dir", dir.path().to_str().unwrap(), "data", "info"], dir.path());
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{file}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(file) && stderr.contains(expected),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn export_png_writes_index_and_class_names_with_the_exact_pixels() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("pngs");
    let output = atelier(
        &["--data-dir", "/usr/share/datasets/fashion-mnist", "data", "export-png", "--count", "3", "--out"],
        out.path(),
    );
    assert_eq!(output.status.code(), Some(2), "--out needs a value");
    let output = atelier(
        &[
            "--data-dir",
            "/usr/share/datasets/fashion-mnist",
            "data",
            "export-png",
            "--split",
            "test",
            "--count",
            "3",
            "--out",
            dir.to_str().unwrap(),
        ],
        out.path(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The first three test images of Fashion-MNIST are an ankle boot, a pullover and a trouser.
    assert_eq!(names, ["00000_ankle_boot.png", "00001_pullover.png", "00002_trouser.png"]);
    let data = atelier::data::load_from(Path::new("/usr/share/datasets/fashion-mnist")).unwrap();
    let decoded = image::open(dir.join("00001_pullover.png")).unwrap().to_luma8();
    assert_eq!(decoded.as_raw().as_slice(), data.test.image(1));
}

#[test]
fn a_missing_data_dir_is_an_error_not_the_sample() {
    let cwd = tempfile::tempdir().unwrap();
    let output = atelier(&["--data-dir", "/no/such/dir", "data", "info"], cwd.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("/no/such/dir does not hold the Fashion-MNIST files"));
}
