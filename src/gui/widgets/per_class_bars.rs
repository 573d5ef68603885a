//! Per-class accuracy as horizontal bars (one per class, names on the axis, the value at the bar's
//! end), with the overall accuracy as a vertical line; classes well below it in the warning colour.

use egui_plot::{Bar, BarChart, GridMark, Plot, PlotPoint, Text, VLine};

/// A class this many points below the overall accuracy is drawn in the warning colour.
pub const WEAK_CLASS_MARGIN: f64 = 0.05;

/// Draws one bar per class: `values[i]` in `0..=1` for `names[i]`, top to bottom in class order,
/// `height` points tall; `overall` is drawn as a line across.
pub fn per_class_bars_ui(
    ui: &mut egui::Ui,
    id: &str,
    names: &[String],
    values: &[f64],
    overall: f64,
    height: f32,
) {
    let rows = names.len().min(values.len());
    if rows == 0 {
        return;
    }
    let good = ui.visuals().selection.bg_fill;
    let weak = ui.visuals().warn_fg_color;
    // Top to bottom in class order: class 0 gets the highest y.
    let row = move |class: usize| (rows - 1 - class) as f64;
    let bars: Vec<Bar> = (0..rows)
        .map(|class| {
            // Classes well below the overall accuracy stand out.
            let fill = if values[class] + WEAK_CLASS_MARGIN < overall { weak } else { good };
            Bar::new(row(class), values[class] * 100.0).name(&names[class]).width(0.7).fill(fill)
        })
        .collect();
    let chart = BarChart::new("accuracy per class", bars)
        .horizontal()
        .element_formatter(Box::new(|bar, _| format!("{}: {:.1}% correct", bar.name, bar.value)));
    let line = VLine::new(format!("overall {:.1}%", overall * 100.0), overall * 100.0)
        .color(ui.visuals().text_color().gamma_multiply(0.6));
    let value_color = ui.visuals().text_color();
    let value_texts: Vec<Text> = (0..rows)
        .map(|class| {
            let at = PlotPoint::new(values[class] * 100.0 + 1.0, row(class));
            let text =
                egui::RichText::new(format!("{:.1}%", values[class] * 100.0)).small().color(value_color);
            Text::new(format!("{} value", names[class]), at, text).anchor(egui::Align2::LEFT_CENTER)
        })
        .collect();
    let labels: Vec<String> = names.to_vec();
    Plot::new(id)
        .height(height)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_grid([true, false])
        .default_x_bounds(0.0, 112.0)
        .default_y_bounds(-0.6, rows as f64 - 0.4)
        .x_grid_spacer(|_| {
            (0..=5).map(|i| GridMark { value: f64::from(i) * 20.0, step_size: 20.0 }).collect()
        })
        .x_axis_formatter(|mark, _| format!("{:.0}%", mark.value))
        .y_grid_spacer(move |_| (0..rows).map(|i| GridMark { value: i as f64, step_size: 1.0 }).collect())
        .y_axis_formatter(move |mark, _| {
            let class = rows as f64 - 1.0 - mark.value;
            // Only whole rows carry a class name.
            if (class - class.round()).abs() < 1e-6 && (0.0..rows as f64).contains(&class) {
                labels.get(class.round() as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_axis_min_width(80.0)
        .label_formatter(|_| None)
        .show(ui, |plot_ui| {
            plot_ui.bar_chart(chart);
            plot_ui.vline(line);
            for text in value_texts {
                plot_ui.text(text);
            }
        });
}
