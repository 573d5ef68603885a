//! Start, Pause/Resume (with a new learning rate while paused) and Stop, the progress line
//! (epoch, batch, images/s, elapsed, ETA), and what a finished run left: its summary and
//! "Save model as…".

use std::path::PathBuf;
use std::time::Duration;

use crate::evaluation::TestTimeAugmentation;
use crate::files::thousands;
use crate::model::PresetId;
use crate::training::{StopReason, TrainConfig};
use crate::worker::{Command, TrainRequest};

use super::super::super::app::Ctx;
use super::super::super::file_dialogs::{self, DialogKind, DialogPoll};
use super::super::super::model_draft::ModelDraft;
use super::super::super::onnx_export::onnx_export_ui;
use super::super::super::state::{DataState, NoticeKind};
use super::super::super::widgets::runs_table::duration_text;
use super::{TrainPhase, TrainView};

/// Why Start cannot be pressed now, if it cannot.
fn start_blocker(cx: &Ctx<'_>) -> Option<String> {
    if !matches!(cx.state.data, DataState::Ready(_)) {
        return Some("Load the data first (Dataset tab).".to_owned());
    }
    if let Some(error) = cx.settings.model.check().error {
        return Some(format!("Fix the model in the Model tab first: {error}"));
    }
    if let Err(error) = cx.settings.train.config.validate() {
        return Some(format!("Fix the settings first: {error}"));
    }
    if let Some(job) = cx.state.busy {
        return Some(format!("Wait: the worker is {}.", job.describe()));
    }
    None
}

fn start(cx: &mut Ctx<'_>) {
    let draft = &cx.settings.model;
    let name = format!("{} #{}", draft.spec.name, cx.state.runs.runs.len() + 1);
    let request = TrainRequest {
        name: name.clone(),
        // An edited preset is no longer that preset.
        preset: draft.preset.filter(|_| !draft.is_modified()),
        spec: draft.spec.clone(),
        config: cx.settings.train.config.clone(),
        threads: cx.settings.train.threads,
    };
    if cx.send(Command::Train(Box::new(request))) {
        cx.state.train.on_requested(name);
    }
}

/// The label of the one-click fast run (tests find the button by it).
pub const FAST_RUN_LABEL: &str = "Fast run";

/// The one-click fast configuration: the `fast` preset's network and training settings, started
/// at once.
fn start_fast(cx: &mut Ctx<'_>) {
    let classes = cx.state.data.class_names();
    cx.settings.model = ModelDraft::from_preset_for(PresetId::Fast, &classes);
    cx.settings.train.config = TrainConfig::for_preset(PresetId::Fast);
    cx.settings.train.config_preset = Some(PresetId::Fast);
    start(cx);
}

fn pause(cx: &mut Ctx<'_>) {
    cx.worker.control().pause();
    let view = &mut cx.state.train;
    view.phase = TrainPhase::Paused;
    view.clock.pause(std::time::Instant::now());
    let rate =
        view.batches.last().map_or(cx.settings.train.config.learning_rate, |batch| batch.learning_rate);
    view.paused_learning_rate = format!("{rate:.3e}");
}

/// Resumes; a changed learning rate in the paused field applies from the next batch.
fn resume(cx: &mut Ctx<'_>) {
    let view = &mut cx.state.train;
    let current = view.batches.last().map(|batch| batch.learning_rate);
    if let Ok(rate) = view.paused_learning_rate.trim().parse::<f64>()
        && rate.is_finite()
        && rate > 0.0
        && current.is_none_or(|current| (rate - current).abs() > current * 1e-3)
    {
        cx.worker.control().set_learning_rate(rate);
        cx.state.inform(NoticeKind::Info, format!("Learning rate set to {rate:e} from the next batch"));
    }
    cx.worker.control().resume();
    let view = &mut cx.state.train;
    view.phase = TrainPhase::Running;
    view.clock.resume(std::time::Instant::now());
}

fn stop(cx: &mut Ctx<'_>) {
    cx.worker.control().cancel();
    let view = &mut cx.state.train;
    view.phase = TrainPhase::Stopping;
    view.clock.resume(std::time::Instant::now());
}

/// The buttons, the progress line, and the finished run's summary or the failure.
pub fn controls_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let phase = cx.state.train.phase;
    let blocker = start_blocker(cx);
    ui.horizontal(|ui| {
        let can_start = phase == TrainPhase::Idle && blocker.is_none();
        let start_button = egui::Button::new(egui::RichText::new("Start").size(15.0));
        let response = ui
            .add_enabled(can_start, start_button)
            .on_hover_text("Train the Model tab's network with these settings");
        if response.clicked() {
            start(cx);
        }
        let fast_ready = phase == TrainPhase::Idle
            && matches!(cx.state.data, DataState::Ready(_))
            && cx.state.busy.is_none();
        let fast = PresetId::Fast.preset();
        let fast_button = egui::Button::new(egui::RichText::new(FAST_RUN_LABEL).size(15.0));
        if ui
            .add_enabled(fast_ready, fast_button)
            .on_hover_text(format!(
                "One click: train the {} preset ({}). Expect {} on Fashion-MNIST. It replaces the \
                 Model tab's network and these settings.",
                fast.name,
                fast.description.trim_end_matches('.'),
                fast.expected_accuracy
            ))
            .clicked()
        {
            start_fast(cx);
        }
        let running = matches!(phase, TrainPhase::Starting | TrainPhase::Running);
        if phase == TrainPhase::Paused {
            if ui
                .button(egui::RichText::new("Resume").size(15.0))
                .on_hover_text("Continue exactly where it paused")
                .clicked()
            {
                resume(cx);
            }
        } else if ui
            .add_enabled(running, egui::Button::new(egui::RichText::new("Pause").size(15.0)))
            .on_hover_text("Pause between two batches; everything is kept, so resuming is exact")
            .clicked()
        {
            pause(cx);
        }
        let stoppable = matches!(phase, TrainPhase::Starting | TrainPhase::Running | TrainPhase::Paused);
        if ui
            .add_enabled(stoppable, egui::Button::new(egui::RichText::new("Stop").size(15.0)))
            .on_hover_text("Stop after the current batch; the model trained so far is kept")
            .clicked()
        {
            stop(cx);
        }
        ui.separator();
        let model = &cx.settings.model.spec.name;
        match phase {
            TrainPhase::Idle => match &blocker {
                Some(reason) => {
                    ui.weak(reason);
                }
                None => {
                    ui.label(format!(
                        "Ready to train {model} ({})",
                        cx.settings.model.spec.task.describe(&cx.state.data.class_names())
                    ));
                }
            },
            TrainPhase::Starting => {
                ui.spinner();
                ui.label(format!("Starting {}…", cx.state.train.run_name));
            }
            TrainPhase::Running => {
                // No spinner: it repaints every frame, and frames take cores from training.
                ui.label(format!("Training {}…", cx.state.train.run_name));
            }
            TrainPhase::Paused => {
                ui.colored_label(ui.visuals().warn_fg_color, format!("Paused: {}", cx.state.train.run_name));
            }
            TrainPhase::Stopping => {
                ui.spinner();
                ui.label("Stopping after this batch…");
            }
        }
    });
    if phase == TrainPhase::Paused {
        paused_learning_rate_ui(ui, cx);
    }
    progress_ui(ui, &cx.state.train);
    // No timer repaint while training: batch events already wake the UI ~5 times a second, and
    // every frame costs the training cores (elapsed and ETA move with those events).
    if let Some(error) = &cx.state.train.error {
        ui.colored_label(ui.visuals().error_fg_color, format!("Training could not run: {error}"));
    }
    if cx.state.train.phase == TrainPhase::Idle && cx.state.train.last_result.is_some() {
        result_ui(ui, cx);
    }
}

fn paused_learning_rate_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.horizontal(|ui| {
        let label = ui.label("Learning rate from the next batch:").id;
        let response = ui
            .add(egui::TextEdit::singleline(&mut cx.state.train.paused_learning_rate).desired_width(90.0))
            .labelled_by(label)
            .on_hover_text("Change it before resuming; the schedule continues from the new rate");
        let valid = cx
            .state
            .train
            .paused_learning_rate
            .trim()
            .parse::<f64>()
            .is_ok_and(|rate| rate.is_finite() && rate > 0.0);
        if !valid {
            ui.colored_label(ui.visuals().error_fg_color, "not a positive number");
        }
        if response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter)) && valid {
            resume(cx);
        }
    });
}

/// "Epoch 2/10 · batch 300/844" bar, then speed, elapsed and ETA.
fn progress_ui(ui: &mut egui::Ui, view: &TrainView) {
    let Some(started) = &view.started else {
        if view.phase == TrainPhase::Starting {
            ui.add(egui::ProgressBar::new(0.0).text("Preparing the data and the network…"));
        }
        return;
    };
    let total = started.total_epochs * started.batches_per_epoch;
    let last = view.batches.last();
    let done = last.map_or(0, |batch| (batch.epoch - 1) * batch.batches_per_epoch + batch.batch);
    #[allow(clippy::cast_precision_loss)]
    let fraction = if total == 0 { 0.0 } else { done as f32 / total as f32 };
    let text = match last {
        Some(batch) => format!(
            "Epoch {}/{} · batch {}/{} · {:.0}%",
            batch.epoch,
            started.total_epochs,
            batch.batch,
            batch.batches_per_epoch,
            fraction * 100.0
        ),
        None => format!("Epoch 1/{} · starting", started.total_epochs),
    };
    ui.add(egui::ProgressBar::new(fraction).text(text));
    let elapsed = view.clock.elapsed_secs(std::time::Instant::now());
    let speed = last.map_or_else(
        || "– images/s".to_owned(),
        |batch| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let speed = batch.images_per_sec.round() as usize;
            format!("{} images/s", thousands(speed))
        },
    );
    #[allow(clippy::cast_precision_loss)]
    let eta = if done > 0 && view.is_training() {
        let remaining = (total - done.min(total)) as f64 * elapsed / done as f64;
        format!("ETA {}", duration_text(remaining))
    } else if view.is_training() {
        "ETA –".to_owned()
    } else {
        "finished".to_owned()
    };
    ui.horizontal(|ui| {
        ui.label(speed).on_hover_text("Training images per second in this epoch (pauses left out)");
        ui.separator();
        ui.label(format!("elapsed {}", duration_text(elapsed)));
        ui.separator();
        ui.label(eta).on_hover_text("At the speed so far; validation passes and early stopping change it");
        ui.separator();
        ui.weak(format!(
            "{} training / {} validation / {} test images",
            thousands(started.train_examples),
            thousands(started.validation_examples),
            thousands(started.test_examples)
        ));
    });
}

/// What the summary box says about a finished run.
struct ResultLines {
    title: &'static str,
    failed: bool,
    /// The title says it all for a completed run.
    show_reason: bool,
    reason: String,
    numbers: String,
    model: String,
    run: String,
}

fn result_lines(view: &TrainView) -> Option<ResultLines> {
    let result = view.last_result.as_ref()?;
    let summary = &result.summary;
    let (title, failed) = match summary.stop_reason {
        StopReason::Completed => ("Training completed", false),
        StopReason::EarlyStopped { .. } => ("Stopped early", false),
        StopReason::Cancelled => ("Training stopped", false),
        StopReason::Diverged { .. } => ("Training diverged", true),
    };
    let speeds: Vec<f64> = summary.history.iter().map(|epoch| epoch.images_per_sec).collect();
    #[allow(clippy::cast_precision_loss)]
    let mean_speed = (!speeds.is_empty()).then(|| speeds.iter().sum::<f64>() / speeds.len() as f64);
    // A model that answers with flip TTA was measured that way too (its `test_accuracy`).
    let accuracy = match (summary.test_accuracy, result.model.tta) {
        (None, _) => "no test images".to_owned(),
        (Some(accuracy), TestTimeAugmentation::None) => format!("Test accuracy {:.2}%", accuracy * 100.0),
        (Some(plain), tta) => format!(
            "Test accuracy {:.2}% with {} ({:.2}% without)",
            result.model.test_accuracy.unwrap_or(plain) * 100.0,
            tta.short_label(),
            plain * 100.0
        ),
    };
    let epochs = summary.history.len();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let speed = mean_speed.map_or_else(String::new, |speed| {
        let per_epoch: Vec<String> = speeds.iter().map(|s| thousands(s.round() as usize)).collect();
        format!(" · {} images/s (epochs: {})", thousands(speed.round() as usize), per_epoch.join(", "))
    });
    let numbers = format!(
        "{accuracy} · {epochs} epoch{} in {}{speed}",
        if epochs == 1 { "" } else { "s" },
        duration_text(summary.elapsed_secs)
    );
    let run = match &result.run {
        Ok(run) => format!("Kept in the run history as “{}”.", run.name),
        Err(error) => format!("Not kept in the run history ({error}); save it below."),
    };
    Some(ResultLines {
        title,
        failed,
        show_reason: summary.stop_reason != StopReason::Completed,
        reason: summary.stop_reason.message(),
        numbers,
        model: format!("Current model: {}", result.model.summary()),
        run,
    })
}

/// The finished run: how it ended, its numbers, and "Save model as…".
fn result_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let Some(lines) = result_lines(&cx.state.train) else { return };
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.horizontal(|ui| {
            let color =
                if lines.failed { ui.visuals().error_fg_color } else { ui.visuals().strong_text_color() };
            ui.label(egui::RichText::new(lines.title).strong().size(15.0).color(color));
            if lines.show_reason {
                ui.label(&lines.reason);
            }
        });
        ui.label(&lines.numbers);
        ui.label(&lines.model);
        ui.weak(&lines.run);
        save_row_ui(ui, cx);
        onnx_export_ui(ui, cx);
    });
}

fn save_row_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.horizontal(|ui| {
        let label = ui.label("Save model as:").id;
        ui.add(
            egui::TextEdit::singleline(&mut cx.state.train.save_path)
                .hint_text("model.safetensors")
                .desired_width(260.0),
        )
        .labelled_by(label);
        let path = cx.state.train.save_path.trim().to_owned();
        if ui
            .add_enabled(!path.is_empty(), egui::Button::new("Save"))
            .on_hover_text("Write the current model to this .safetensors file")
            .clicked()
        {
            cx.send(Command::SaveModel { path: PathBuf::from(path) });
        }
        let choosing = cx.state.train.save_dialog.is_some();
        if ui
            .add_enabled(!choosing, egui::Button::new("Browse…"))
            .on_hover_text("Choose where to save")
            .clicked()
        {
            let repaint = ui.ctx().clone();
            cx.state.train.save_dialog =
                Some(file_dialogs::open(DialogKind::SaveModel, move || repaint.request_repaint()));
        }
        if choosing {
            ui.spinner();
        }
    });
}

/// Takes the save chooser's answer, if it has one.
pub fn poll_save_dialog(ui: &egui::Ui, cx: &mut Ctx<'_>) {
    let Some(pending) = &cx.state.train.save_dialog else { return };
    match pending.poll() {
        DialogPoll::Waiting => ui.ctx().request_repaint_after(Duration::from_millis(200)),
        DialogPoll::Picked(path) => {
            cx.state.train.save_dialog = None;
            cx.state.train.save_path = path.display().to_string();
            cx.send(Command::SaveModel { path });
        }
        DialogPoll::Nothing => {
            cx.state.train.save_dialog = None;
            cx.state.inform(
                NoticeKind::Info,
                "No file chosen (or no file chooser on this desktop): type the path in the Save model as field.",
            );
        }
    }
}
