//! The desktop window (feature `gui`): eframe app, tabs and widgets over the worker.

use std::path::PathBuf;

/// What the command line hands to the window.
#[derive(Debug, Default)]
pub struct LaunchOptions {
    /// `--data-dir`, if given.
    pub data_dir: Option<PathBuf>,
    /// Pictures to open in the Predict tab.
    pub images: Vec<PathBuf>,
}

/// Opens the window and runs until it is closed.
///
/// # Errors
/// The window could not be created (no display, no OpenGL).
pub fn run(options: LaunchOptions) -> anyhow::Result<()> {
    let _ = options;
    anyhow::bail!("the window is being built")
}
