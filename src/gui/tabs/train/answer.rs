//! The Train form's rows on the loss and on how the trained model answers: weight decay, label
//! smoothing, and its test-time augmentation (flip, and one-pixel shifts on top), which is saved in
//! the model file.

use crate::evaluation::TestTimeAugmentation;
use crate::training::TrainConfig;

use super::form::{round_significant, row_label};

/// The label of the flip-TTA checkbox (tests find it by this).
pub const FLIP_TTA_LABEL: &str = "Flip TTA";

/// The label of the checkbox adding one-pixel shifts to flip TTA.
pub const SHIFT_TTA_LABEL: &str = "Shift TTA";

/// Weight decay, label smoothing, and whether the trained model answers with flip (+ shift) TTA.
pub(super) fn loss_and_answer_ui(ui: &mut egui::Ui, config: &mut TrainConfig) {
    let tip = "Pulls the weights towards zero a little every step (AdamW: decoupled; Adam and SGD: L2).";
    let label = row_label(ui, "Weight decay", tip);
    let field = egui::DragValue::new(&mut config.weight_decay)
        .range(0.0..=0.1)
        .speed(1e-5)
        .custom_formatter(|value, _| scientific_text(value))
        .custom_parser(|text| text.trim().parse().ok());
    ui.add(field).labelled_by(label).on_hover_text(tip);
    ui.end_row();

    let tip = "Spreads this share of each target over all classes, so the network is less sure of itself.";
    let label = row_label(ui, "Label smoothing", tip);
    ui.add(egui::DragValue::new(&mut config.label_smoothing).range(0.0..=0.5).speed(0.01).fixed_decimals(2))
        .labelled_by(label)
        .on_hover_text(tip);
    ui.end_row();

    let tip = "The trained model answers with the mean of each picture and its mirror image (saved in the \
               model file). Helps models trained with flips; hurts ones that never saw a mirrored picture.";
    let label = row_label(ui, FLIP_TTA_LABEL, tip);
    let mut flip = config.test_time_augmentation != TestTimeAugmentation::None;
    if ui.checkbox(&mut flip, "answer with the mirror too").labelled_by(label).on_hover_text(tip).changed() {
        config.test_time_augmentation =
            if flip { TestTimeAugmentation::HorizontalFlip } else { TestTimeAugmentation::None };
    }
    ui.end_row();

    let tip = "With flip TTA, both looks also moved one pixel left, right, up and down: ten looks per \
               picture. Helps models trained with shifts; hurts ones that never saw a moved picture.";
    let label = row_label(ui, SHIFT_TTA_LABEL, tip);
    let mut shifts = config.test_time_augmentation == TestTimeAugmentation::FlipAndShifts;
    if ui
        .add_enabled(flip, egui::Checkbox::new(&mut shifts, "and with one-pixel shifts"))
        .labelled_by(label)
        .on_hover_text(tip)
        .on_disabled_hover_text("Needs flip TTA")
        .changed()
    {
        config.test_time_augmentation =
            if shifts { TestTimeAugmentation::FlipAndShifts } else { TestTimeAugmentation::HorizontalFlip };
    }
    ui.end_row();
}

/// A small rate as people write it: `0`, `1e-4`, `2.5e-4` (not `0.00010`).
fn scientific_text(value: f64) -> String {
    if value == 0.0 { "0".to_owned() } else { format!("{:e}", round_significant(value, 3)) }
}

#[cfg(test)]
mod tests {
    use super::scientific_text;

    #[test]
    fn weight_decay_reads_as_people_write_it() {
        assert_eq!(scientific_text(0.0), "0");
        assert_eq!(scientific_text(1e-4), "1e-4");
        assert_eq!(scientific_text(1e-4 + 1e-5), "1.1e-4");
        assert_eq!(scientific_text(0.05), "5e-2");
    }
}
