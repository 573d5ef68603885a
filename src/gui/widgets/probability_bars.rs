//! A model's answer as horizontal bars: one row per class (10, or 2 for a binary task) with its name,
//! a bar as long as its probability and the percentage; the most probable class is highlighted.

use egui::{Color32, Sense, Stroke, StrokeKind, Vec2};

use crate::inference::Prediction;

/// Options for [`probability_bars_ui`].
#[derive(Debug, Clone, Copy)]
pub struct BarsStyle {
    /// Width of the bar area in points (the names and percentages come on top).
    pub bar_width: f32,
    /// Height of one row's bar in points.
    pub row_height: f32,
    /// An output index to mark as the true class (an outline and a "true class" note), e.g. in
    /// the Evaluate tab's gallery; `None` in Predict, where the truth is unknown.
    pub true_class: Option<usize>,
}

impl Default for BarsStyle {
    fn default() -> Self {
        Self { bar_width: 180.0, row_height: 14.0, true_class: None }
    }
}

/// Draws the bars of `prediction` in its class order. Each row is one text label "Shirt 87.3%"
/// for screen readers (and kittest); the top class is drawn in the selection colour and its name in
/// strong text.
pub fn probability_bars_ui(
    ui: &mut egui::Ui,
    id_salt: impl egui::AsIdSalt,
    prediction: &Prediction,
    style: BarsStyle,
) {
    let top = prediction.top().map(|(class, _)| class);
    let visuals = ui.visuals().clone();
    let top_fill = visuals.selection.bg_fill;
    // A muted bar that still contrasts with the panel in both themes.
    let other_fill = visuals.widgets.inactive.fg_stroke.color.gamma_multiply(0.45);
    let track_fill = visuals.extreme_bg_color;
    egui::Grid::new(ui.scope_id().with("probability bars").with(id_salt))
        .num_columns(3)
        .spacing([8.0, 3.0])
        .show(ui, |ui| {
            for (class, &probability) in prediction.probabilities.iter().enumerate() {
                let class_name = prediction.class_name(class);
                let is_top = Some(class) == top;
                let is_true = Some(class) == style.true_class;
                let mut name = egui::RichText::new(class_name);
                if is_top {
                    name = name.strong().color(visuals.strong_text_color());
                }
                ui.label(name);
                let (rect, response) =
                    ui.allocate_exact_size(Vec2::new(style.bar_width, style.row_height), Sense::hover());
                let text = format!("{class_name} {:.1}%", probability * 100.0);
                response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
                let painter = ui.painter();
                painter.rect_filled(rect, 2.0, track_fill);
                let fraction = probability.clamp(0.0, 1.0);
                if fraction > 0.0 {
                    let mut bar = rect;
                    // At least a sliver, so a tiny probability is still visible as "not zero".
                    bar.set_width((rect.width() * fraction).max(1.5));
                    painter.rect_filled(bar, 2.0, if is_top { top_fill } else { other_fill });
                }
                if is_true {
                    painter.rect_stroke(
                        rect,
                        2.0,
                        Stroke::new(1.5, true_color(&visuals)),
                        StrokeKind::Outside,
                    );
                }
                let mut percent = egui::RichText::new(format!("{:>5.1}%", probability * 100.0)).monospace();
                if is_top {
                    percent = percent.strong().color(visuals.strong_text_color());
                }
                ui.horizontal(|ui| {
                    ui.label(percent);
                    if is_true {
                        ui.label(egui::RichText::new("true class").color(true_color(&visuals)));
                    }
                });
                ui.end_row();
            }
        });
}

/// Green that reads on dark and light panels.
fn true_color(visuals: &egui::Visuals) -> Color32 {
    if visuals.dark_mode { Color32::from_rgb(110, 200, 120) } else { Color32::from_rgb(20, 120, 40) }
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;

    #[test]
    fn every_class_gets_a_labelled_bar_in_output_order() {
        let prediction = Prediction {
            class_names: vec!["Sneaker".to_owned(), "Ankle boot".to_owned()].into(),
            probabilities: vec![0.125, 0.875],
            tta: crate::evaluation::TestTimeAugmentation::None,
        };
        let harness =
            Harness::new_ui(|ui| probability_bars_ui(ui, "test", &prediction, BarsStyle::default()));
        harness.get_by_label("Sneaker 12.5%");
        harness.get_by_label("Ankle boot 87.5%");
        assert!(harness.query_by_label("Shirt 0.0%").is_none(), "only the task's classes are drawn");
    }

    #[test]
    fn the_true_class_is_named_with_glyphs_the_default_fonts_have() {
        let prediction = Prediction {
            class_names: vec!["Sneaker".to_owned(), "Ankle boot".to_owned()].into(),
            probabilities: vec![0.6, 0.4],
            tta: crate::evaluation::TestTimeAugmentation::None,
        };
        let style = BarsStyle { true_class: Some(1), ..BarsStyle::default() };
        // kittest panics on a glyph missing from egui's default fonts.
        let harness = Harness::new_ui(|ui| probability_bars_ui(ui, "test", &prediction, style));
        harness.get_by_label("true class");
    }
}
