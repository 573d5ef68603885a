//! The mistakes page: every wrong prediction, the most confident first, filterable by true and by
//! predicted class; a click opens the image large.

use crate::evaluation::Example;
use crate::files::thousands;

use super::gallery::{Pictures, gallery_ui};
use super::{EvaluateView, Inspected};

/// Draws the page.
pub(super) fn show_ui(ui: &mut egui::Ui, view: &mut EvaluateView) {
    let (Some(result), Some(summary)) = (&view.result, &view.summary) else { return };
    let dataset = result.evaluation.dataset.clone();
    let names = result.evaluation.predictions.class_names().to_vec();
    ui.horizontal(|ui| {
        class_filter_ui(ui, "True class:", "mistakes_true", &names, &mut view.mistake_filter.true_class);
        ui.add_space(12.0);
        class_filter_ui(
            ui,
            "Predicted as:",
            "mistakes_predicted",
            &names,
            &mut view.mistake_filter.predicted_class,
        );
    });
    let filter = view.mistake_filter;
    let shown: Vec<Example> =
        summary.mistakes.iter().filter(|example| filter.keeps(example)).copied().collect();
    ui.weak(format!(
        "{} of {} mistakes, the most confident first: under each image, what it is, what the model said and how sure it was.",
        thousands(shown.len()),
        thousands(summary.mistakes.len())
    ));
    ui.add_space(4.0);
    if shown.is_empty() {
        ui.label("No mistakes match this filter.");
        return;
    }
    let pictures = Pictures { dataset: &dataset, names: &names };
    let name = |class: usize| names.get(class).map_or("?", String::as_str).to_owned();
    let caption = |example: &Example| {
        vec![
            format!("is {}", name(example.true_class)),
            format!("said {} {:.0}%", name(example.predicted_class), example.confidence * 100.0),
        ]
    };
    let gallery = gallery_ui(ui, "mistakes_gallery", &mut view.textures, &pictures, &shown, (&caption, 2));
    if let Some(example) = gallery {
        view.inspected = Some(Inspected { example, map_class: example.true_class });
    }
}

/// A combo box of "Any class" and the class names, labelled for screen readers.
fn class_filter_ui(ui: &mut egui::Ui, label: &str, id: &str, names: &[String], value: &mut Option<usize>) {
    let label = ui.label(label);
    let selected = value.and_then(|class| names.get(class)).map_or("Any class", String::as_str);
    egui::ComboBox::from_id_salt(id)
        .selected_text(selected)
        .show_ui(ui, |ui| {
            ui.selectable_value(value, None, "Any class");
            for (class, name) in names.iter().enumerate() {
                ui.selectable_value(value, Some(class), name);
            }
        })
        .response
        .labelled_by(label.id);
}
