//! The desktop window (feature `gui`): eframe app, tabs and widgets over the worker.
//!
//! `app` drains worker events (`logic`) and draws (`ui`); `shell` is the frame around the tabs;
//! `tabs/` has one file per page; `file_dialogs` is the only place that opens native choosers.

mod app;
mod edit_history;
mod events;
mod file_dialogs;
mod first_run;
mod frame_log;
mod model_draft;
mod settings;
mod shell;
#[cfg(unix)]
pub mod single_instance;
mod state;
pub mod tabs;
mod widgets;

use std::path::PathBuf;

use anyhow::Context as _;

pub use app::{AppOptions, AtelierApp};
pub use model_draft::{DraftCheck, LayerEdit, ModelDraft};
pub use settings::{DataChoice, ModelRef, Settings, ThemeChoice};
pub use state::{AppState, DataState};

use crate::worker::DataRequest;

/// What the command line hands to the window.
#[derive(Debug, Default)]
pub struct LaunchOptions {
    /// `--data-dir`, if given.
    pub data_dir: Option<PathBuf>,
    /// Pictures to open in the Predict tab.
    pub images: Vec<PathBuf>,
}

const ICON_PNG: &[u8] = include_bytes!("../../assets/icon-256.png");

/// Opens the window and runs until it is closed.
///
/// # Errors
/// The window could not be created (no display, no OpenGL).
pub fn run(options: LaunchOptions) -> anyhow::Result<()> {
    #[cfg(unix)]
    let instance = match single_instance::socket_folder()
        .and_then(|folder| single_instance::claim(&folder, &options.images))
    {
        Ok(single_instance::Instance::HandedOver) => {
            eprintln!("Atelier is already open: its window takes the {} picture(s)", options.images.len());
            return Ok(());
        }
        Ok(single_instance::Instance::Primary(listener)) => Some(listener),
        Err(error) => {
            // A second window is better than none.
            eprintln!("warning: {error:#}; opening a window that other starts cannot reach");
            None
        }
    };
    #[cfg(not(unix))]
    let instance = None;
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Atelier")
        .with_app_id("atelier")
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([900.0, 600.0]);
    // A broken icon must not keep the window from opening.
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON_PNG) {
        viewport = viewport.with_icon(icon);
    }
    let native = eframe::NativeOptions { viewport, ..Default::default() };
    let app_options = AppOptions {
        data: options.data_dir.map(DataRequest::Folder),
        images: options.images,
        frame_log: std::env::var_os("ATELIER_FRAME_LOG").is_some_and(|value| value != "0"),
        runs_dir: crate::runs::RunStore::default_dir(),
        datasets_dir: crate::data::store::DatasetStore::default_root(),
        instance,
    };
    eframe::run_native(
        "Atelier",
        native,
        Box::new(|cc| Ok(Box::new(AtelierApp::new(cc, app_options)?) as Box<dyn eframe::App>)),
    )
    .map_err(|error| anyhow::anyhow!("{error}"))
    .context("could not open the window (is a display available? try `atelier --help` for the command line)")
}
