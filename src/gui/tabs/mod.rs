//! The five pages of the window, as an enum, and the one place that routes a page to its file.

pub mod dataset;
pub mod dataset_library;
pub mod evaluate;
pub mod import_preview;
pub mod model;
pub mod predict;
pub mod train;

use serde::{Deserialize, Serialize};

use super::app::Ctx;

/// A page of the window, in the order of the top bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Tab {
    /// Browse the images and the class balance.
    #[default]
    Dataset,
    /// Pick a preset or edit the layers.
    Model,
    /// Train the model and watch it learn.
    Train,
    /// Confusion matrix, report and mistakes.
    Evaluate,
    /// Classify your own pictures.
    Predict,
}

impl Tab {
    /// All tabs in top-bar order (Ctrl+1 is the first).
    pub const ALL: [Self; 5] = [Self::Dataset, Self::Model, Self::Train, Self::Evaluate, Self::Predict];

    /// The label on the tab button.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Dataset => "Dataset",
            Self::Model => "Model",
            Self::Train => "Train",
            Self::Evaluate => "Evaluate",
            Self::Predict => "Predict",
        }
    }

    /// One sentence for the tab's tooltip and the help window.
    #[must_use]
    pub fn purpose(self) -> &'static str {
        match self {
            Self::Dataset => "Browse the 70,000 clothing images, their classes and the class balance.",
            Self::Model => "Pick a preset network or edit its layers, with live shapes and parameter counts.",
            Self::Train => "Train the model and watch loss and accuracy move, live.",
            Self::Evaluate => "See where the model goes wrong: confusion matrix, report and mistakes.",
            Self::Predict => "Drop your own pictures and see what the model thinks they are.",
        }
    }
}

/// Draws the content of `tab` into the central panel.
pub fn show_ui(tab: Tab, ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    match tab {
        Tab::Dataset => dataset::show_ui(ui, cx),
        Tab::Model => model::show_ui(ui, cx),
        Tab::Train => train::show_ui(ui, cx),
        Tab::Evaluate => evaluate::show_ui(ui, cx),
        Tab::Predict => predict::show_ui(ui, cx),
    }
}
