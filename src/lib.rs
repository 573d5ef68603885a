//! Atelier: build, train, evaluate and use neural-network classifiers of Fashion-MNIST images.
//!
//! The library is the whole application core; the `atelier` binary puts a command line
//! ([`cli`]) and, with the default `gui` feature, a desktop window (`gui`) over it.
//!
//! Module map (see ARCHITECTURE.md for the full tour):
//! - [`data`]: the IDX reader, dataset discovery, checksums, download, batching, augmentation and
//!   picture preprocessing.
//! - [`model`]: model specs, presets, shape inference and building a candle network.
//! - [`ops`]: the hot layers as candle custom ops with their own backward passes.
//! - [`training`]: the one training loop, its config, optimizers, schedules and progress reporting.
//! - [`evaluation`]: pure metrics (accuracy, confusion matrix, classification report).
//! - [`inference`]: a loaded model turned into class probabilities.
//! - [`model_file`]: the single-file `.safetensors` model format.
//! - [`files`]: atomic writes, time stamps, number formatting and CSV cells, shared by all.
//! - [`runs`]: the run history on disk.
//! - [`worker`]: the background thread that owns every tensor, and its command/event protocol.
//! - [`cli`]: the `atelier` subcommands.
//! - [`crash_report`]: the panic hook that leaves a crash report in the user data folder.

pub mod cli;
pub mod crash_report;
pub mod data;
pub mod evaluation;
pub mod files;
#[cfg(feature = "gui")]
pub mod gui;
pub mod inference;
pub mod model;
pub mod model_file;
pub mod ops;
pub mod picture;
pub mod runs;
pub mod training;
pub mod worker;
