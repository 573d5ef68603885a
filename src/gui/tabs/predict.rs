//! The Predict tab: pictures dropped or opened, their preprocessing step by step, the model's
//! answer, and a table for many pictures.

use crate::worker::PictureOutcome;

use super::super::app::Ctx;
use super::Tab;

/// Runtime state of the Predict tab (not persisted).
#[derive(Debug, Default)]
pub struct PredictView {
    /// One outcome per picture, in the order given.
    pub outcomes: Vec<PictureOutcome>,
    /// The picture shown in detail (index into `outcomes`).
    pub selected: Option<usize>,
}

impl PredictView {
    /// Predictions arrived; they replace earlier ones of the same files and add the rest.
    pub fn on_predicted(&mut self, outcomes: Vec<PictureOutcome>) {
        for outcome in outcomes {
            match self.outcomes.iter_mut().find(|known| known.path == outcome.path) {
                Some(known) => *known = outcome,
                None => self.outcomes.push(outcome),
            }
        }
        if self.selected.is_none() && !self.outcomes.is_empty() {
            self.selected = Some(0);
        }
    }
}

/// Draws the tab.
pub fn show_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    super::coming_next::show_ui(ui, Tab::Predict, &cx.state.pending_images);
}
