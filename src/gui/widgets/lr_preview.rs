//! A small plot of the learning rate over the epochs, as the core's schedule computes it.

use egui_plot::{Line, Plot, PlotPoints};

use crate::training::{Schedule, TrainConfig};

/// Samples per epoch of the preview: one-cycle changes after every batch; the other schedules
/// hold a rate through an epoch and come out as the same steps.
const POINTS_PER_EPOCH: usize = 16;

/// The core's planned learning rate as `[epoch, rate]` steps, each rate held until the next
/// sample ([`POINTS_PER_EPOCH`] per epoch). Reduce-on-plateau depends on validation losses not
/// known yet, so it is flat.
#[must_use]
pub fn learning_rate_steps(config: &TrainConfig) -> Vec<[f64; 2]> {
    let samples = config.learning_rate_curve(POINTS_PER_EPOCH);
    #[allow(clippy::cast_precision_loss)]
    let end = config.epochs as f64;
    let mut points = Vec::with_capacity(samples.len() * 2);
    for (index, &[start, rate]) in samples.iter().enumerate() {
        let until = samples.get(index + 1).map_or(end, |next| next[0]);
        points.push([start, rate]);
        points.push([until, rate]);
    }
    points
}

/// Draws the preview, `height` points tall, with a one-line caption.
pub fn lr_preview_ui(ui: &mut egui::Ui, config: &TrainConfig, height: f32) {
    let points = learning_rate_steps(config);
    Plot::new("lr_preview")
        .height(height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .show_x(true)
        .show_y(true)
        .include_y(0.0)
        .include_x(0.0)
        .y_axis_min_width(36.0)
        .show(ui, |plot_ui| {
            plot_ui.line(
                Line::new("learning rate", PlotPoints::from(points))
                    .width(1.5)
                    .allow_band(false)
                    .color(egui::Color32::from_rgb(66, 133, 244)),
            );
        });
    let caption = match config.schedule {
        Schedule::Constant => "The same rate every epoch.".to_owned(),
        Schedule::Step { every_epochs, factor } => format!("×{factor} every {every_epochs} epochs."),
        Schedule::Cosine => "Half a cosine from the base rate towards 0.".to_owned(),
        Schedule::OneCycle { warmup_fraction } => format!(
            "Up from a tenth of the rate over the first {:.0}% of the batches, then down to 0.",
            warmup_fraction * 100.0
        ),
        Schedule::ReduceOnPlateau { patience, factor } => {
            format!("×{factor} after {patience} epochs without a better validation loss (not known ahead).")
        }
    };
    ui.weak(caption);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preview(epochs: usize, schedule: Schedule) -> Vec<[f64; 2]> {
        learning_rate_steps(&TrainConfig { epochs, learning_rate: 0.01, schedule, ..TrainConfig::default() })
    }

    #[test]
    fn cosine_holds_each_epochs_rate_and_falls() {
        let steps = preview(4, Schedule::Cosine);
        assert_eq!(steps.len(), 4 * POINTS_PER_EPOCH * 2);
        assert_eq!(steps[0], [0.0, 0.01]);
        assert!(steps.windows(2).all(|pair| pair[1][1] <= pair[0][1]));
        // Within an epoch the rate holds; it changes at the epoch's end.
        let first_epoch = &steps[..POINTS_PER_EPOCH * 2];
        assert!(first_epoch.iter().all(|p| (p[1] - 0.01).abs() < 1e-15));
        assert!(steps[POINTS_PER_EPOCH * 2][1] < 0.01);
        let last = steps.last().unwrap();
        assert_eq!(last[0], 4.0);
        assert!(last[1] < 0.002, "the last epoch is near 0: {}", last[1]);
    }

    #[test]
    fn one_cycle_rises_then_falls_towards_zero_within_epochs() {
        let steps = preview(5, Schedule::ONE_CYCLE);
        let peak = steps.iter().map(|p| p[1]).fold(0.0, f64::max);
        assert!((peak - 0.01).abs() < 1e-12);
        let top = steps.iter().position(|p| p[1] == peak).unwrap();
        assert!((steps[top][0] - 1.0).abs() < 1e-12, "the peak is a fifth into the run");
        assert!(steps[..=top].windows(2).all(|w| w[1][1] >= w[0][1]));
        assert!(steps[top..].windows(2).all(|w| w[1][1] <= w[0][1]));
        assert!(steps[1][1] < steps[2][1], "it changes within the first epoch");
        let last = steps.last().unwrap();
        assert_eq!(last[0], 5.0);
        assert!(last[1] > 0.0 && last[1] < 0.0002, "near 0 at the end: {}", last[1]);
    }
}
