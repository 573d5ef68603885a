//! What Atelier remembers between runs (eframe storage): last tab, theme, data choice, model spec.
//! Runtime handles (the worker, textures, pending dialogs) live in `AppState`, never here.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::model_draft::ModelDraft;
use super::tabs::Tab;
use super::tabs::train::TrainSettings;
use crate::data::Split;

/// The storage key of the settings.
pub const STORAGE_KEY: &str = "atelier-settings";

/// Light, dark, or whatever the system prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Follow the desktop's setting.
    #[default]
    System,
    /// Dark text on a light background.
    Light,
    /// Light text on a dark background.
    Dark,
}

impl ThemeChoice {
    /// The next choice when the toggle is clicked (System → Light → Dark → System).
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::System => Self::Light,
            Self::Light => Self::Dark,
            Self::Dark => Self::System,
        }
    }

    /// Label for the toggle button.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::System => "Theme: system",
            Self::Light => "Theme: light",
            Self::Dark => "Theme: dark",
        }
    }

    /// The egui preference to apply.
    #[must_use]
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            Self::System => egui::ThemePreference::System,
            Self::Light => egui::ThemePreference::Light,
            Self::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// Which data the user settled on; decides what is loaded at start.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DataChoice {
    /// Search the usual places (first run).
    #[default]
    Discover,
    /// A folder the user chose or downloaded into.
    Folder(PathBuf),
    /// The bundled sample, chosen on purpose (no first-run panel any more).
    Sample,
    /// A data set the user imported, by name.
    Stored(String),
}

/// The model to reopen at start: the last one trained or opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelRef {
    /// A run in the history, by id.
    Run(String),
    /// A model file.
    File(PathBuf),
}

/// Everything persisted; unknown or missing fields fall back to defaults.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The tab shown last.
    pub tab: Tab,
    /// Theme choice.
    pub theme: ThemeChoice,
    /// Where the data comes from.
    pub data: DataChoice,
    /// The split the Dataset tab shows.
    pub dataset_split: Split,
    /// The model on the Model tab.
    pub model: ModelDraft,
    /// The current model, reopened at start.
    pub current_model: Option<ModelRef>,
    /// The Train tab's hyperparameters, threads and plot options.
    pub train: TrainSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            tab: Tab::default(),
            theme: ThemeChoice::default(),
            data: DataChoice::default(),
            dataset_split: Split::Train,
            model: ModelDraft::default(),
            current_model: None,
            train: TrainSettings::default(),
        }
    }
}
