//! `atelier evaluate`: accuracy, classification report and confusion matrix of a saved model.

use std::path::{Path, PathBuf};

use clap::Args;

/// Options of `atelier evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model file (.safetensors) to evaluate.
    pub model: PathBuf,
    /// Which split to evaluate on.
    #[arg(long, value_enum, default_value = "test")]
    pub split: crate::data::Split,
    /// Also write report.csv, report.json and confusion.png into this folder.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
}

/// Evaluates a model and prints the report.
///
/// # Errors
/// A missing or invalid model file, or missing data.
pub fn run(args: &EvaluateArgs, data_dir: Option<&Path>) -> anyhow::Result<()> {
    let _ = (args, data_dir);
    anyhow::bail!("`atelier evaluate` is being built")
}
