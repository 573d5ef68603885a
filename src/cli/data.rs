//! `atelier data info | download | export-png | make-sample`.

use std::path::{Path, PathBuf};

use clap::Subcommand;

/// The `data` subcommands.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Where the data was found, counts per split and class, checksum status and load time.
    Info,
    /// Download the full Fashion-MNIST set from the official mirror, verifying checksums.
    Download {
        /// Destination folder (default: the user data folder).
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
        /// Base URL of the mirror (for testing against a local server).
        #[arg(long, value_name = "URL", hide = true)]
        mirror: Option<String>,
    },
    /// Write images of a split as PNG files named `<index>_<class>.png`.
    ExportPng {
        /// Which split to export from.
        #[arg(long, value_enum, default_value = "test")]
        split: crate::data::Split,
        /// How many images to write (from the start of the split).
        #[arg(long, default_value_t = 20)]
        count: usize,
        /// Folder to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Regenerate the small stratified sample in `data/sample/` from the full set.
    MakeSample {
        /// Folder to write the sample into.
        #[arg(long, value_name = "DIR", default_value = "data/sample")]
        out: PathBuf,
    },
}

/// Runs a `data` subcommand.
///
/// # Errors
/// Data that cannot be found, read or written.
pub fn run(command: DataCommand, data_dir: Option<&Path>) -> anyhow::Result<()> {
    let _ = (command, data_dir);
    anyhow::bail!("`atelier data` is being built")
}
