//! The class-balance chart: one horizontal bar per class, class names on the axis, counts on hover.

use egui_plot::{Bar, BarChart, GridMark, Plot};

use crate::data::ClassNames;

/// Draws a bar per class from `counts` (label order, one per name of `classes`), `height` points
/// tall.
pub fn class_chart_ui(ui: &mut egui::Ui, id: &str, counts: &[usize], classes: &ClassNames, height: f32) {
    let color = ui.visuals().selection.bg_fill;
    let rows = classes.len();
    // Top to bottom in label order: label 0 gets the highest y.
    let row = |class: usize| (rows - 1 - class) as f64;
    let bars: Vec<Bar> = classes
        .iter()
        .map(|(class, name)| {
            let count = counts.get(class).copied().unwrap_or(0);
            Bar::new(row(class), count as f64).name(name).width(0.7).fill(color)
        })
        .collect();
    let chart = BarChart::new("images per class", bars)
        .horizontal()
        .element_formatter(Box::new(|bar, _| format!("{}: {} images", bar.name, bar.value)));
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let names = classes.clone();
    Plot::new(id)
        .height(height)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_grid([true, false])
        .default_x_bounds(0.0, max * 1.08)
        .default_y_bounds(-0.6, rows as f64 - 0.4)
        .y_grid_spacer(move |_| (0..rows).map(|i| GridMark { value: i as f64, step_size: 1.0 }).collect())
        .y_axis_formatter(move |mark, _| {
            let label = rows as f64 - 1.0 - mark.value;
            // Only whole rows carry a class name.
            if (label - label.round()).abs() < 1e-6 && (0.0..rows as f64).contains(&label) {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let class = label.round() as usize;
                names.name(class).into_owned()
            } else {
                String::new()
            }
        })
        .y_axis_min_width(80.0)
        .label_formatter(|_| None)
        .show(ui, |plot_ui| plot_ui.bar_chart(chart));
}
