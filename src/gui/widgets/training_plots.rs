//! The Train tab's loss and accuracy plots (egui_plot): curves over epochs, the best epoch marked,
//! and reference accuracies the user can switch on. Used for the live run and for overlaid runs.

use egui::{Color32, RichText};
use egui_plot::{
    Corner, Legend, Line, LineStyle, MarkerShape, Plot, PlotPoint, PlotPoints, Points, Text, VLine,
};
use serde::{Deserialize, Serialize};

/// Known accuracies on the Fashion-MNIST test set, drawn as horizontal lines on the accuracy plot.
pub const REFERENCES: [(&str, f64); 4] =
    [("human", 83.5), ("course dense", 88.9), ("course CNN", 90.6), ("best small CNNs", 93.4)];

/// Which reference lines are shown (persisted with the settings), in [`REFERENCES`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReferenceLines {
    /// One switch per reference.
    pub shown: [bool; REFERENCES.len()],
}

impl Default for ReferenceLines {
    fn default() -> Self {
        Self { shown: [true; REFERENCES.len()] }
    }
}

/// Checkboxes that switch the reference lines on and off.
pub fn reference_toggles_ui(ui: &mut egui::Ui, references: &mut ReferenceLines) {
    ui.horizontal_wrapped(|ui| {
        ui.weak("Reference lines:");
        for ((name, accuracy), shown) in REFERENCES.iter().zip(&mut references.shown) {
            ui.checkbox(shown, format!("{name} {accuracy}%"))
                .on_hover_text(format!("Show a line at {accuracy}% test accuracy ({name})"));
        }
    });
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesStyle {
    /// A thin line through many points (per-batch values).
    Thin,
    /// A solid line with a marker on each point (per-epoch values).
    Markers,
    /// A dashed line with markers (a second quantity of the same run).
    DashedMarkers,
}

/// One curve: `points` are `[epoch, value]`, epochs counted from 0 at the start of training.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// Colour.
    pub color: Color32,
    /// Drawing style.
    pub style: SeriesStyle,
    /// The points.
    pub points: Vec<[f64; 2]>,
}

/// Which quantity a plot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotKind {
    /// Cross-entropy loss.
    Loss,
    /// Accuracy in percent.
    Accuracy,
}

/// A plot of curves over epochs.
pub struct CurvesPlot<'a> {
    /// The plot's id (unique in the window).
    pub id: &'a str,
    /// Loss or accuracy.
    pub kind: PlotKind,
    /// The curves.
    pub series: Vec<Series>,
    /// 1-based epoch to mark with a vertical line.
    pub best_epoch: Option<usize>,
    /// Reference accuracies to draw (accuracy plots only).
    pub references: Option<ReferenceLines>,
    /// Fixes the x range to the run's length, so a live plot fills in from left to right.
    pub total_epochs: Option<usize>,
    /// Height in points.
    pub height: f32,
}

/// Draws `plot`: its title, then the curves.
pub fn curves_plot_ui(ui: &mut egui::Ui, plot: CurvesPlot<'_>) {
    let CurvesPlot { id, kind, series, best_epoch, references, total_epochs, height } = plot;
    let (title, y_label) = match kind {
        PlotKind::Loss => ("Loss", "loss"),
        PlotKind::Accuracy => ("Accuracy", "accuracy %"),
    };
    ui.strong(title);
    let mut plot = Plot::new(id)
        .height(height)
        // Loss falls and accuracy rises: the legend sits in the corner the curves leave free.
        // Insertion order, so the loss and accuracy legends of the same runs read alike.
        .legend(Legend::default().follow_insertion_order(true).background_alpha(0.6).position(match kind {
            PlotKind::Loss => Corner::RightTop,
            PlotKind::Accuracy => Corner::RightBottom,
        }))
        .x_axis_label("epoch")
        .y_axis_label(y_label)
        .allow_scroll(false)
        .include_x(0.0);
    if let Some(total) = total_epochs {
        #[allow(clippy::cast_precision_loss)]
        let total = total.max(1) as f64;
        plot = plot.include_x(total);
    }
    let empty = series.iter().all(|line| line.points.is_empty());
    plot = match kind {
        // An empty loss plot spans a fresh 10-class network's loss (~2.3).
        PlotKind::Loss if empty => plot.include_y(0.0).include_y(2.5),
        PlotKind::Loss => plot.include_y(0.0),
        PlotKind::Accuracy => plot.include_y(50.0).include_y(100.0),
    };
    // A legend in a bottom corner stacks its entries from the bottom up: hand it the series in
    // reverse, so both plots' legends read top to bottom in the same order.
    let mut series = series;
    if kind == PlotKind::Accuracy {
        series.reverse();
    }
    plot.show(ui, move |plot_ui| {
        for line in series {
            let shape = match line.style {
                SeriesStyle::Thin => None,
                SeriesStyle::Markers => Some(MarkerShape::Circle),
                SeriesStyle::DashedMarkers => Some(MarkerShape::Diamond),
            };
            let style = match line.style {
                SeriesStyle::DashedMarkers => LineStyle::dashed_loose(),
                SeriesStyle::Thin | SeriesStyle::Markers => LineStyle::Solid,
            };
            let width = if line.style == SeriesStyle::Thin { 1.2 } else { 2.0 };
            if let Some(shape) = shape {
                plot_ui.points(
                    Points::new(line.name.clone(), PlotPoints::from(thin_out(&line.points)))
                        .shape(shape)
                        .radius(3.5)
                        .filled(true)
                        .color(line.color),
                );
            }
            plot_ui.line(
                Line::new(line.name, PlotPoints::from(thin_out(&line.points)))
                    .color(line.color)
                    .width(width)
                    .style(style),
            );
        }
        if let Some(epoch) = best_epoch {
            #[allow(clippy::cast_precision_loss)]
            let x = epoch as f64;
            plot_ui.vline(
                VLine::new(format!("best epoch {epoch}"), x)
                    .color(Color32::from_rgb(220, 160, 40))
                    .width(1.5)
                    .style(LineStyle::dashed_dense()),
            );
        }
        if let (PlotKind::Accuracy, Some(references)) = (kind, references) {
            // Unnamed, so they stay out of the legend; a label at epoch 0 (always in view) names
            // each line. Not at the plot's left edge: a text item widens the bounds it sits on.
            let left = 0.0;
            for (index, ((name, accuracy), shown)) in REFERENCES.iter().zip(references.shown).enumerate() {
                // 88.9% and 90.6% lie close: the dense one's label goes under its line.
                let anchor = if index == 1 { egui::Align2::LEFT_TOP } else { egui::Align2::LEFT_BOTTOM };
                if shown {
                    plot_ui.hline(
                        egui_plot::HLine::new("", *accuracy)
                            .color(Color32::from_gray(140))
                            .width(1.0)
                            .style(LineStyle::dotted_loose()),
                    );
                    plot_ui.text(
                        Text::new(
                            "",
                            PlotPoint::new(left, *accuracy),
                            RichText::new(format!("{name} {accuracy}%")).size(13.0),
                        )
                        .color(Color32::from_gray(150))
                        .anchor(anchor),
                    );
                }
            }
        }
    });
}

/// Points drawn per curve at most: more cannot be told apart on screen and cost frame time.
const MAX_DRAWN_POINTS: usize = 600;

/// Every `n`th point of `points` (and the last), so at most about [`MAX_DRAWN_POINTS`] remain.
#[must_use]
pub fn thin_out(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    if points.len() <= MAX_DRAWN_POINTS {
        return points.to_vec();
    }
    let step = points.len().div_ceil(MAX_DRAWN_POINTS);
    let mut kept: Vec<[f64; 2]> = points.iter().step_by(step).copied().collect();
    if let Some(last) = points.last()
        && kept.last() != Some(last)
    {
        kept.push(*last);
    }
    kept
}

/// Colours for overlaid runs, distinct in light and dark themes.
const PALETTE: [Color32; 10] = [
    Color32::from_rgb(66, 133, 244),
    Color32::from_rgb(234, 67, 53),
    Color32::from_rgb(52, 168, 83),
    Color32::from_rgb(171, 71, 188),
    Color32::from_rgb(255, 152, 0),
    Color32::from_rgb(0, 172, 193),
    Color32::from_rgb(233, 30, 99),
    Color32::from_rgb(124, 179, 66),
    Color32::from_rgb(121, 85, 72),
    Color32::from_rgb(92, 107, 192),
];

/// One colour per run id, the same whichever other runs are shown with it: the id picks its
/// colour (a fixed hash, not the position in the selection); only when two shown runs pick the same
/// one does the second (in the order given) take the next free colour.
#[must_use]
pub fn colors_for_runs(ids: &[&str]) -> Vec<Color32> {
    let mut taken = [false; PALETTE.len()];
    ids.iter()
        .map(|id| {
            // FNV-1a: fixed across Rust versions, unlike `DefaultHasher`.
            let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
            #[allow(clippy::cast_possible_truncation)]
            let wanted = (hash % PALETTE.len() as u64) as usize;
            let free = (0..PALETTE.len())
                .map(|step| (wanted + step) % PALETTE.len())
                .find(|&slot| !taken[slot])
                .unwrap_or(wanted);
            taken[free] = true;
            PALETTE[free]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_short_curves_and_the_ends_of_long_ones() {
        let short: Vec<[f64; 2]> = (0..10).map(|i| [f64::from(i), 0.0]).collect();
        assert_eq!(thin_out(&short), short);
        let long: Vec<[f64; 2]> = (0..5001).map(|i| [f64::from(i), 1.0]).collect();
        let thinned = thin_out(&long);
        assert!(thinned.len() <= MAX_DRAWN_POINTS + 1, "{}", thinned.len());
        assert_eq!(thinned.first(), long.first());
        assert_eq!(thinned.last(), long.last());
    }

    #[test]
    fn a_run_keeps_its_colour_whatever_else_is_compared_and_shown_runs_differ() {
        let ids = ["20261204-101500-dense", "20261204-103000-cnn", "20261204-110000-cnn-bn"];
        let two = colors_for_runs(&ids[..2]);
        let three = colors_for_runs(&ids);
        assert_eq!(two[..], three[..2], "ticking a third run changes no colour");
        assert_eq!(colors_for_runs(&ids[1..2])[0], three[1], "alone or with others, the same colour");
        // Twelve runs on ten colours: the first ten all differ.
        let many: Vec<String> = (0..12).map(|i| format!("run-{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let colors = colors_for_runs(&many);
        let distinct: std::collections::HashSet<_> = colors[..10].iter().collect();
        assert_eq!(distinct.len(), 10);
    }
}
