//! `atelier export MODEL --onnx OUT.onnx`: a saved model as ONNX, checked by an independent runtime
//! on test pictures before the file is written.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;

use crate::data::Split;
use crate::model_file::onnx::{self, CHECK_IMAGES, OPSET_VERSION, TOLERANCE};

/// Options of `atelier export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The model file (.safetensors) to export.
    pub model: PathBuf,
    /// Write the model as ONNX (opset 13) to this file.
    #[arg(long, value_name = "OUT.onnx")]
    pub onnx: PathBuf,
}

/// Exports a model and prints what was written and how it checked out.
///
/// # Errors
/// A missing or invalid model file, no data to check on, a check that fails, or a file that cannot
/// be written; nothing is written then.
pub fn run(args: &ExportArgs, data_dir: Option<&Path>) -> anyhow::Result<()> {
    // The model first: a bad file should fail fast, before the data is read.
    let model = super::evaluate::load_model(&args.model)?;
    // The test split of the usual data (the bundled sample when none is installed).
    let data = crate::data::load(data_dir)?;
    for notice in data.notices() {
        eprintln!("warning: {notice}");
    }
    let test = data.split(Split::Test);
    let images: Vec<&[u8]> = (0..test.len().min(CHECK_IMAGES)).map(|i| test.image(i)).collect();
    let export = onnx::export_onnx(&args.onnx, &model.network, &model.metadata, &images)
        .with_context(|| format!("exporting {} as ONNX", args.model.display()))?;
    let check = &export.verification;
    println!(
        "wrote {} ({} KB, ONNX opset {OPSET_VERSION}: input `{}`, outputs `{}` and `{}`)",
        export.path.display(),
        export.bytes.div_ceil(1024),
        onnx::INPUT_NAME,
        onnx::LOGITS_NAME,
        onnx::PROBABILITIES_NAME,
    );
    println!(
        "checked with {} on {} test pictures: largest difference from Atelier {:.1e} in the logits, {:.1e} in the probabilities (limit {TOLERANCE:.0e})",
        check.runtime, check.images, check.max_logit_difference, check.max_probability_difference,
    );
    if let Some(note) = onnx::tta_note(model.metadata.tta) {
        println!("note: {note}");
    }
    Ok(())
}
