//! The Evaluate tab's test-time augmentation row: the flip-averaging checkbox and the one adding
//! one-pixel shifts to it (ticking either evaluates again with it, on the worker), what the
//! numbers shown were made with, and keeping the choice in a model file.

use std::path::PathBuf;

use crate::evaluation::TestTimeAugmentation;
use crate::worker::{Command, Job, ModelInfo, ModelOrigin};

use super::super::super::app::Ctx;

/// The flip checkbox's label (tests find it by this).
pub const CHECKBOX_LABEL: &str = "Average with the mirror image (flip TTA)";

/// The label of the checkbox that adds one-pixel shifts to flip TTA.
pub const SHIFT_CHECKBOX_LABEL: &str = "and with one-pixel shifts (flip + shift TTA)";

/// The checkbox, the note on the numbers shown, and the save row while the choice is not in a file.
pub(super) fn tta_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>, model: &ModelInfo) {
    let busy = cx.state.busy;
    // While the evaluation it started runs, the box shows what was asked for.
    let shown = match (busy, cx.state.evaluate.requested_tta) {
        (Some(Job::Evaluate), Some(requested)) => requested,
        _ => model.tta,
    };
    ui.horizontal_wrapped(|ui| {
        let idle = busy.is_none();
        let wait = |response: egui::Response| match busy {
            Some(job) => response.on_disabled_hover_text(format!("Wait: the worker is {}", job.describe())),
            None => response,
        };
        let mut flip = shown != TestTimeAugmentation::None;
        let flip_box = wait(ui.add_enabled(idle, egui::Checkbox::new(&mut flip, CHECKBOX_LABEL)))
            .on_hover_text(
                "Each picture and its left-right mirror go through the network and their probabilities \
             are averaged, at twice the time. It helps models trained with the flip augmentation; \
             one that never saw mirrored pictures can do worse (Fashion-MNIST's shoes all point \
             left). Ticking it evaluates again; Predict then uses it too.",
            );
        let mut shifts = shown == TestTimeAugmentation::FlipAndShifts;
        let shift_box =
            wait(ui.add_enabled(idle && flip, egui::Checkbox::new(&mut shifts, SHIFT_CHECKBOX_LABEL)))
                .on_hover_text(
                    "Both looks are also moved one pixel left, right, up and down: ten looks, at ten \
                     times the time. It helps models trained with shifts (the Best preset); one that \
                     never saw a moved picture can do worse.",
                )
                .on_disabled_hover_text("Needs the mirror image first (flip TTA)");
        let chosen = if flip_box.changed() {
            Some(if flip { TestTimeAugmentation::HorizontalFlip } else { TestTimeAugmentation::None })
        } else if shift_box.changed() {
            Some(if shifts {
                TestTimeAugmentation::FlipAndShifts
            } else {
                TestTimeAugmentation::HorizontalFlip
            })
        } else {
            None
        };
        if let Some(tta) = chosen {
            super::start_evaluation(cx, tta);
        }
        if let Some(result) = &cx.state.evaluate.result {
            ui.weak(format!("Numbers below: {}.", result.evaluation.tta.describe()));
        }
    });
    if model.tta_unsaved {
        save_row_ui(ui, cx, model);
    }
}

/// "Not saved yet" with a path (the model's own file when it came from one) and Save.
fn save_row_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>, model: &ModelInfo) {
    let view = &mut cx.state.evaluate;
    if view.tta_save_path.is_empty()
        && let ModelOrigin::File(path) = &model.origin
    {
        view.tta_save_path = path.display().to_string();
    }
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "This choice ({}) holds until Atelier closes; save the model to keep it.",
                model.tta.short_label()
            ),
        );
        let label = ui.label("Save model as:").id;
        ui.add(
            egui::TextEdit::singleline(&mut cx.state.evaluate.tta_save_path)
                .hint_text("model.safetensors")
                .desired_width(300.0),
        )
        .labelled_by(label);
        let path = cx.state.evaluate.tta_save_path.trim().to_owned();
        let idle = cx.state.busy.is_none();
        if ui
            .add_enabled(idle && !path.is_empty(), egui::Button::new("Save model"))
            .on_hover_text("Write the model with this setting to the file (the same weights)")
            .clicked()
            && cx.send(Command::SaveModel { path: PathBuf::from(path) })
        {
            cx.state.busy = Some(Job::SaveModel);
        }
    });
}
