//! Your own pictures from the command line, as a user runs it: a 3-class and a 26-class data set of
//! class folders (made here, no downloads) go through `data import` → `train --data` →
//! `evaluate --data` → `predict`, and a model is refused on a data set with other classes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] functions panic on purpose

mod common;
mod synthetic;

use std::path::Path;
use std::process::Output;

use common::text;

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

/// The accuracy a `train` or `evaluate` run printed ("accuracy: 93.10%" / "test accuracy: 93.10%").
fn accuracy(stdout: &str) -> f64 {
    let line = stdout.lines().find(|line| line.contains("accuracy: ")).expect("an accuracy line");
    let number = line.split("accuracy: ").nth(1).unwrap().split('%').next().unwrap();
    number.trim().parse::<f64>().unwrap() / 100.0
}

/// Imports `classes` as class folders, trains `dense` on them (small batches: the sets are small),
/// evaluates and predicts; returns the test accuracy `evaluate` printed.
fn round_trip(classes: &[(String, char)], per_class: usize, epochs: &str) -> f64 {
    let home = tempfile::tempdir().unwrap();
    let source = synthetic::letter_folders(&home.path().join("pictures"), classes, per_class, 7);
    let source = source.to_str().unwrap();
    let stdout = ok(&atelier(home.path(), &["data", "import", source, "--name", "mine", "--resize-only"]));
    assert!(stdout.contains(&format!("classes:       {}", classes.len())), "{stdout}");
    assert!(stdout.contains("20%"), "the automatic test split is stated: {stdout}");
    assert!(ok(&atelier(home.path(), &["data", "list"])).contains("mine"));

    let model = home.path().join("m.safetensors");
    let model = model.to_str().unwrap();
    let args = [
        "train",
        "--data",
        "mine",
        "--preset",
        "dense",
        "--epochs",
        epochs,
        "--batch-size",
        "16",
        "--out",
        model,
    ];
    let stdout = ok(&atelier(home.path(), &args));
    assert!(stdout.contains(&format!("data: mine ({} classes)", classes.len())), "{stdout}");

    let stdout = ok(&atelier(home.path(), &["evaluate", model, "--data", "mine"]));
    let evaluated = accuracy(&stdout);
    for (name, _) in classes {
        assert!(stdout.contains(name.as_str()), "the report names {name}: {stdout}");
    }

    // A picture of the first class, predicted with the model's own class names.
    let picture = home.path().join("one.png");
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(99);
    synthetic::letter_picture(classes[0].1, &mut rng).save(&picture).unwrap();
    let stdout = ok(&atelier(home.path(), &["predict", model, picture.to_str().unwrap()]));
    let answer = stdout.lines().next().unwrap();
    assert!(classes.iter().any(|(name, _)| answer.contains(&format!(": {name} "))), "{answer}");
    assert!(!answer.contains("Sneaker"), "no Fashion-MNIST name: {answer}");

    // The same model on Fashion-MNIST (the bundled sample here) is refused, naming both.
    let output = common::command(home.path())
        .args(["evaluate", model, "--data-dir", "/nonexistent-so-the-sample-loads"])
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("share"))
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    evaluated
}

#[test]
fn three_shapes_import_train_evaluate_and_predict() {
    let accuracy = round_trip(&synthetic::shapes(), 60, "8");
    assert!(accuracy > 0.8, "three clear shapes are learned: {accuracy}");
}

#[test]
fn twenty_six_letters_import_train_evaluate_and_predict() {
    let accuracy = round_trip(&synthetic::alphabet(), 60, "20");
    // Chance is 3.8%; a dense network learns shifted glyphs far better than that in a few epochs.
    assert!(accuracy > 0.5, "26 letters are learned: {accuracy}");
}

#[test]
fn a_model_is_refused_on_a_data_set_with_other_classes_naming_both() {
    let home = tempfile::tempdir().unwrap();
    let shapes = synthetic::letter_folders(&home.path().join("shapes"), &synthetic::shapes(), 12, 1);
    ok(&atelier(
        home.path(),
        &["data", "import", shapes.to_str().unwrap(), "--name", "shapes", "--resize-only"],
    ));
    let model = home.path().join("m.safetensors");
    let model = model.to_str().unwrap();
    ok(&atelier(
        home.path(),
        &["train", "--data", "shapes", "--preset", "dense", "--epochs", "1", "--out", model],
    ));
    let letters = synthetic::letter_folders(&home.path().join("letters"), &synthetic::alphabet()[..4], 12, 2);
    let output = atelier(home.path(), &["evaluate", model, "--data", letters.to_str().unwrap()]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    common::assert_no_panic(&output);
    assert!(stderr.contains("\"shapes\"") && stderr.contains("\"letters\" has 4 classes"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
