//! `atelier predict`: top-3 classes with probabilities for each picture.

use std::path::PathBuf;

use clap::Args;

/// Options of `atelier predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model file (.safetensors).
    pub model: PathBuf,
    /// Pictures (PNG, JPEG, BMP, GIF, WebP, TIFF).
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// How many classes to print per picture.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
}

/// Predicts and prints.
///
/// # Errors
/// A missing or invalid model file; bad pictures are reported per file.
pub fn run(args: &PredictArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("`atelier predict` is being built")
}
