//! `atelier train`: trains a preset or a spec file with a progress bar and saves the model.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;

use super::train_progress::BarSink;
use crate::data::{Augmentation, LoadedData};
use crate::evaluation::TestTimeAugmentation;
use crate::inference::Predictor;
use crate::model::{ModelSpec, PresetId, UnknownPreset};
use crate::model_file::{ModelMetadata, save_model};
use crate::training::{
    ConfigError, Control, OptimizerKind, Schedule, Start, StopReason, TrainConfig, TrainOutcome,
    TrainingData, save_resume_state,
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
    /// Learning-rate schedule: constant, step, cosine, one-cycle or plateau.
    #[arg(long)]
    pub schedule: Option<String>,
    /// Augmentations, comma separated: shift, flip, erase, rotate, tone, or `photos` (shift 1 px,
    /// flip, rotate 12°, brightness/contrast 25%), or `none`.
    #[arg(long, value_delimiter = ',')]
    pub augment: Option<Vec<String>>,
    /// Stop after this many epochs without a better validation loss (restores the best weights).
    #[arg(long, value_name = "PATIENCE")]
    pub early_stopping: Option<usize>,
    /// Random seed for initialisation, shuffling, the validation split and augmentation.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Label smoothing of the loss, in 0..1 (0.1 spreads a tenth of each target over the classes).
    #[arg(long, value_name = "AMOUNT")]
    pub label_smoothing: Option<f64>,
    /// Weight decay (decoupled for adamw, L2 for adam and sgd).
    #[arg(long)]
    pub weight_decay: Option<f64>,
    /// Share of the training split held out for validation, in 0..=0.5 (0 trains on all of it:
    /// no validation accuracy per epoch, no early stopping).
    #[arg(long, value_name = "FRACTION")]
    pub validation_fraction: Option<f64>,
    /// Where to write the trained model; the state to continue it from goes beside it
    /// (`model.resume.safetensors` for `model.safetensors`).
    #[arg(long, value_name = "FILE", default_value = "model.safetensors")]
    pub out: PathBuf,
    /// Continue a run: a run id from the window's history, a run folder, a `.resume.safetensors`
    /// file, or a model file with one beside it. `--epochs` is then the run's new total (default:
    /// the total it was planned for); the other settings are the run's own.
    #[arg(
        long,
        value_name = "RUN_OR_FILE",
        conflicts_with_all = ["preset", "spec", "batch_size", "lr", "optimizer", "schedule", "augment", "early_stopping", "seed", "label_smoothing", "weight_decay", "validation_fraction"]
    )]
    pub resume: Option<String>,
    /// Stop after this many epochs (counted from the run's start) and save, so that `--resume`
    /// can finish the planned total later exactly as one uninterrupted run would have.
    #[arg(long, value_name = "EPOCHS")]
    pub stop_after: Option<usize>,
    /// Test-time augmentation to save in the model file: `flip` averages each picture with its
    /// left-right mirror when evaluating and predicting (and the saved report is measured so),
    /// `flip-shift` also with both moved one pixel each way; default: the preset's, else none.
    #[arg(long, value_name = "none|flip|flip-shift")]
    pub tta: Option<String>,
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
        if let Some(amount) = self.label_smoothing {
            config.label_smoothing = amount;
        }
        if let Some(decay) = self.weight_decay {
            config.weight_decay = decay;
        }
        if let Some(fraction) = self.validation_fraction {
            config.validation_fraction = fraction;
        }
        config.validate()?;
        Ok(config)
    }

    fn preset_id(&self) -> Result<PresetId, UnknownPreset> {
        self.preset.parse()
    }
}

/// `shift`, `flip`, `erase`, `rotate`, `tone` (any combination), `photos` (what photos need:
/// [`Augmentation::PHOTOS`]) or `none`.
fn parse_augmentation(names: &[String]) -> Result<Augmentation, ConfigError> {
    let mut augmentation = Augmentation::default();
    for name in names {
        match name.trim().to_ascii_lowercase().as_str() {
            "shift" => augmentation.max_shift_pixels = CLI_SHIFT_PIXELS,
            "flip" => augmentation.horizontal_flip = true,
            "erase" | "erasing" => augmentation.random_erasing = true,
            "rotate" => augmentation.max_rotation_degrees = Augmentation::PHOTOS.max_rotation_degrees,
            "tone" => augmentation.tone_jitter_percent = Augmentation::PHOTOS.tone_jitter_percent,
            "photos" => augmentation = Augmentation::PHOTOS,
            "none" | "" => {}
            _ => return Err(ConfigError::UnknownAugmentation(name.clone())),
        }
    }
    Ok(augmentation)
}

/// Trains (or continues) and saves a model and the state to continue it from.
///
/// # Errors
/// Missing data, an invalid spec or config, a resume state that does not fit, divergence, or a
/// failed save.
pub fn run(args: &TrainArgs, data_dir: Option<&Path>) -> anyhow::Result<()> {
    // Checked before anything is loaded or trained: a typo must not cost a training run.
    let tta_override = super::evaluate::parse_tta(args.tta.as_deref())?;
    let resumed = match &args.resume {
        Some(source) => Some(super::resume::load(source)?),
        None => None,
    };
    let (spec, mut config) = match &resumed {
        Some(state) => (state.spec.clone(), super::resume::config(state, args.epochs)?),
        None => (read_spec(args)?, args.config()?),
    };
    // `--tta` over the preset's (or the continued run's) own choice.
    if let Some(tta) = tta_override {
        config.test_time_augmentation = tta;
    }
    let tta = config.test_time_augmentation;
    let data = super::datasets::load_data(args.data.as_deref(), data_dir)?;
    // A preset is sized to the data set's classes; a spec file must already fit them.
    let spec = if resumed.is_none() && args.spec.is_none() {
        args.preset_id()?.spec_for(&data.classes)
    } else {
        spec
    };
    println!("data: {} ({} classes), {}", data.name, data.classes.len(), data.source.describe());
    for notice in data.notices() {
        println!("note: {notice}");
    }
    let start = match &resumed {
        Some(state) => {
            super::resume::check_data(state, &data)?;
            println!("continuing after epoch {} of {}", state.epochs_done, config.epochs);
            Start::Resume(state)
        }
        None => Start::Fresh(&spec),
    };
    let control = Control::new();
    let mut sink = BarSink::new(args.stop_after, &control);
    let outcome =
        crate::training::train_from(&TrainingData::from(&data), start, &config, &mut sink, &control)?;
    let summary = &outcome.summary;
    let stopped_as_asked = args.stop_after.is_some_and(|epochs| summary.history.len() == epochs)
        && summary.stop_reason == StopReason::Cancelled;
    if summary.stop_reason != StopReason::Completed && !stopped_as_asked {
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
    save(args, config, outcome, &data, tta)
}

/// The architecture: the spec file's, or the preset's.
fn read_spec(args: &TrainArgs) -> anyhow::Result<ModelSpec> {
    let Some(path) = &args.spec else { return Ok(args.preset_id()?.spec()) };
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let spec: ModelSpec =
        serde_json::from_slice(&bytes).with_context(|| format!("{} is not a model spec", path.display()))?;
    // Checked before the data is loaded, and with the file's name: the spec is what is wrong.
    spec.validate().with_context(|| format!("{} is not a valid model", path.display()))?;
    Ok(spec)
}

/// Writes the model file with its metadata (spec, config, test-time augmentation, the test
/// split's report) and the resume state beside it. The report comes from the loop's one test
/// pass, whose answers use the config's test-time augmentation, so that it says what the saved
/// model does.
fn save(
    args: &TrainArgs,
    config: TrainConfig,
    outcome: TrainOutcome,
    data: &LoadedData,
    tta: TestTimeAugmentation,
) -> anyhow::Result<()> {
    let predictor = Predictor::with_classes(outcome.network, &data.classes).with_tta(tta);
    let mut metadata = ModelMetadata::new(predictor.network(), data.identity());
    metadata.train_config = Some(config);
    metadata.tta = tta;
    metadata.report = match &outcome.test_predictions {
        None => None,
        Some(test) => {
            let report = predictor.test_predictions(test)?.report();
            if tta != TestTimeAugmentation::None {
                println!("test accuracy with {}: {:.2}%", tta.short_label(), report.accuracy * 100.0);
            }
            Some(report)
        }
    };
    save_model(&args.out, predictor.network(), &metadata)
        .with_context(|| format!("saving the model to {}", args.out.display()))?;
    println!("saved {}", args.out.display());
    let mut resume = outcome.resume;
    resume.dataset_checksum = Some(data.fingerprint());
    let resume_path = super::resume::path_beside(&args.out);
    save_resume_state(&resume_path, &resume)?;
    println!(
        "saved {} (after epoch {} of {}: continue with `atelier train --resume {}`)",
        resume_path.display(),
        resume.epochs_done,
        resume.config.epochs,
        resume_path.display()
    );
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
            Augmentation {
                max_shift_pixels: 2,
                horizontal_flip: true,
                random_erasing: false,
                ..Augmentation::default()
            }
        );
        assert_eq!(config.early_stopping_patience, Some(2));
        assert_eq!(config.batch_size, TrainConfig::for_preset(PresetId::Dense).batch_size);
    }

    #[test]
    fn bad_names_and_values_are_refused() {
        assert!(
            config(&["--augment", "spin"]).unwrap_err().to_string().contains("unknown augmentation \"spin\"")
        );
        assert_eq!(config(&["--epochs", "0"]).unwrap_err().to_string(), "epochs must be at least 1");
        assert!(config(&["--preset", "resnet"]).unwrap_err().to_string().contains("unknown preset `resnet`"));
        assert_eq!(
            config(&["--validation-fraction", "0.6"]).unwrap_err().to_string(),
            "validation fraction must be in 0..=0.5, got 0.6"
        );
        assert!(
            config(&["--validation-fraction", "0", "--early-stopping", "3"])
                .unwrap_err()
                .to_string()
                .contains("early stopping needs a validation set")
        );
    }

    #[test]
    fn the_validation_fraction_can_be_set_down_to_nothing() {
        assert_eq!(config(&[]).unwrap().validation_fraction, 0.1);
        assert_eq!(config(&["--validation-fraction", "0.2"]).unwrap().validation_fraction, 0.2);
        assert_eq!(config(&["--validation-fraction", "0"]).unwrap().validation_fraction, 0.0);
    }
}
