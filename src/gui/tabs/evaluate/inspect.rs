//! The large view of one evaluated image: the picture with its pixel values, what the model said
//! (all class probabilities), and "Why": the occlusion map computed on the worker, over the picture.

use egui::TextureOptions;

use crate::data::{IMAGE_SIDE, Split};
use crate::inference::Prediction;
use crate::worker::Command;

use super::super::super::app::Ctx;
use super::super::super::widgets::occlusion_overlay::{heat_image, occlusion_overlay_ui};
use super::super::super::widgets::pixels::{TextureKey, large_image_ui};
use super::super::super::widgets::probability_bars::{BarsStyle, probability_bars_ui};

/// Side of the large picture and of the map, in points.
const LARGE: f32 = 7.0 * IMAGE_SIDE as f32;

/// Below this largest change in probability the map is called "barely any effect".
const TINY_EFFECT: f32 = 0.02;

/// Draws the window while an image is inspected; asks the worker for its occlusion map once per
/// image and class.
pub(super) fn window(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    let view = &mut cx.state.evaluate;
    let (Some(inspected), Some(result)) = (view.inspected, &view.result) else { return };
    let index = inspected.example.index;
    let dataset = result.evaluation.dataset.clone();
    if index >= dataset.len() {
        view.inspected = None;
        return;
    }
    let predictions = &result.evaluation.predictions;
    let names = predictions.class_names().to_vec();
    let pixels = dataset.image(index).to_vec();
    let probabilities = predictions.probabilities(index).to_vec();
    let tta = result.evaluation.tta;
    let wanted = (index, inspected.map_class);
    if view.explain_requested != Some(wanted) {
        view.explain_requested = Some(wanted);
        view.explain_error = None;
        cx.send(Command::Explain { image: pixels.clone(), class_index: inspected.map_class });
    }
    let view = &mut cx.state.evaluate;
    let name = |class: usize| names.get(class).map_or("?", String::as_str).to_owned();
    let example = inspected.example;
    // Escape closes it, like any viewer.
    let mut open = !ctx.input(|input| input.key_pressed(egui::Key::Escape));
    let mut map_class = inspected.map_class;
    let title = format!("Test image #{index}");
    egui::Window::new(title)
        .default_pos([16.0, 90.0])
        .open(&mut open)
        .resizable(false)
        .collapsible(false)
        .show(ctx, |ui| {
            let right = example.true_class == example.predicted_class;
            ui.heading(name(example.true_class));
            let verdict = if right {
                format!("Predicted correctly, with {:.1}% confidence", example.confidence * 100.0)
            } else {
                format!(
                    "Predicted as {} with {:.1}% confidence",
                    name(example.predicted_class),
                    example.confidence * 100.0
                )
            };
            let color = if right { ui.visuals().text_color() } else { ui.visuals().error_fg_color };
            ui.colored_label(color, verdict);
            ui.add_space(6.0);
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.strong("The picture");
                    let key = TextureKey::Sample(Split::Test, dataset.source_index(index));
                    let texture = view.textures.get(ui.ctx(), key, &pixels);
                    large_image_ui(ui, &texture, &pixels, LARGE);
                    ui.weak("Hover a pixel to read its value.");
                    ui.add_space(8.0);
                    ui.strong("What the model said");
                    let answer = Prediction {
                        class_names: names.clone().into(),
                        probabilities: probabilities.clone(),
                        tta,
                    };
                    let style = BarsStyle { bar_width: 110.0, ..BarsStyle::default() };
                    probability_bars_ui(ui, "inspect_bars", &answer, style);
                });
                ui.add_space(12.0);
                ui.vertical(|ui| {
                    ui.strong("Why: occlusion map");
                    let (truth, answer) = (example.true_class, example.predicted_class);
                    ui.radio_value(&mut map_class, truth, format!("P({}), the true class", name(truth)));
                    if answer != truth {
                        ui.radio_value(
                            &mut map_class,
                            answer,
                            format!("P({}), the model's answer", name(answer)),
                        );
                    }
                    map_ui(
                        ui,
                        view,
                        &pixels,
                        dataset.source_index(index),
                        inspected.map_class,
                        &name(inspected.map_class),
                    );
                });
            });
        });
    if !open {
        view.inspected = None;
    } else if let Some(shown) = &mut view.inspected {
        shown.map_class = map_class;
    }
}

/// The map over the picture once it is back from the worker, with its legend and opacity.
fn map_ui(
    ui: &mut egui::Ui,
    view: &mut super::EvaluateView,
    pixels: &[u8],
    source_index: usize,
    class: usize,
    class_name: &str,
) {
    if let Some(error) = &view.explain_error {
        ui.colored_label(ui.visuals().error_fg_color, format!("The occlusion map failed: {error}"));
        return;
    }
    let ready = view
        .explanation
        .as_ref()
        .filter(|explanation| explanation.image == pixels && explanation.map.class_index == class);
    let Some(explanation) = ready else {
        ui.allocate_ui(egui::Vec2::splat(LARGE), |ui| {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Computing the occlusion map on the worker…");
            });
        });
        return;
    };
    let map = explanation.map.clone();
    let heat = view
        .heat_texture
        .get_or_insert_with(|| {
            ui.ctx().load_texture("occlusion_map", heat_image(&map), TextureOptions::LINEAR)
        })
        .clone();
    let key = TextureKey::Sample(Split::Test, source_index);
    let image = view.textures.get(ui.ctx(), key, pixels);
    occlusion_overlay_ui(ui, (&image, &heat), &map, LARGE, view.overlay_opacity, class_name);
    ui.horizontal(|ui| {
        let label = ui.label("Map opacity:");
        ui.add(egui::Slider::new(&mut view.overlay_opacity, 0.0..=1.0).show_value(false))
            .labelled_by(label.id);
    });
    ui.set_max_width(LARGE + 40.0);
    let strongest = map.heat.iter().fold(0.0f32, |most, value| most.max(value.abs()));
    ui.weak(format!(
        "A gray {0}×{0} patch slides over the picture in steps of {1} pixels. Red: covering there lowers P({class_name}), so the model relies on it; blue: covering raises it. Full colour is a change of {2:.3}; P({class_name}) = {3:.3} on the whole picture.",
        map.patch, map.stride, strongest, map.base_probability
    ));
    if strongest < TINY_EFFECT {
        ui.label(format!(
            "Covering any part barely changes P({class_name}): the colours show very small effects."
        ));
    }
}
