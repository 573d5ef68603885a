//! `atelier evaluate` and `atelier predict` as a user runs them, on the bundled sample: the
//! accuracy printed matches the one computed in-process, exports are written, pictures predict
//! like the dataset images they came from, and bad files fail with one line and exit code 2.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions panic on purpose

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use atelier::data::{self, LoadedData};
use atelier::inference::Predictor;
use atelier::model_file::{ModelMetadata, load_model, save_model};
use atelier::training::{Control, NullSink, TrainConfig, TrainingData, train};
use candle_core::Device;

/// The bundled sample: what the model trains on and the pictures come from.
fn sample() -> LoadedData {
    data::load_sample().unwrap()
}

/// What `atelier evaluate` finds with no `--data-dir` in this same environment and folder: the full
/// set where one is installed (CI installs it), else the bundled sample.
fn discovered() -> LoadedData {
    data::load(None).unwrap()
}

/// Trains a small dense model for two epochs on the sample and saves it; also returns the trained
/// network itself, as it was before saving.
fn trained(dir: &Path) -> (PathBuf, Predictor) {
    let data = sample();
    let spec = common::tiny_dense_spec();
    let config = TrainConfig { epochs: 2, batch_size: 50, ..TrainConfig::default() };
    let training = TrainingData::new(data.train.clone(), None, 10);
    let outcome = train(&training, &spec, &config, &mut NullSink, &Control::new()).unwrap();
    let path = dir.join("tiny.safetensors");
    let mut metadata = ModelMetadata::for_network(&outcome.network);
    metadata.train_config = Some(config);
    save_model(&path, &outcome.network, &metadata).unwrap();
    (path, Predictor::new(outcome.network))
}

fn trained_model(dir: &Path) -> PathBuf {
    trained(dir).0
}

use common::{assert_one_line_failure, text};

fn atelier(args: &[&std::ffi::OsStr]) -> Output {
    // Same environment and working folder as this test, so the data discovered is the same.
    common::atelier(args, Path::new(env!("CARGO_MANIFEST_DIR")))
}

#[test]
fn evaluate_prints_the_in_process_accuracy_and_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    // The network as training left it, never saved or loaded: train → save → load → evaluate must
    // agree with it to the last image.
    let (model_path, trained_network) = trained(dir.path());
    let report = trained_network.evaluate(&discovered().test, &mut |_, _| {}).unwrap().predictions.report();
    assert!(report.accuracy > 0.3, "two epochs on the sample learn something: {}", report.accuracy);

    let report_dir = dir.path().join("report");
    let output = atelier(&[
        "evaluate".as_ref(),
        model_path.as_os_str(),
        "--report-dir".as_ref(),
        report_dir.as_os_str(),
    ]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}\n{stdout}", text(&output.stderr));
    let expected = format!("accuracy: {:.2}% ({}/{})", report.accuracy * 100.0, report.correct, report.total);
    assert!(stdout.contains(&expected), "expected `{expected}` in:\n{stdout}");
    assert!(stdout.contains("precision    recall  f1-score   support"), "{stdout}");
    assert!(stdout.contains("weighted avg"));
    assert!(stdout.contains("Ankle boot") && stdout.contains("T-shirt/top"));
    for file in ["report.csv", "report.json", "confusion.csv", "confusion.png"] {
        assert!(report_dir.join(file).is_file(), "{file} written");
    }
    let picture = image::open(report_dir.join("confusion.png")).unwrap();
    assert!(picture.width() > 700 && picture.height() > 600);
    let csv = std::fs::read_to_string(report_dir.join("report.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 10 + 3);
}

#[test]
fn evaluate_on_the_validation_split_measures_the_pictures_training_held_out() {
    let dir = tempfile::tempdir().unwrap();
    let (model_path, trained_network) = trained(dir.path());
    // The model file's config (seed 1, a tenth held out) picks the same pictures training did.
    let config = load_model(&model_path, &Device::Cpu).unwrap().metadata.train_config.unwrap();
    let train = discovered().train;
    let (_, positions) = data::validation_split(train.len(), config.validation_fraction, config.seed);
    let held_out = train.select(&positions);
    let report = trained_network.evaluate(&held_out, &mut |_, _| {}).unwrap().predictions.report();
    assert_eq!(report.total, u64::try_from(train.len() / 10).unwrap());

    let output =
        atelier(&["evaluate".as_ref(), model_path.as_os_str(), "--split".as_ref(), "validation".as_ref()]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}\n{stdout}", text(&output.stderr));
    assert!(stdout.contains(&format!("validation split, {} images", report.total)), "{stdout}");
    let expected = format!("accuracy: {:.2}% ({}/{})", report.accuracy * 100.0, report.correct, report.total);
    assert!(stdout.contains(&expected), "expected `{expected}` in:\n{stdout}");

    // A model trained with nothing held out has no validation split: one line, no guess.
    let mut file = load_model(&model_path, &Device::Cpu).unwrap();
    file.metadata.train_config = Some(TrainConfig { validation_fraction: 0.0, ..config });
    let none_held_out = dir.path().join("none-held-out.safetensors");
    save_model(&none_held_out, &file.network, &file.metadata).unwrap();
    let output =
        atelier(&["evaluate".as_ref(), none_held_out.as_os_str(), "--split".as_ref(), "validation".as_ref()]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("trained without a validation split"), "{}", text(&output.stderr));
}

#[test]
fn bad_model_files_fail_with_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let model_path = trained_model(dir.path());
    let bytes = std::fs::read(&model_path).unwrap();
    let truncated = dir.path().join("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let picture = dir.path().join("picture.png");
    image::GrayImage::new(28, 28).save(&picture).unwrap();
    let missing = dir.path().join("missing.safetensors");
    for bad in [&truncated, &picture, &missing] {
        let output = atelier(&["evaluate".as_ref(), bad.as_os_str()]);
        assert_one_line_failure(&output, bad);
        let output = atelier(&["predict".as_ref(), bad.as_os_str(), picture.as_os_str()]);
        assert_one_line_failure(&output, bad);
    }
}

#[test]
fn predict_matches_the_dataset_and_reports_bad_pictures_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let model_path = trained_model(dir.path());
    let test = sample().test;
    let pictures =
        data::export_png(&test, &atelier::data::ClassNames::fashion_mnist(), 3, &dir.path().join("png"))
            .unwrap();
    let broken = dir.path().join("broken.png");
    std::fs::write(&broken, b"not a picture at all").unwrap();

    let mut args: Vec<&std::ffi::OsStr> = vec!["predict".as_ref(), model_path.as_os_str()];
    args.push(pictures[0].as_os_str());
    args.push(broken.as_os_str());
    args.extend(pictures[1..].iter().map(|p| p.as_os_str()));
    let output = atelier(&args);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "one bad picture fails the command at the end");
    assert!(stderr.contains(&broken.display().to_string()), "{stderr}");
    assert!(!stderr.contains("panicked"));

    let predictor = Predictor::from(load_model(&model_path, &Device::Cpu).unwrap());
    let lines: Vec<&str> = stdout.lines().filter(|line| !line.starts_with("  ")).collect();
    assert_eq!(lines.len(), 3, "the good pictures all ran:\n{stdout}");
    for (i, picture) in pictures.iter().enumerate() {
        let prediction = predictor.predict_pixels(&[test.image(i)]).unwrap().remove(0);
        let line = lines.iter().find(|line| line.starts_with(&picture.display().to_string())).unwrap();
        // The model's own class names, not output numbers.
        let ranked: Vec<String> = prediction
            .top_k(3)
            .iter()
            .map(|&(c, p)| format!("{} {:.1}%", prediction.class_name(c), p * 100.0))
            .collect();
        assert!(
            ranked.iter().all(|entry| entry.chars().next().is_some_and(char::is_alphabetic)),
            "{ranked:?}"
        );
        assert!(line.ends_with(&ranked.join(", ")), "{line} vs {ranked:?}");
    }
}
