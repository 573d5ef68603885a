//! `atelier data import | list | rename | delete` and `export-png --class-folders` as a user runs
//! them, with `HOME` and `XDG_DATA_HOME` in a temporary folder so the real user folder is never
//! touched; bad input → one `error:` line naming the file or line, exit code 2, nothing stored.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] functions panic on purpose

mod common;

use std::io::Cursor;
use std::path::Path;
use std::process::Output;

use common::{assert_one_line_failure, text};

/// Runs `atelier args…` with a private home; returns its output.
fn atelier(home: &Path, args: &[&str]) -> Output {
    common::command(home)
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("share"))
        .env_remove("ATELIER_DATA")
        .output()
        .unwrap()
}

fn ok(output: &Output) -> String {
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    common::assert_no_panic(output);
    stdout
}

fn store_entries(home: &Path) -> usize {
    std::fs::read_dir(home.join("share/atelier/datasets")).map(Iterator::count).unwrap_or(0)
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::GrayImage::from_fn(width, height, |x, y| image::Luma([u8::from(x > y) * 200 + 30]));
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

#[test]
fn exported_class_folders_import_list_rename_and_delete() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("export");
    let out_arg = out.to_str().unwrap();
    let args = ["--data-dir", "/usr/share/datasets/fashion-mnist", "data", "export-png", "--split", "both"];
    let stdout = ok(&atelier(
        home.path(),
        &[&args[..], &["--count", "40", "--class-folders", "--out", out_arg]].concat(),
    ));
    assert!(stdout.contains("wrote 40 train images as class folders"), "{stdout}");
    assert!(out.join("test/Ankle boot/00000.png").is_file(), "test image 0 is an ankle boot");
    let classes_txt = std::fs::read_to_string(out.join("classes.txt")).unwrap();
    assert!(classes_txt.starts_with("T-shirt/top\nTrouser\n"), "{classes_txt}");

    let stdout =
        ok(&atelier(home.path(), &["data", "import", out_arg, "--name", "Exported", "--resize-only"]));
    assert!(stdout.contains("imported \"Exported\"") && stdout.contains("(class folders)"), "{stdout}");
    assert!(stdout.contains("train:         40 pictures") && stdout.contains("test:          40 pictures"));
    assert!(stdout.contains("classes:       10 (T-shirt/top, Trouser, Pullover"), "{stdout}");
    assert!(stdout.contains("preprocessing: resize only") && !stdout.contains("skipped"), "{stdout}");

    let stdout = ok(&atelier(home.path(), &["data", "list"]));
    assert!(stdout.contains("Exported") && stdout.contains("     10         40        40"), "{stdout}");

    ok(&atelier(home.path(), &["data", "rename", "Exported", "Fashion again"]));
    assert!(ok(&atelier(home.path(), &["data", "list"])).contains("Fashion again"));
    ok(&atelier(home.path(), &["data", "delete", "fashion again"]));
    assert!(ok(&atelier(home.path(), &["data", "list"])).contains("no imported data sets"));
    assert_eq!(store_entries(home.path()), 0);
}

#[test]
fn a_folder_with_a_bad_picture_imports_and_lists_it_with_a_split_note() {
    let home = tempfile::tempdir().unwrap();
    let source = home.path().join("shoes");
    for class in ["boot", "sandal"] {
        std::fs::create_dir_all(source.join(class)).unwrap();
        for n in 0..5 {
            std::fs::write(source.join(class).join(format!("{n}.png")), png(30 + n, 40)).unwrap();
        }
    }
    std::fs::write(source.join("sandal/broken.jpg"), b"\xff\xd8\xff not a jpeg").unwrap();
    let stdout = ok(&atelier(home.path(), &["data", "import", source.to_str().unwrap()]));
    assert!(stdout.contains("imported \"shoes\""), "{stdout}");
    assert!(stdout.contains("test split:    the source has no test split: 2 of 10 pictures"), "{stdout}");
    assert!(
        stdout.contains("skipped 1 file:") && stdout.contains("sandal/broken.jpg: the picture is cut off")
    );
}

#[test]
fn bad_sources_fail_in_one_line_naming_the_file_with_exit_code_2_and_store_nothing() {
    let home = tempfile::tempdir().unwrap();
    let empty = home.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let output = atelier(home.path(), &["data", "import", empty.to_str().unwrap()]);
    assert_one_line_failure(&output, &empty);
    assert!(text(&output.stderr).contains("is empty"));

    let one_class = home.path().join("one");
    std::fs::create_dir_all(one_class.join("cat")).unwrap();
    std::fs::write(one_class.join("cat/a.png"), png(20, 20)).unwrap();
    let output = atelier(home.path(), &["data", "import", one_class.to_str().unwrap()]);
    assert_one_line_failure(&output, &one_class);
    assert!(text(&output.stderr).contains("only one class"));

    let csv = home.path().join("digits.csv");
    std::fs::write(&csv, "1,0,0,0,0\n0,0,0,0,0\n1,0,0,0\n").unwrap();
    let output = atelier(home.path(), &["data", "import", csv.to_str().unwrap()]);
    assert_one_line_failure(&output, &csv);
    assert!(text(&output.stderr).contains("line 3 has 4 columns, expected 5"), "{}", text(&output.stderr));

    let missing = home.path().join("nowhere");
    assert_one_line_failure(&atelier(home.path(), &["data", "import", missing.to_str().unwrap()]), &missing);
    assert_eq!(store_entries(home.path()), 0);

    let output = atelier(home.path(), &["data", "delete", "nothing"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("no data set called \"nothing\""));
}

/// Issue 16, point 6, in the command line: the bad inputs the library tests refuse one by one
/// (`tests/data_import_bad.rs`) each end `data import` with exit code 2 and one line naming the
/// file or folder at fault, and leave the store empty; a bad picture among good ones is skipped.
#[cfg(unix)]
#[test]
fn each_kind_of_bad_source_is_one_line_naming_it_with_exit_code_2() {
    use std::os::unix::ffi::OsStrExt;
    let home = tempfile::tempdir().unwrap();
    let classes = |dir: &Path, names: &[&str]| {
        for name in names {
            std::fs::create_dir_all(dir.join(name)).unwrap();
            std::fs::write(dir.join(name).join("a.png"), png(20, 20)).unwrap();
        }
    };
    let refused = |source: &Path, named: &Path, words: &str| {
        let output = atelier(home.path(), &["data", "import", source.to_str().unwrap()]);
        assert_one_line_failure(&output, named);
        assert!(text(&output.stderr).contains(words), "{words}: {}", text(&output.stderr));
    };

    // A class folder without a readable picture.
    let unreadable = home.path().join("unreadable");
    classes(&unreadable, &["a", "b"]);
    std::fs::create_dir(unreadable.join("c")).unwrap();
    std::fs::write(unreadable.join("c/broken.jpg"), b"\xff\xd8\xff\xe0 broken").unwrap();
    refused(&unreadable, &unreadable.join("c"), "cut off");

    // More than 100 classes.
    let many = home.path().join("many");
    for class in 0..101 {
        std::fs::create_dir_all(many.join(format!("c{class}"))).unwrap();
    }
    refused(&many, &many, "at most 100");

    // A symbolic link loop.
    let looped = home.path().join("looped");
    classes(&looped, &["a", "b"]);
    std::os::unix::fs::symlink(looped.join("a"), looped.join("a/inner")).unwrap();
    refused(&looped, &looped.join("a/inner"), "symbolic link loop");

    // A class folder whose name is not UTF-8.
    let odd = home.path().join("odd");
    classes(&odd, &["a", "b"]);
    std::fs::create_dir(odd.join(std::ffi::OsStr::from_bytes(b"\xff\xfe"))).unwrap();
    refused(&odd, &odd, "not valid UTF-8");

    // An IDX pair whose counts differ (the labels file is named; so is the images file).
    let idx = home.path().join("idx");
    std::fs::create_dir(&idx).unwrap();
    let header = |magic: u32, dims: &[u32]| -> Vec<u8> {
        let mut bytes = magic.to_be_bytes().to_vec();
        dims.iter().for_each(|dim| bytes.extend(dim.to_be_bytes()));
        bytes
    };
    let mut images = header(0x0803, &[3, 28, 28]);
    images.extend(vec![0_u8; 3 * 784]);
    let mut labels = header(0x0801, &[2]);
    labels.extend([0_u8, 1]);
    std::fs::write(idx.join("train-images-idx3-ubyte"), images).unwrap();
    std::fs::write(idx.join("train-labels-idx1-ubyte"), labels).unwrap();
    refused(&idx, &idx.join("train-labels-idx1-ubyte"), "has 2 labels but");

    assert_eq!(store_entries(home.path()), 0, "nothing was stored");
}
