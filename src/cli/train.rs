//! `atelier train`: trains a preset or a spec file with a progress bar and saves the model.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::data::{Augmentation, LoadedData};
use crate::inference::Predictor;
use crate::model::{Network, PresetId, UnknownPreset};
use crate::model_file::{ModelMetadata, save_model};
use crate::training::{
    BatchMetrics, ConfigError, Control, EpochMetrics, OptimizerKind, ProgressSink, Schedule, StopReason,
    TrainConfig, TrainSummary, TrainingData, TrainingStarted,
};

/// Options of `atelier train`; unset ones come from the preset's default config.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The data set: a folder or file to import (cached), the name of an imported data set, or
    /// `fashion-mnist` (the default, found in the usual places).
    #[arg(long, value_name = "DIR|NAME")]
    pub data: Option<String>,
    /// Preset to start from (see `atelier presets`).
    #[arg(long, default_value = "cnn")]
    pub preset: String,
    /// A model spec JSON file instead of a preset's architecture.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Number of passes over the training data.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Images per optimisation step.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Optimizer: adam, adamw or sgd.
    #[arg(long)]
    pub optimizer: Option<String>,
    /// Learning-rate schedule: constant, step, cosine or plateau.
    #[arg(long)]
    pub schedule: Option<String>,
    /// Augmentations, comma separated: shift, flip, erase (or `none`).
    #[arg(long, value_delimiter = ',')]
    pub augment: Option<Vec<String>>,
    /// Stop after this many epochs without a better validation loss (restores the best weights).
    #[arg(long, value_name = "PATIENCE")]
    pub early_stopping: Option<usize>,
    /// Random seed for initialisation, shuffling, the validation split and augmentation.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where to write the trained model.
    #[arg(long, value_name = "FILE", default_value = "model.safetensors")]
    pub out: PathBuf,
}

/// Shift used by `--augment shift`.
const CLI_SHIFT_PIXELS: usize = 2;

impl TrainArgs {
    /// The preset's default config with the command line's overrides, validated.
    ///
    /// # Errors
    /// An unknown optimizer, schedule or augmentation name, or an invalid value.
    pub fn config(&self) -> anyhow::Result<TrainConfig> {
        let mut config = TrainConfig::for_preset(self.preset_id()?);
        if let Some(epochs) = self.epochs {
            config.epochs = epochs;
        }
        if let Some(batch_size) = self.batch_size {
            config.batch_size = batch_size;
        }
        if let Some(learning_rate) = self.lr {
            config.learning_rate = learning_rate;
        }
        if let Some(name) = &self.optimizer {
            config.optimizer = OptimizerKind::parse(name)?;
        }
        if let Some(name) = &self.schedule {
            config.schedule = Schedule::parse(name)?;
        }
        if let Some(names) = &self.augment {
            config.augmentation = parse_augmentation(names)?;
        }
        if let Some(patience) = self.early_stopping {
            config.early_stopping_patience = Some(patience);
        }
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        config.validate()?;
        Ok(config)
    }

    fn preset_id(&self) -> Result<PresetId, UnknownPreset> {
        self.preset.parse()
    }
}

/// `shift`, `flip`, `erase` (any combination) or `none`.
fn parse_augmentation(names: &[String]) -> Result<Augmentation, ConfigError> {
    let mut augmentation = Augmentation::default();
    for name in names {
        match name.trim().to_ascii_lowercase().as_str() {
            "shift" => augmentation.max_shift_pixels = CLI_SHIFT_PIXELS,
            "flip" => augmentation.horizontal_flip = true,
            "erase" | "erasing" => augmentation.random_erasing = true,
            "none" | "" => {}
            _ => return Err(ConfigError::UnknownAugmentation(name.clone())),
        }
    }
    Ok(augmentation)
}

/// Draws one progress bar over the whole run and prints a line per epoch.
struct BarSink {
    bar: ProgressBar,
    total_epochs: usize,
    last_draw: Option<Instant>,
    /// Exponentially smoothed training loss and accuracy.
    smoothed: Option<(f64, f64)>,
}

impl BarSink {
    fn new() -> Self {
        Self { bar: ProgressBar::hidden(), total_epochs: 0, last_draw: None, smoothed: None }
    }
}

/// Redraw the bar at most this often: a batch of the dense net takes a few milliseconds.
const DRAW_INTERVAL: Duration = Duration::from_millis(100);

impl ProgressSink for BarSink {
    fn started(&mut self, info: &TrainingStarted) {
        println!(
            "training on {} images ({} held out for validation, {} test), {} batches per epoch",
            info.train_examples, info.validation_examples, info.test_examples, info.batches_per_epoch
        );
        self.total_epochs = info.total_epochs;
        let total = u64::try_from(info.total_epochs * info.batches_per_epoch).unwrap_or(u64::MAX);
        self.bar = ProgressBar::new(total);
        self.bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:20}] {percent:>3}% {msg} ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
    }

    fn batch_finished(&mut self, metrics: &BatchMetrics) {
        // Exponential smoothing so the bar shows a trend, not one batch's noise.
        let (loss, accuracy) = match self.smoothed {
            Some((loss, accuracy)) => {
                (0.95 * loss + 0.05 * metrics.loss, 0.95 * accuracy + 0.05 * metrics.accuracy)
            }
            None => (metrics.loss, metrics.accuracy),
        };
        self.smoothed = Some((loss, accuracy));
        if self.last_draw.is_some_and(|last| last.elapsed() < DRAW_INTERVAL) {
            return;
        }
        self.last_draw = Some(Instant::now());
        let done = (metrics.epoch - 1) * metrics.batches_per_epoch + metrics.batch;
        self.bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
        self.bar.set_prefix(format!("epoch {}/{}", metrics.epoch, self.total_epochs));
        self.bar.set_message(format!(
            "loss {loss:.4} acc {:.1}% {:.0} img/s",
            accuracy * 100.0,
            metrics.images_per_sec
        ));
    }

    fn epoch_finished(&mut self, metrics: &EpochMetrics) {
        let validation = match (metrics.validation_loss, metrics.validation_accuracy) {
            (Some(loss), Some(accuracy)) => format!("  val loss {loss:.4} acc {:.2}%", accuracy * 100.0),
            _ => String::new(),
        };
        let line = format!(
            "epoch {:>2}/{}  train loss {:.4} acc {:.2}%{validation}  lr {:.2e}  {:.0} img/s  {:.1} s",
            metrics.epoch,
            self.total_epochs,
            metrics.train_loss,
            metrics.train_accuracy * 100.0,
            metrics.learning_rate,
            metrics.images_per_sec,
            metrics.elapsed_secs
        );
        self.bar.suspend(|| println!("{line}"));
    }

    fn finished(&mut self, _summary: &TrainSummary) {
        self.bar.finish_and_clear();
    }
}

/// Trains and saves a model.
///
/// # Errors
/// Missing data, an invalid spec or config, divergence, or a failed save.
pub fn run(args: &TrainArgs, data_dir: Option<&Path>) -> anyhow::Result<()> {
    let config = args.config()?;
    let spec = match &args.spec {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let spec: crate::model::ModelSpec = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a model spec", path.display()))?;
            // Checked before the data is loaded, and with the file's name: the spec is what is wrong.
            spec.validate().with_context(|| format!("{} is not a valid model", path.display()))?;
            spec
        }
        None => args.preset_id()?.spec(),
    };
    let data = super::datasets::load_data(args.data.as_deref(), data_dir)?;
    // A preset is sized to the data set's classes; a spec file must already fit them.
    let spec = if args.spec.is_none() { args.preset_id()?.spec_for(&data.classes) } else { spec };
    println!("data: {} ({} classes), {}", data.name, data.classes.len(), data.source.describe());
    for notice in data.notices() {
        println!("note: {notice}");
    }
    let training_data = TrainingData::from(&data);
    let outcome =
        crate::training::train(&training_data, &spec, &config, &mut BarSink::new(), &Control::new())?;
    let summary = &outcome.summary;
    if summary.stop_reason != StopReason::Completed {
        println!("{}", summary.stop_reason.message());
    }
    if let (Some(accuracy), Some(loss)) = (summary.test_accuracy, summary.test_loss) {
        println!(
            "test accuracy: {:.2}% (loss {loss:.4}) after {} epoch{} in {:.1} s",
            accuracy * 100.0,
            summary.history.len(),
            if summary.history.len() == 1 { "" } else { "s" },
            summary.elapsed_secs
        );
    }
    if let StopReason::Diverged { .. } = summary.stop_reason {
        anyhow::bail!("{}; no model saved", summary.stop_reason.message());
    }
    save(args, config, outcome.network, &data)
}

/// Writes the model file with its metadata: spec, config and the test split's report.
fn save(args: &TrainArgs, config: TrainConfig, network: Network, data: &LoadedData) -> anyhow::Result<()> {
    let predictor = Predictor::with_classes(network, &data.classes);
    let evaluation = predictor.evaluate(&data.test, &mut |_, _| {})?;
    let mut metadata = ModelMetadata::new(predictor.network(), data.identity());
    metadata.train_config = Some(config);
    metadata.report = Some(evaluation.predictions.report());
    save_model(&args.out, predictor.network(), &metadata)
        .with_context(|| format!("saving the model to {}", args.out.display()))?;
    println!("saved {}", args.out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        train: TrainArgs,
    }

    fn config(args: &[&str]) -> anyhow::Result<TrainConfig> {
        Cli::parse_from(std::iter::once("train").chain(args.iter().copied())).train.config()
    }

    #[test]
    fn overrides_apply_on_top_of_the_preset() {
        let config = config(&[
            "--preset",
            "dense",
            "--epochs",
            "3",
            "--optimizer",
            "sgd",
            "--augment",
            "shift,flip",
            "--early-stopping",
            "2",
        ])
        .unwrap();
        assert_eq!(config.epochs, 3);
        assert_eq!(config.optimizer, OptimizerKind::Sgd { momentum: 0.9 });
        assert_eq!(
            config.augmentation,
            Augmentation { max_shift_pixels: 2, horizontal_flip: true, random_erasing: false }
        );
        assert_eq!(config.early_stopping_patience, Some(2));
        assert_eq!(config.batch_size, TrainConfig::for_preset(PresetId::Dense).batch_size);
    }

    #[test]
    fn bad_names_and_values_are_refused() {
        assert!(
            config(&["--augment", "rotate"])
                .unwrap_err()
                .to_string()
                .contains("unknown augmentation \"rotate\"")
        );
        assert_eq!(config(&["--epochs", "0"]).unwrap_err().to_string(), "epochs must be at least 1");
        assert!(config(&["--preset", "resnet"]).unwrap_err().to_string().contains("unknown preset `resnet`"));
    }
}
