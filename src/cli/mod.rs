//! The command line: `atelier [data|presets|train|evaluate|predict|export] …`; no subcommand opens the window.
//!
//! Each subcommand lives in its own file and prints through its own progress sink or report;
//! errors bubble up to `main`, which prints them on one line and exits with code 2.

mod data;
mod datasets;
mod evaluate;
mod export;
mod predict;
mod presets;
mod resume;
mod train;
mod train_progress;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Arguments shared by the whole program.
#[derive(Debug, Parser)]
#[command(name = "atelier", version, about = "Train and use Fashion-MNIST classifiers", long_about = None)]
pub struct Args {
    /// Folder holding the four Fashion-MNIST idx files (overrides ATELIER_DATA and the usual places).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Worker threads for training and inference (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,

    /// What to do; without one, the desktop window opens.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Pictures to open in the Predict tab (what a file manager passes on "Open with").
    #[arg(value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run; boxing would only add noise
pub enum Command {
    /// Inspect, download or export the Fashion-MNIST data.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// List the model presets: layers, parameters, expected accuracy.
    Presets,
    /// Train a model (or continue one) and save it as one .safetensors file.
    Train(Box<train::TrainArgs>),
    /// Evaluate a saved model: accuracy, classification report, confusion matrix.
    Evaluate(evaluate::EvaluateArgs),
    /// Predict the class of one or more pictures with a saved model.
    Predict(predict::PredictArgs),
    /// Export a saved model as ONNX, checked against Atelier on test pictures before it is written.
    Export(export::ExportArgs),
}

/// Applies the options every mode shares (the window too): the number of compute threads.
///
/// # Errors
/// An invalid thread count.
pub fn apply_global_options(args: &Args) -> anyhow::Result<()> {
    if let Some(threads) = args.threads {
        crate::ops::set_num_threads(threads)?;
    }
    Ok(())
}

/// Runs one subcommand. `main` decides between this and the window; the command line never opens
/// one.
///
/// # Errors
/// Whatever the chosen command fails with; `main` prints it and exits with code 2.
pub fn run(command: Command, data_dir: Option<&std::path::Path>) -> anyhow::Result<()> {
    match command {
        Command::Data(command) => data::run(command, data_dir),
        Command::Presets => presets::run(),
        Command::Train(train_args) => train::run(&train_args, data_dir),
        Command::Evaluate(evaluate_args) => evaluate::run(&evaluate_args, data_dir),
        Command::Predict(predict_args) => predict::run(&predict_args),
        Command::Export(export_args) => export::run(&export_args, data_dir),
    }
}
