//! The editable layer table of the Model tab: one row per layer with its settings, output shape and
//! parameters; the row at fault is marked with the reason. Returns edits instead of applying them.

use egui::{DragValue, RichText};

use crate::files::thousands;
use crate::model::{LayerSpec, Shape};
use crate::ops::Padding;

use super::super::model_draft::{DraftCheck, LayerEdit};

/// Layers the "Add layer" menu offers, with sensible starting settings.
pub const NEW_LAYERS: [LayerSpec; 11] = [
    LayerSpec::Conv2d { filters: 32, kernel: 3, stride: 1, padding: Padding::Valid },
    LayerSpec::MaxPool { size: 2 },
    LayerSpec::BatchNorm,
    LayerSpec::Flatten,
    LayerSpec::Dense { units: 128 },
    LayerSpec::Dropout { rate: 0.2 },
    LayerSpec::Relu,
    LayerSpec::LeakyRelu { negative_slope: 0.01 },
    LayerSpec::Tanh,
    LayerSpec::Sigmoid,
    LayerSpec::GlobalAvgPool,
];

/// Draws the table for `layers`; returns the edit the user made this frame, if any.
pub fn layer_table_ui(ui: &mut egui::Ui, layers: &[LayerSpec], check: &DraftCheck) -> Option<LayerEdit> {
    let mut edit = None;
    let bad = check.bad_layer();
    egui::Grid::new("layer_table").striped(true).num_columns(6).spacing([14.0, 6.0]).show(ui, |ui| {
        for header in ["#", "Layer", "Settings", "Output", "Parameters", ""] {
            ui.strong(header);
        }
        ui.end_row();
        ui.weak("in");
        ui.weak("Input image");
        ui.weak("");
        ui.monospace(Shape::INPUT.to_string());
        ui.weak("");
        ui.weak("");
        ui.end_row();
        for (index, layer) in layers.iter().enumerate() {
            let is_bad = bad == Some(index);
            ui.label(index.to_string());
            let name = RichText::new(layer.kind_name());
            ui.label(if is_bad { name.color(ui.visuals().error_fg_color).strong() } else { name.strong() });
            if let Some(changed) = settings_ui(ui, index, *layer) {
                edit = Some(LayerEdit::Replace { index, layer: changed });
            }
            match check.rows.get(index) {
                Some(row) => {
                    ui.monospace(row.output.to_string());
                    ui.label(if row.params == 0 { "–".to_owned() } else { thousands(row.params) });
                }
                None => {
                    ui.weak("?");
                    ui.weak("?");
                }
            }
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(index > 0, egui::Button::new("Up").small())
                    .on_hover_text("Move up")
                    .clicked()
                {
                    edit = Some(LayerEdit::MoveUp(index));
                }
                let last = index + 1 == layers.len();
                if ui
                    .add_enabled(!last, egui::Button::new("Down").small())
                    .on_hover_text("Move down")
                    .clicked()
                {
                    edit = Some(LayerEdit::MoveDown(index));
                }
                if ui
                    .add(egui::Button::new("Remove").small())
                    .on_hover_text(format!("Remove {layer}"))
                    .clicked()
                {
                    edit = Some(LayerEdit::Remove(index));
                }
            });
            ui.end_row();
            if is_bad && let Some(error) = &check.error {
                ui.label("");
                ui.colored_label(ui.visuals().error_fg_color, format!("Problem: {error}"));
                ui.end_row();
            }
        }
    });
    edit
}

/// Widgets for the layer's settings; returns the changed layer.
fn settings_ui(ui: &mut egui::Ui, index: usize, layer: LayerSpec) -> Option<LayerSpec> {
    let mut changed = layer;
    ui.horizontal(|ui| match &mut changed {
        LayerSpec::Dense { units } => {
            number_ui(ui, "units", units, 1..=4096);
        }
        LayerSpec::Conv2d { filters, kernel, stride, padding } => {
            number_ui(ui, "filters", filters, 1..=512);
            number_ui(ui, "kernel", kernel, 1..=9);
            number_ui(ui, "stride", stride, 1..=4);
            egui::ComboBox::from_id_salt(("padding", index))
                .selected_text(match padding {
                    Padding::Valid => "valid",
                    Padding::Same => "same",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(padding, Padding::Valid, "valid");
                    ui.selectable_value(padding, Padding::Same, "same");
                })
                .response
                .on_hover_text("valid: no border, the image shrinks; same: zero border, the size stays");
        }
        LayerSpec::MaxPool { size } => {
            number_ui(ui, "size", size, 1..=7);
        }
        LayerSpec::Dropout { rate } => {
            let label = ui.label("rate");
            ui.add(DragValue::new(rate).range(0.0..=0.95).speed(0.01).fixed_decimals(2))
                .labelled_by(label.id);
        }
        LayerSpec::LeakyRelu { negative_slope } => {
            let label = ui.label("slope");
            ui.add(DragValue::new(negative_slope).range(0.0..=1.0).speed(0.001).fixed_decimals(3))
                .labelled_by(label.id);
        }
        LayerSpec::GlobalAvgPool
        | LayerSpec::BatchNorm
        | LayerSpec::Flatten
        | LayerSpec::Relu
        | LayerSpec::Tanh
        | LayerSpec::Sigmoid => {
            ui.weak("no settings");
        }
    });
    (changed != layer).then_some(changed)
}

fn number_ui(ui: &mut egui::Ui, name: &str, value: &mut usize, range: std::ops::RangeInclusive<usize>) {
    let label = ui.label(name);
    ui.add(DragValue::new(value).range(range).speed(0.2)).labelled_by(label.id);
}
