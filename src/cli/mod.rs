//! The command line: `atelier [data|presets|train|evaluate|predict] …`; no subcommand opens the window.
//!
//! Each subcommand lives in its own file and prints through its own progress sink or report;
//! errors bubble up to `main`, which prints them on one line and exits with code 2.

mod data;
mod evaluate;
mod predict;
mod presets;
mod resume;
mod train;

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
}

/// Runs the parsed command line.
///
/// # Errors
/// Whatever the chosen command fails with; `main` prints it and exits with code 2.
pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(threads) = args.threads {
        crate::ops::set_num_threads(threads)?;
    }
    let data_dir = args.data_dir.as_deref();
    match args.command {
        Some(Command::Data(command)) => data::run(command, data_dir),
        Some(Command::Presets) => presets::run(),
        Some(Command::Train(train_args)) => train::run(&train_args, data_dir),
        Some(Command::Evaluate(evaluate_args)) => evaluate::run(&evaluate_args, data_dir),
        Some(Command::Predict(predict_args)) => predict::run(&predict_args),
        None => open_window(args.data_dir, args.images),
    }
}

#[cfg(feature = "gui")]
fn open_window(data_dir: Option<PathBuf>, images: Vec<PathBuf>) -> anyhow::Result<()> {
    crate::gui::run(crate::gui::LaunchOptions { data_dir, images })
}

#[cfg(not(feature = "gui"))]
fn open_window(_data_dir: Option<PathBuf>, _images: Vec<PathBuf>) -> anyhow::Result<()> {
    anyhow::bail!("this build has no window (built without the `gui` feature); try `atelier --help`")
}
