//! Flip test-time augmentation from the command line, as a user runs it: `evaluate --tta flip`
//! prints the accuracy computed in-process with flip averaging, `train --tta flip` saves the
//! setting and `predict` follows it, the model file keeps it through a save and a load, a file
//! written before the setting existed still loads (without TTA), and a bad value is one line with
//! exit code 2. Models train on the bundled sample; the commands run in this test's own
//! environment and folder (they only read there), so they find the same data as
//! `data::load(None)` here. Everything written goes into a temporary folder.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions panic on purpose

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use atelier::data::{self, LoadedData};
use atelier::evaluation::TestTimeAugmentation;
use atelier::inference::Predictor;
use atelier::model::{LayerSpec, ModelSpec, Task};
use atelier::model_file::{ModelMetadata, keys, load_model, read_raw, save_model, write_raw};
use atelier::training::{Control, NullSink, TrainConfig, TrainingData, train};
use candle_core::Device;

use common::text;

/// The bundled sample: what the models here train on.
fn sample() -> LoadedData {
    data::load_sample().unwrap()
}

/// What the commands find with no `--data-dir` in this same environment and folder: the full set
/// where one is installed, else the bundled sample.
fn discovered() -> LoadedData {
    data::load(None).unwrap()
}

/// Runs `atelier args…` in this test's folder and environment.
fn atelier(args: &[&std::ffi::OsStr]) -> Output {
    common::atelier(args, Path::new(env!("CARGO_MANIFEST_DIR")))
}

fn ok(output: &Output) -> String {
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    common::assert_no_panic(output);
    stdout
}

/// A small dense net trained for two epochs on the sample (its weights see left from right, so
/// the mirror changes its answers), saved with `tta`.
fn trained(dir: &Path, tta: TestTimeAugmentation) -> PathBuf {
    let spec = common::tiny_dense_spec();
    let config = TrainConfig { epochs: 2, batch_size: 50, ..TrainConfig::default() };
    let training = TrainingData::new(sample().train.clone(), None, 10);
    let outcome = train(&training, &spec, &config, &mut NullSink, &Control::new()).unwrap();
    let path = dir.join(format!("tiny-{}.safetensors", tta.cli_name()));
    let mut metadata = ModelMetadata::for_network(&outcome.network);
    metadata.train_config = Some(config);
    metadata.tta = tta;
    save_model(&path, &outcome.network, &metadata).unwrap();
    path
}

/// The accuracy line `evaluate` prints for `predictor` on the test split it finds.
fn expected_accuracy_line(predictor: &Predictor) -> String {
    let report = predictor.evaluate(&discovered().test, &mut |_, _| {}).unwrap().predictions.report();
    format!("accuracy: {:.2}% ({}/{})", report.accuracy * 100.0, report.correct, report.total)
}

#[test]
fn evaluate_with_tta_flip_prints_the_flip_averaged_accuracy() {
    let home = tempfile::tempdir().unwrap();
    let model = trained(home.path(), TestTimeAugmentation::None);
    let loaded = || Predictor::from(load_model(&model, &Device::Cpu).unwrap());
    let flip_line = expected_accuracy_line(&loaded().with_tta(TestTimeAugmentation::HorizontalFlip));
    let plain_line = expected_accuracy_line(&loaded());

    let stdout = ok(&atelier(&["evaluate".as_ref(), model.as_os_str(), "--tta".as_ref(), "flip".as_ref()]));
    assert!(stdout.contains(&flip_line), "expected `{flip_line}` in:\n{stdout}");
    assert!(
        stdout.contains("tta:      the mean of each picture and its left-right mirror (flip TTA) (--tta flip; the model file says none)"),
        "{stdout}"
    );
    let stdout = ok(&atelier(&["evaluate".as_ref(), model.as_os_str()]));
    assert!(stdout.contains(&plain_line), "expected `{plain_line}` in:\n{stdout}");
    assert!(stdout.contains("(no test-time augmentation) (the model file's setting)"), "{stdout}");
}

#[test]
fn the_model_file_keeps_the_setting_and_predict_and_evaluate_follow_it() {
    let home = tempfile::tempdir().unwrap();
    let model = trained(home.path(), TestTimeAugmentation::HorizontalFlip);
    let loaded = load_model(&model, &Device::Cpu).unwrap();
    assert_eq!(loaded.metadata.tta, TestTimeAugmentation::HorizontalFlip);
    // Saved again (what the window's Save model does) and loaded: still there.
    let again = home.path().join("again.safetensors");
    save_model(&again, &loaded.network, &loaded.metadata).unwrap();
    assert_eq!(load_model(&again, &Device::Cpu).unwrap().metadata.tta, TestTimeAugmentation::HorizontalFlip);
    assert_eq!(read_raw(&again).unwrap().metadata[keys::TEST_TIME_AUGMENTATION], "\"horizontal_flip\"");

    let predictor = Predictor::from(loaded);
    assert_eq!(predictor.tta(), TestTimeAugmentation::HorizontalFlip, "the file's setting is used");
    let stdout = ok(&atelier(&["evaluate".as_ref(), again.as_os_str()]));
    assert!(stdout.contains(&expected_accuracy_line(&predictor)), "{stdout}");
    assert!(stdout.contains("(flip TTA) (the model file's setting)"), "{stdout}");

    let pictures =
        data::export_png(&sample().test, &data::ClassNames::fashion_mnist(), 2, &home.path().join("png"))
            .unwrap();
    let predict = |extra: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> = vec!["predict".as_ref(), again.as_os_str()];
        args.extend(pictures.iter().map(|p| p.as_os_str()));
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        ok(&atelier(&args))
    };
    let with = predict(&[]);
    let answers: Vec<&str> = with.lines().filter(|line| !line.starts_with("  ")).collect();
    assert_eq!(answers.len(), 2, "{with}");
    for (i, line) in answers.iter().enumerate() {
        assert!(line.ends_with(" (flip TTA)"), "each answer says how it was made: {line}");
        let prediction = predictor.predict_pixels(&[sample().test.image(i)]).unwrap().remove(0);
        let (class, probability) = prediction.top_name().unwrap();
        assert!(line.contains(&format!(": {class} {:.1}%", probability * 100.0)), "{line}");
    }
    let without = predict(&["--tta", "none"]);
    assert!(!without.contains("TTA"), "`--tta none` overrides the file: {without}");
}

#[test]
fn a_model_file_without_the_setting_loads_without_tta() {
    let home = tempfile::tempdir().unwrap();
    let model = trained(home.path(), TestTimeAugmentation::None);
    // A file as an Atelier from before test-time augmentation wrote it: no such key at all.
    let mut raw = read_raw(&model).unwrap();
    assert!(raw.metadata.remove(keys::TEST_TIME_AUGMENTATION).is_some());
    let old = home.path().join("old.safetensors");
    write_raw(&old, &raw).unwrap();
    assert_eq!(load_model(&old, &Device::Cpu).unwrap().metadata.tta, TestTimeAugmentation::None);
    let stdout = ok(&atelier(&["evaluate".as_ref(), old.as_os_str()]));
    assert!(stdout.contains("accuracy: "), "{stdout}");
    assert!(stdout.contains("(no test-time augmentation) (the model file's setting)"), "{stdout}");

    // A value this Atelier does not know is refused by name, not read as something else.
    raw.metadata.insert(keys::TEST_TIME_AUGMENTATION.to_owned(), "\"rotate\"".to_owned());
    let odd = home.path().join("odd.safetensors");
    write_raw(&odd, &raw).unwrap();
    let output = atelier(&["evaluate".as_ref(), odd.as_os_str()]);
    common::assert_one_line_failure(&output, &odd);
    assert!(text(&output.stderr).contains("test_time_augmentation"), "{}", text(&output.stderr));
}

#[test]
fn train_with_tta_flip_saves_it_into_the_model_file() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("m.safetensors");
    // A spec small enough to train an epoch of the full set quickly, where it is installed.
    let spec = ModelSpec {
        name: "linear".to_owned(),
        task: Task::all(10),
        layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: 10 }],
    };
    let spec_path = home.path().join("linear.json");
    std::fs::write(&spec_path, serde_json::to_string(&spec).unwrap()).unwrap();
    let args = ["train", "--epochs", "1", "--batch-size", "256", "--tta", "flip", "--spec"];
    let mut args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    args.extend([spec_path.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    let stdout = ok(&atelier(&args));
    assert!(stdout.contains("test accuracy with flip TTA: "), "{stdout}");
    let loaded = load_model(&out, &Device::Cpu).unwrap();
    assert_eq!(loaded.metadata.tta, TestTimeAugmentation::HorizontalFlip);
    // The saved report says what the saved model does: it was measured with flip averaging.
    let saved_report = loaded.metadata.report.clone().unwrap();
    let report =
        Predictor::from(loaded).evaluate(&discovered().test, &mut |_, _| {}).unwrap().predictions.report();
    assert_eq!((saved_report.correct, saved_report.total), (report.correct, report.total));
}

#[test]
fn a_bad_tta_value_is_one_line_and_exit_code_2() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("never-read.safetensors");
    let out = home.path().join("never-written.safetensors");
    for args in [
        vec!["evaluate".as_ref(), missing.as_os_str(), "--tta".as_ref(), "spin".as_ref()],
        vec!["predict".as_ref(), missing.as_os_str(), missing.as_os_str(), "--tta".as_ref(), "spin".as_ref()],
        vec!["train".as_ref(), "--tta".as_ref(), "spin".as_ref(), "--out".as_ref(), out.as_os_str()],
    ] {
        let output = atelier(&args);
        common::assert_refused_with(
            &output,
            "error: unknown test-time augmentation \"spin\"; choose none, flip or flip-shift",
        );
        assert!(!out.exists(), "nothing trained or written");
    }
}

#[test]
fn exporting_a_flip_tta_model_says_the_onnx_graph_is_the_plain_network() {
    let home = tempfile::tempdir().unwrap();
    let model = trained(home.path(), TestTimeAugmentation::HorizontalFlip);
    let onnx = home.path().join("tiny.onnx");
    let stdout = ok(&atelier(&["export".as_ref(), model.as_os_str(), "--onnx".as_ref(), onnx.as_os_str()]));
    assert!(onnx.is_file());
    let notes: Vec<&str> = stdout.lines().filter(|line| line.starts_with("note: ")).collect();
    assert_eq!(
        notes,
        [
            "note: the ONNX graph is the plain network: it does not average each picture with its mirror image (flip TTA) as this model does in Atelier"
        ],
        "{stdout}"
    );
    let plain = trained(home.path(), TestTimeAugmentation::None);
    let stdout = ok(&atelier(&["export".as_ref(), plain.as_os_str(), "--onnx".as_ref(), onnx.as_os_str()]));
    assert!(!stdout.contains("TTA"), "{stdout}");
}
