//! The Evaluate tab: confusion matrix you can click, classification report, mistakes, and the
//! occlusion map of a selected picture.

use crate::worker::{EvaluationResult, Explanation};

use super::super::app::Ctx;
use super::Tab;

/// Runtime state of the Evaluate tab (not persisted).
#[derive(Debug, Default)]
pub struct EvaluateView {
    /// `(done, total)` while an evaluation runs.
    pub progress: Option<(usize, usize)>,
    /// The last evaluation.
    pub result: Option<Box<EvaluationResult>>,
    /// The last occlusion map.
    pub explanation: Option<Box<Explanation>>,
    /// The last evaluation failure.
    pub error: Option<String>,
}

impl EvaluateView {
    /// Evaluation progress.
    pub fn on_progress(&mut self, done: usize, total: usize) {
        self.progress = Some((done, total));
    }

    /// An evaluation finished.
    pub fn on_finished(&mut self, result: Box<EvaluationResult>) {
        self.progress = None;
        self.error = None;
        self.explanation = None;
        self.result = Some(result);
    }

    /// An occlusion map arrived.
    pub fn on_explained(&mut self, explanation: Box<Explanation>) {
        self.explanation = Some(explanation);
    }

    /// The evaluation failed.
    pub fn on_failed(&mut self, error: String) {
        self.progress = None;
        self.error = Some(error);
    }
}

/// Draws the tab.
pub fn show_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    super::coming_next::show_ui(ui, Tab::Evaluate, &cx.state.pending_images);
}
