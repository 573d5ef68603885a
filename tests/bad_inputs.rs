//! Every bad input of `tests/bad_inputs/` through the command line that reads it (a bad model also
//! through `predict` and `export`): exit code 2, one `error:` line naming the file and saying what
//! is wrong, no panic. Then the fuzz corpus, through the same core functions the fuzz targets call
//! (no cargo fuzz needed).
#![allow(clippy::unwrap_used)] // set-up failures panic

#[path = "bad_inputs/cases.rs"]
mod cases;
mod common;
mod data_fixtures;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Output;

use cases::{Case, Input};
use common::text;

/// Runs the command for `case` with its file written under `dir`; returns the output and the path
/// the message must name.
fn run_case(case: &Case, dir: &Path, model: &Path, picture: &Path) -> (Output, PathBuf) {
    let (path, args): (PathBuf, Vec<OsString>) = match case.input {
        Input::DataFile(name) => {
            let folder = dir.join(case.name);
            std::fs::create_dir(&folder).unwrap();
            data_fixtures::write_release(&folder);
            let path = folder.join(name);
            cases::write(case, &path);
            let args = vec!["data".into(), "info".into(), "--data-dir".into(), folder.into_os_string()];
            (path, args)
        }
        Input::Model => {
            let path = dir.join(format!("{}.safetensors", case.name));
            cases::write(case, &path);
            (path.clone(), vec!["evaluate".into(), path.into_os_string()])
        }
        Input::Spec => {
            let path = dir.join(format!("{}.json", case.name));
            cases::write(case, &path);
            let data = dir.join("release");
            let args = vec![
                "train".into(),
                "--spec".into(),
                path.clone().into_os_string(),
                "--epochs".into(),
                "1".into(),
                "--data-dir".into(),
                data.into_os_string(),
                "--out".into(),
                dir.join(format!("{}.safetensors", case.name)).into_os_string(),
            ];
            (path, args)
        }
        Input::Image => {
            let path = dir.join(format!("{}.png", case.name));
            cases::write(case, &path);
            (path.clone(), vec!["predict".into(), model.as_os_str().to_owned(), path.into_os_string()])
        }
    };
    let output = common::command(dir).args(&args).env_remove("ATELIER_DATA").output().unwrap();
    // A bad model must fail the same way in `predict` as in `evaluate`.
    if case.input == Input::Model {
        let again = common::command(dir)
            .args([OsString::from("predict"), path.clone().into_os_string(), picture.as_os_str().to_owned()])
            .output()
            .unwrap();
        assert_eq!(text(&again.stderr), text(&output.stderr), "{}: predict and evaluate agree", case.name);
        // Exporting it fails the same way and writes nothing.
        let onnx = dir.join(format!("{}.onnx", case.name));
        let export = common::command(dir)
            .args([
                OsString::from("export"),
                path.clone().into_os_string(),
                "--onnx".into(),
                onnx.clone().into(),
            ])
            .output()
            .unwrap();
        assert_eq!(text(&export.stderr), text(&output.stderr), "{}: export and evaluate agree", case.name);
        assert!(!onnx.exists(), "{}: no ONNX file", case.name);
    }
    (output, path)
}

#[test]
fn every_bad_input_fails_with_exit_code_2_and_one_line_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release");
    std::fs::create_dir(&release).unwrap();
    data_fixtures::write_release(&release);
    let model = dir.path().join("valid.safetensors");
    std::fs::write(&model, cases::tiny_model_bytes()).unwrap();
    let picture = dir.path().join("valid.png");
    std::fs::write(&picture, cases::png(28, 28)).unwrap();

    let all = cases::all();
    let mut names: Vec<&str> = all.iter().map(|case| case.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len(), "case names are unique");

    let mut failures = Vec::new();
    for case in &all {
        let (output, path) = run_case(case, dir.path(), &model, &picture);
        let stderr = text(&output.stderr);
        let line = stderr.lines().next().unwrap_or_default();
        let ok = output.status.code() == Some(2)
            && stderr.lines().count() == 1
            && line.starts_with("error: ")
            && line.contains(&path.display().to_string())
            && line.contains(case.expect.phrase())
            && !stderr.contains("panicked")
            && !text(&output.stdout).contains("panicked");
        if !ok {
            failures.push(format!(
                "{} (expected {:?}: `{}`): exit {:?}\n{stderr:?}{}",
                case.name,
                case.expect,
                case.expect.phrase(),
                output.status.code(),
                text(&output.stdout)
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases:\n{}", failures.len(), all.len(), failures.join("\n"));
}

#[test]
fn the_valid_inputs_the_cases_start_from_are_accepted() {
    // Without this, a case could "fail correctly" only because its starting point was broken.
    let dir = tempfile::tempdir().unwrap();
    data_fixtures::write_release(dir.path());
    atelier::data::read_release(dir.path(), &data_fixtures::manifest()).unwrap();
    let model = dir.path().join("valid.safetensors");
    std::fs::write(&model, cases::tiny_model_bytes()).unwrap();
    let picture = dir.path().join("valid.png");
    std::fs::write(&picture, cases::png(40, 30)).unwrap();
    let output = common::command(dir.path()).arg("predict").arg(&model).arg(&picture).output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let spec: atelier::model::ModelSpec = serde_json::from_slice(&cases::spec_with_layers(
        r#"[{"type": "Conv2d", "filters": 4, "kernel": 3}, {"type": "Flatten"}, {"type": "Dense", "units": 10}]"#,
    ))
    .unwrap();
    spec.validate().unwrap();
}

/// The files in `folder` (relative to the package), sorted; none if it does not exist.
fn files_in(folder: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let Ok(entries) = std::fs::read_dir(&folder) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
    files.sort();
    files.into_iter().map(|path| (path.clone(), std::fs::read(&path).unwrap())).collect()
}

/// The fuzz targets, by folder name.
const TARGETS: [&str; 4] = ["idx", "model_file", "spec_json", "image_prepare"];

/// What fuzz target `target` does with its bytes, without libFuzzer (see `fuzz/fuzz_targets/`).
fn through_target(target: &str, bytes: &[u8]) {
    use atelier::data::IdxKind;
    use atelier::data::idx::{Hashing, parse};
    use atelier::picture::{PrepOptions, decode, prepare_decoded};
    match target {
        "idx" => {
            for kind in [IdxKind::Images, IdxKind::Labels] {
                if let Ok(content) = parse(bytes, Path::new("fuzz-idx.gz"), kind, Hashing::Compute) {
                    let item = if kind == IdxKind::Images { 784 } else { 1 };
                    assert_eq!(content.body.len(), content.count * item);
                }
            }
        }
        "model_file" => {
            let device = candle_core::Device::Cpu;
            if let Ok(loaded) =
                atelier::model_file::load_model_bytes(Path::new("fuzz.safetensors"), bytes, &device)
            {
                let predictor = atelier::inference::Predictor::new(loaded.network);
                assert!(predictor.predict_pixels(&[&[0_u8; 784][..]]).is_ok());
            }
        }
        "spec_json" => {
            if let Ok(spec) = serde_json::from_slice::<atelier::model::ModelSpec>(bytes) {
                let _ = (spec.summary(), spec.param_count(), spec.output_shape(), spec.outline());
                if spec.validate().is_ok() && spec.param_count().is_ok_and(|count| count <= 200_000) {
                    use atelier::model::{ForwardMode, Network};
                    let device = candle_core::Device::Cpu;
                    let network = Network::new(&spec, &device, 1).unwrap();
                    let input =
                        candle_core::Tensor::zeros((2, 1, 28, 28), candle_core::DType::F32, &device).unwrap();
                    for mode in [ForwardMode::Eval, ForwardMode::Train { step_seed: 7 }] {
                        let logits = network.forward(&input, mode).unwrap();
                        assert_eq!(logits.dims(), [2, spec.task.class_count()]);
                    }
                }
            }
        }
        "image_prepare" => {
            if let Ok(decoded) = decode(bytes) {
                assert_eq!(prepare_decoded(&decoded, &PrepOptions::default()).input.pixels.len(), 784);
            }
        }
        other => panic!("unknown fuzz target {other}"),
    }
}

/// Runs `files` through `target`, naming the file that panicked.
fn replay(target: &str, files: &[(PathBuf, Vec<u8>)]) {
    for (path, bytes) in files {
        let outcome = std::panic::catch_unwind(|| through_target(target, bytes));
        assert!(outcome.is_ok(), "{} made the core panic in the {target} path", path.display());
    }
}

#[test]
fn the_fuzz_corpus_replays_through_its_targets_without_a_panic() {
    // The minimised corpus is the regression suite: CI replays it without cargo fuzz. An input that
    // once crashed is kept in it as `crash-<what>` (fuzz/README.md).
    for target in TARGETS {
        let files = files_in(&format!("fuzz/corpus/{target}"));
        assert!(files.len() > 5, "fuzz/corpus/{target} holds the corpus");
        replay(target, &files);
    }
}
