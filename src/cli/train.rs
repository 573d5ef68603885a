//! `atelier train`: trains a preset or a spec file with a progress bar and saves the model.

use std::path::{Path, PathBuf};

use clap::Args;

/// Options of `atelier train`; unset ones come from the preset's default config.
#[derive(Debug, Args)]
pub struct TrainArgs {
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

/// Trains and saves a model.
///
/// # Errors
/// Missing data, an invalid spec or config, divergence, or a failed save.
pub fn run(args: &TrainArgs, data_dir: Option<&Path>) -> anyhow::Result<()> {
    let _ = (args, data_dir);
    anyhow::bail!("`atelier train` is being built")
}
