//! `atelier train --validation-fraction`: how much of the training split a run holds out, down to
//! nothing (what the `best` preset does once its recipe is chosen). A run holding nothing out
//! trains on every training picture, says so, prints no validation numbers, saves the fraction in
//! the model file, and `evaluate --split validation` then refuses in one line instead of guessing.
//! The commands run in this test's own folder and environment (the full set where installed, else
//! the bundled sample); everything written goes into a temporary folder.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions panic on purpose

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use atelier::data;
use atelier::model::{LayerSpec, ModelSpec, Task};
use atelier::model_file::load_model;
use candle_core::Device;

use common::text;

fn atelier(args: &[&OsStr]) -> Output {
    common::atelier(args, Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// Trains a linear model for one epoch with `fraction` held out; returns stdout.
fn train_holding_out(dir: &Path, fraction: &str) -> String {
    let spec = ModelSpec {
        name: "linear".to_owned(),
        task: Task::all(10),
        layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: 10 }],
    };
    let spec_path = dir.join("linear.json");
    std::fs::write(&spec_path, serde_json::to_string(&spec).unwrap()).unwrap();
    let out = dir.join(format!("held-out-{fraction}.safetensors"));
    let args = ["train", "--epochs", "1", "--batch-size", "256", "--validation-fraction", fraction, "--spec"];
    let mut args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    args.extend([spec_path.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    let output = atelier(&args);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    common::assert_no_panic(&output);
    stdout
}

#[test]
fn a_run_holding_nothing_out_trains_on_every_picture_and_has_no_validation_split() {
    let dir = tempfile::tempdir().unwrap();
    let train_len = data::load(None).unwrap().train.len();

    let stdout = train_holding_out(dir.path(), "0");
    let expected = format!("training on {train_len} images (none held out for validation, ");
    assert!(stdout.contains(&expected), "expected `{expected}` in:\n{stdout}");
    let epoch_line = stdout.lines().find(|line| line.starts_with("epoch ")).unwrap();
    assert!(!epoch_line.contains("val "), "no validation numbers: {epoch_line}");
    let model = dir.path().join("held-out-0.safetensors");
    let config = load_model(&model, &Device::Cpu).unwrap().metadata.train_config.unwrap();
    assert_eq!(config.validation_fraction, 0.0);

    let output =
        atelier(&["evaluate".as_ref(), model.as_os_str(), "--split".as_ref(), "validation".as_ref()]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    common::assert_no_panic(&output);
    assert!(text(&output.stderr).contains("trained without a validation split"), "{}", text(&output.stderr));

    // A fifth held out: the count is the split's own, and each epoch reports on it.
    let stdout = train_holding_out(dir.path(), "0.2");
    let (_, held_out) = data::validation_split(train_len, 0.2, 1);
    let expected = format!(
        "training on {} images ({} held out for validation, ",
        train_len - held_out.len(),
        held_out.len()
    );
    assert!(stdout.contains(&expected), "expected `{expected}` in:\n{stdout}");
    assert!(stdout.lines().any(|line| line.starts_with("epoch ") && line.contains("val loss")), "{stdout}");
}

#[test]
fn a_fraction_outside_the_range_is_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never-written.safetensors");
    let args = ["train", "--epochs", "1", "--validation-fraction", "0.7", "--out"];
    let mut args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    args.push(out.as_os_str());
    common::assert_refused_with(&atelier(&args), "error: validation fraction must be in 0..=0.5, got 0.7");
    assert!(!out.exists(), "nothing trained or written");
}
