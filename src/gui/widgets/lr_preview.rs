//! A small plot of the learning rate over the epochs, as the core's schedule computes it.

use egui_plot::{Line, Plot, PlotPoints};

use crate::training::{Schedule, TrainConfig};

/// The core's planned learning rate as `[epoch, rate]` points: steps that hold through each epoch,
/// or for one-cycle (which changes after every batch) a line sampled 16 times per epoch and at the
/// end. Reduce-on-plateau depends on validation losses not known yet, so it is flat.
#[must_use]
pub fn learning_rate_steps(config: &TrainConfig) -> Vec<[f64; 2]> {
    if let Schedule::OneCycle { .. } = config.schedule {
        let mut points = config.learning_rate_curve(16);
        #[allow(clippy::cast_precision_loss)]
        points.push([config.epochs as f64, 0.0]);
        return points;
    }
    let mut points = Vec::with_capacity(config.epochs * 2);
    for (epoch, rate) in config.learning_rate_preview().into_iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let start = epoch as f64;
        points.push([start, rate]);
        points.push([start + 1.0, rate]);
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

    #[test]
    fn cosine_steps_start_at_the_base_rate_and_fall() {
        let config = TrainConfig {
            epochs: 4,
            learning_rate: 0.01,
            schedule: Schedule::Cosine,
            ..TrainConfig::default()
        };
        let steps = learning_rate_steps(&config);
        assert_eq!(steps.len(), 8);
        assert!((steps[0][1] - 0.01).abs() < 1e-12);
        assert!(steps.windows(2).all(|pair| pair[1][1] <= pair[0][1]));
        assert!(steps[7][1] < 0.002, "the last epoch is near 0: {}", steps[7][1]);
    }

    #[test]
    fn one_cycle_is_a_line_that_rises_then_falls_to_zero() {
        let config = TrainConfig {
            epochs: 5,
            learning_rate: 0.01,
            schedule: Schedule::ONE_CYCLE,
            ..TrainConfig::default()
        };
        let points = learning_rate_steps(&config);
        assert_eq!(points.len(), 5 * 16 + 1);
        let peak = points.iter().map(|p| p[1]).fold(0.0, f64::max);
        assert!((peak - 0.01).abs() < 1e-12);
        let top = points.iter().position(|p| p[1] == peak).unwrap();
        assert!((points[top][0] - 1.0).abs() < 1e-12, "the peak is a fifth into the run");
        assert!(points[..=top].windows(2).all(|w| w[1][1] > w[0][1]));
        assert!(points[top..].windows(2).all(|w| w[1][1] < w[0][1]));
        assert_eq!(*points.last().unwrap(), [5.0, 0.0]);
    }
}
