//! `atelier evaluate`: accuracy, classification report and confusion matrix of a saved model.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use candle_core::Device;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::data::{Dataset, LoadedData, validation_split};
use crate::evaluation::{TestTimeAugmentation, write_report_files};
use crate::inference::Predictor;
use crate::model::Task;
use crate::model_file;
use crate::training::TrainConfig;

/// Options of `atelier evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model file (.safetensors) to evaluate.
    pub model: PathBuf,
    /// The data set: a folder or file to import (cached), the name of an imported data set, or
    /// `fashion-mnist` (the default). It must have the classes the model learned.
    #[arg(long, value_name = "DIR|NAME")]
    pub data: Option<String>,
    /// Which pictures to evaluate on.
    #[arg(long, value_enum, default_value = "test")]
    pub split: EvaluationSplit,
    /// Also write report.csv, report.json, confusion.csv and confusion.png into this folder.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Test-time augmentation: `flip` averages each picture with its left-right mirror,
    /// `flip-shift` also with both moved one pixel each way (ten looks), `none` uses the picture
    /// alone (default: what the model file says).
    #[arg(long, value_name = "none|flip|flip-shift")]
    pub tta: Option<String>,
}

/// Which pictures `atelier evaluate` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvaluationSplit {
    /// The training pictures (60,000 in Fashion-MNIST).
    Train,
    /// The training pictures the model's run held out to choose settings by (its seed and
    /// validation share; or the data set's own validation folder): compare recipes here, not on test.
    Validation,
    /// The test pictures (10,000 in Fashion-MNIST).
    Test,
}

impl EvaluationSplit {
    fn name(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Validation => "validation",
            Self::Test => "test",
        }
    }
}

/// Evaluates a model and prints the report.
///
/// # Errors
/// A missing or invalid model file, or missing data.
pub fn run(args: &EvaluateArgs, data_dir: Option<&Path>) -> anyhow::Result<()> {
    let tta_override = parse_tta(args.tta.as_deref())?;
    // The model first: a bad file should fail fast, before the data is read.
    let model = load_model(&args.model)?;
    let file_tta = model.metadata.tta;
    let spec = model.metadata.spec.clone();
    let data = super::datasets::load_data(args.data.as_deref(), data_dir)?;
    for notice in data.notices() {
        eprintln!("warning: {notice}");
    }
    // Evaluating on other classes would print confident nonsense: refuse, naming both data sets.
    let mut data_identity = model.metadata.dataset.clone();
    data_identity.name.clone_from(&data.name);
    data_identity.classes = data.classes.clone();
    model
        .metadata
        .dataset
        .check_compatible(&data_identity)
        .map_err(|mismatch| anyhow::anyhow!("{mismatch}"))?;
    let task = model.metadata.spec.task.describe(&model.metadata.dataset.classes);
    let dataset = match args.split {
        EvaluationSplit::Train => data.train.clone(),
        EvaluationSplit::Test => data.test.clone(),
        EvaluationSplit::Validation => {
            held_out(model.metadata.train_config.as_ref(), &model.metadata.spec.task, &data)?
        }
    };
    let dataset = &dataset;
    let predictor = Predictor::from(model).with_tta(tta_override.unwrap_or(file_tta));

    let bar = ProgressBar::new(dataset.len() as u64).with_style(
        ProgressStyle::with_template("evaluating {bar:30} {pos}/{len} images")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let evaluation = predictor.evaluate(dataset, &mut |done, _| bar.set_position(done as u64))?;
    let elapsed_secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let report = evaluation.predictions.report();

    println!("model:    {} ({}, {}, {} parameters)", args.model.display(), spec.name, task, thousands(&spec));
    println!(
        "data:     {}, {} split, {} images, {}",
        data.name,
        args.split.name(),
        report.total,
        data.source.describe()
    );
    println!("tta:      {}", tta_line(predictor.tta(), file_tta));
    println!("accuracy: {:.2}% ({}/{})", report.accuracy * 100.0, report.correct, report.total);
    #[allow(clippy::cast_precision_loss)] // image counts are small
    let images_per_sec = report.total as f64 / elapsed_secs.max(1e-9);
    println!("time:     {elapsed_secs:.2} s ({images_per_sec:.0} images/s)");
    println!();
    print!("{}", report.to_text(4));
    println!();
    println!("confusion matrix (rows: true class, columns: predicted class)");
    print!("{}", report.confusion.to_text(&report.class_names()));
    if let Some(folder) = &args.report_dir {
        let written = write_report_files(&report, folder)
            .with_context(|| format!("writing the report into {}", folder.display()))?;
        let names: Vec<String> =
            written.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
        println!();
        println!("wrote {} to {}", names.join(", "), folder.display());
    }
    Ok(())
}

/// The pictures the model's training run held out for validation, chosen exactly as training chose
/// them: the data set's own validation split if it has one, else the run's seeded share of the
/// training pictures (of the binary task's two classes, for a binary model).
fn held_out(config: Option<&TrainConfig>, task: &Task, data: &LoadedData) -> anyhow::Result<Dataset> {
    if let Some(validation) = &data.validation {
        return Ok(validation.clone());
    }
    let config = config.context(
        "the model file does not say how it was trained, so the pictures it held out are unknown; \
         use --split test or train",
    )?;
    let train = match task {
        Task::AllClasses { .. } => data.train.clone(),
        Task::Binary { positive, negative } => data.train.filter_labels(&[*negative, *positive]),
    };
    let (_, positions) = validation_split(train.len(), config.validation_fraction, config.seed);
    anyhow::ensure!(
        !positions.is_empty(),
        "the model was trained without a validation split (validation share 0); use --split test or train"
    );
    Ok(train.select(&positions))
}

/// Reads `--tta` (`None` when not given): a bad name is a one-line error.
pub(super) fn parse_tta(value: Option<&str>) -> anyhow::Result<Option<TestTimeAugmentation>> {
    Ok(value.map(str::parse).transpose()?)
}

/// What the numbers were made with, and whether that is the model file's own setting.
pub(super) fn tta_line(used: TestTimeAugmentation, file: TestTimeAugmentation) -> String {
    if used == file {
        format!("{} (the model file's setting)", used.describe())
    } else {
        format!("{} (--tta {}; the model file says {})", used.describe(), used.cli_name(), file.cli_name())
    }
}

/// Loads a model file for the command line: any error becomes one line naming the file.
pub(super) fn load_model(path: &Path) -> anyhow::Result<model_file::LoadedModel> {
    // The model-file error already names the file and the cause; flatten it so `{:#}` does not
    // repeat the cause.
    model_file::load_model(path, &Device::Cpu).map_err(|error| anyhow::anyhow!("{error}"))
}

fn thousands(spec: &crate::model::ModelSpec) -> String {
    spec.param_count().map_or_else(|_| "?".to_owned(), crate::files::thousands)
}
