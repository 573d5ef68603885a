//! The class-balance chart: one horizontal bar per class, class names on the axis, counts on hover.

use egui_plot::{Bar, BarChart, GridMark, Plot};

use crate::data::FashionClass;

/// Draws a bar per class from `counts` (label order), `height` points tall.
pub fn class_chart_ui(ui: &mut egui::Ui, id: &str, counts: &[usize; FashionClass::COUNT], height: f32) {
    let color = ui.visuals().selection.bg_fill;
    // Top to bottom in label order: label 0 gets the highest y.
    let row = |class: FashionClass| (FashionClass::COUNT - 1 - class.index()) as f64;
    let bars: Vec<Bar> = FashionClass::ALL
        .into_iter()
        .map(|class| {
            Bar::new(row(class), counts[class.index()] as f64).name(class.name()).width(0.7).fill(color)
        })
        .collect();
    let chart = BarChart::new("images per class", bars)
        .horizontal()
        .element_formatter(Box::new(|bar, _| format!("{}: {} images", bar.name, bar.value)));
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    Plot::new(id)
        .height(height)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_grid([true, false])
        .default_x_bounds(0.0, max * 1.08)
        .default_y_bounds(-0.6, FashionClass::COUNT as f64 - 0.4)
        .y_grid_spacer(|_| {
            (0..FashionClass::COUNT).map(|i| GridMark { value: i as f64, step_size: 1.0 }).collect()
        })
        .y_axis_formatter(|mark, _| {
            let label = FashionClass::COUNT as f64 - 1.0 - mark.value;
            // Only whole rows carry a class name.
            if (label - label.round()).abs() < 1e-6 && (0.0..FashionClass::COUNT as f64).contains(&label) {
                FashionClass::from_label(label.round() as u8)
                    .map_or_else(String::new, |class| class.name().to_owned())
            } else {
                String::new()
            }
        })
        .y_axis_min_width(80.0)
        .label_formatter(|_| None)
        .show(ui, |plot_ui| plot_ui.bar_chart(chart));
}
