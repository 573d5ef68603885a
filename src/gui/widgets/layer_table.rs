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
///
/// The row buttons come first and the problem text sits under the table, so nothing a user can
/// click moves sideways when a problem appears or a setting grows wider.
pub fn layer_table_ui(ui: &mut egui::Ui, layers: &[LayerSpec], check: &DraftCheck) -> Option<LayerEdit> {
    let mut edit = None;
    let bad = check.bad_layer();
    egui::Grid::new("layer_table").striped(true).num_columns(6).spacing([14.0, 6.0]).show(ui, |ui| {
        for header in ["#", "", "Layer", "Output", "Parameters", "Settings"] {
            ui.strong(header);
        }
        ui.end_row();
        ui.weak("in");
        ui.weak("");
        ui.weak("Input image").on_hover_text("A 28×28 grey picture, one channel");
        ui.monospace(Shape::INPUT.to_string());
        ui.weak("");
        ui.weak("");
        ui.end_row();
        for (index, layer) in layers.iter().enumerate() {
            let is_bad = bad == Some(index);
            ui.label(index.to_string());
            if let Some(row_edit) = row_buttons_ui(ui, index, layers.len(), *layer) {
                edit = Some(row_edit);
            }
            let name = RichText::new(layer.kind_name());
            let name = if is_bad { name.color(ui.visuals().error_fg_color).strong() } else { name.strong() };
            ui.label(name).on_hover_text(layer_help(layer));
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
            if let Some(changed) = settings_ui(ui, index, *layer) {
                edit = Some(LayerEdit::Replace { index, layer: changed });
            }
            ui.end_row();
        }
    });
    if let (Some(index), Some(error)) = (bad, &check.error) {
        ui.add(
            egui::Label::new(
                RichText::new(format!("Problem at layer {index}: {error}"))
                    .color(ui.visuals().error_fg_color),
            )
            .wrap(),
        );
    }
    edit
}

/// Insert above, Up, Down, Remove: the same place in every row.
fn row_buttons_ui(ui: &mut egui::Ui, index: usize, count: usize, layer: LayerSpec) -> Option<LayerEdit> {
    let mut edit = None;
    ui.horizontal(|ui| {
        ui.menu_button("Insert", |ui| {
            ui.weak(format!("Insert above layer {index}:"));
            for new in NEW_LAYERS {
                if ui.button(new.to_string()).clicked() {
                    edit = Some(LayerEdit::Insert { at: index, layer: new });
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text(format!("Insert a layer above layer {index}"));
        if ui.add_enabled(index > 0, egui::Button::new("Up").small()).on_hover_text("Move up").clicked() {
            edit = Some(LayerEdit::MoveUp(index));
        }
        let last = index + 1 == count;
        if ui.add_enabled(!last, egui::Button::new("Down").small()).on_hover_text("Move down").clicked() {
            edit = Some(LayerEdit::MoveDown(index));
        }
        if ui.add(egui::Button::new("Remove").small()).on_hover_text(format!("Remove {layer}")).clicked() {
            edit = Some(LayerEdit::Remove(index));
        }
    });
    edit
}

/// One sentence on what a layer kind does, for its name's tooltip.
fn layer_help(layer: &LayerSpec) -> &'static str {
    match layer {
        LayerSpec::Dense { .. } => "Dense: every input connected to every unit (weights and a bias per unit)",
        LayerSpec::Conv2d { .. } => {
            "Conv2d: small filters slid over the picture, each finds one kind of pattern"
        }
        LayerSpec::MaxPool { .. } => {
            "MaxPool: keeps the largest value of each window, halving the size for 2×2"
        }
        LayerSpec::GlobalAvgPool => "GlobalAvgPool: the mean of each channel, one number per channel",
        LayerSpec::BatchNorm => {
            "BatchNorm: rescales each channel to mean 0 and variance 1, then learns a scale and shift"
        }
        LayerSpec::Dropout { .. } => {
            "Dropout: zeroes a share of the values while training, against overfitting"
        }
        LayerSpec::Flatten => "Flatten: lays the channels out as one long vector, for Dense layers",
        LayerSpec::Relu => "ReLU: keeps positive values, sets negative ones to 0",
        LayerSpec::LeakyRelu { .. } => "LeakyReLU: like ReLU, but negative values keep a small slope",
        LayerSpec::Tanh => "Tanh: squeezes values into -1..1",
        LayerSpec::Sigmoid => "Sigmoid: squeezes values into 0..1",
    }
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
    let tip = format!("{name}: drag or type, {} to {}", range.start(), range.end());
    ui.add(DragValue::new(value).range(range).speed(0.2)).labelled_by(label.id).on_hover_text(tip);
}
