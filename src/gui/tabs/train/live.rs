//! The live plots of the current (or last) run: smoothed per-batch and per-epoch loss and accuracy,
//! validation curves, the best epoch and the reference accuracies.

use egui::Color32;

use crate::data::FASHION_MNIST;
use crate::model::Task;

use super::super::super::app::Ctx;
use super::super::super::state::DataState;
use super::super::super::widgets::training_plots::{
    CurvesPlot, PlotKind, Series, SeriesStyle, curves_plot_ui, reference_toggles_ui,
};
use super::TrainView;

const TRAIN_BATCH: Color32 = Color32::from_rgb(120, 160, 230);
const TRAIN_EPOCH: Color32 = Color32::from_rgb(40, 100, 220);
const VALIDATION: Color32 = Color32::from_rgb(230, 110, 40);

/// `[epoch, value]` points of the per-epoch metrics (x = the epoch's end).
fn epoch_points(
    view: &TrainView,
    value: impl Fn(&crate::training::EpochMetrics) -> Option<f64>,
) -> Vec<[f64; 2]> {
    #[allow(clippy::cast_precision_loss)]
    view.epochs.iter().filter_map(|epoch| value(epoch).map(|v| [epoch.epoch as f64, v])).collect()
}

fn loss_series(view: &TrainView) -> Vec<Series> {
    vec![
        Series {
            name: "train loss (smoothed batches)".to_owned(),
            color: TRAIN_BATCH,
            style: SeriesStyle::Thin,
            points: view.smoothed_loss.clone(),
        },
        Series {
            name: "train loss (epoch)".to_owned(),
            color: TRAIN_EPOCH,
            style: SeriesStyle::Markers,
            points: epoch_points(view, |epoch| Some(epoch.train_loss)),
        },
        Series {
            name: "validation loss".to_owned(),
            color: VALIDATION,
            style: SeriesStyle::Markers,
            points: epoch_points(view, |epoch| epoch.validation_loss),
        },
    ]
}

fn accuracy_series(view: &TrainView) -> Vec<Series> {
    vec![
        Series {
            name: "train accuracy (smoothed batches)".to_owned(),
            color: TRAIN_BATCH,
            style: SeriesStyle::Thin,
            points: view.smoothed_accuracy.clone(),
        },
        Series {
            name: "train accuracy (epoch)".to_owned(),
            color: TRAIN_EPOCH,
            style: SeriesStyle::Markers,
            points: epoch_points(view, |epoch| Some(epoch.train_accuracy * 100.0)),
        },
        Series {
            name: "validation accuracy".to_owned(),
            color: VALIDATION,
            style: SeriesStyle::Markers,
            points: epoch_points(view, |epoch| epoch.validation_accuracy.map(|accuracy| accuracy * 100.0)),
        },
    ]
}

/// The two plots side by side, with the reference-line switches under them.
pub fn live_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let view = &cx.state.train;
    if view.started.is_none() && view.last_result.is_none() {
        ui.add_space(6.0);
        ui.weak(
            "Press Start: the loss and accuracy plots fill in as the network trains. Training keeps going \
             at full speed if you switch tabs or minimise the window.",
        );
    }
    let total_epochs =
        Some(view.started.as_ref().map_or(cx.settings.train.config.epochs, |started| started.total_epochs));
    let best_epoch = view.best_epoch();
    // The reference accuracies are the course's, for Fashion-MNIST's ten-class task.
    let on_fashion_mnist =
        matches!(&cx.state.data, DataState::Ready(data) if data.data.name == FASHION_MNIST);
    let ten_class = on_fashion_mnist && matches!(cx.settings.model.spec.task, Task::AllClasses { .. });
    let references = ten_class.then_some(cx.settings.train.references);
    let height = (ui.available_height() - 60.0).clamp(160.0, 520.0);
    let (loss, accuracy) = (loss_series(view), accuracy_series(view));
    ui.columns(2, |columns| {
        curves_plot_ui(
            &mut columns[0],
            CurvesPlot {
                id: "live_loss",
                kind: PlotKind::Loss,
                series: loss,
                best_epoch,
                references: None,
                total_epochs,
                height,
            },
        );
        curves_plot_ui(
            &mut columns[1],
            CurvesPlot {
                id: "live_accuracy",
                kind: PlotKind::Accuracy,
                series: accuracy,
                best_epoch,
                references,
                total_epochs,
                height,
            },
        );
    });
    if ten_class {
        reference_toggles_ui(ui, &mut cx.settings.train.references);
    } else if on_fashion_mnist {
        ui.weak("Reference accuracies are for the ten-class task; this model tells two classes apart.");
    }
    if let Some(epoch) = best_epoch {
        ui.weak(format!("Dashed yellow line: the best epoch ({epoch}), lowest validation loss."));
    }
}
