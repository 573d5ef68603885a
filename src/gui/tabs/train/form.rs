//! The Train tab's hyperparameter form: every field of `TrainConfig` with a widget and a one-sentence
//! tooltip, the learning-rate schedule preview, the augmentation preview, the seed and the number of
//! threads. The settings persist; their defaults come from the Model tab's preset.

use serde::{Deserialize, Serialize};

use crate::model::PresetId;
use crate::training::{OptimizerKind, Schedule, TrainConfig};

use super::super::super::app::Ctx;
use super::super::super::model_draft::ModelDraft;
use super::super::super::widgets::lr_preview::lr_preview_ui;
use super::super::super::widgets::training_plots::ReferenceLines;

/// Range of the learning-rate slider (the exact field takes any positive number).
const LEARNING_RATE_RANGE: std::ops::RangeInclusive<f64> = 1e-5..=1.0;

/// The Train tab's persisted settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainSettings {
    /// The hyperparameters of the next run.
    pub config: TrainConfig,
    /// The preset whose defaults `config` started from; picking another preset resets `config`.
    pub config_preset: Option<PresetId>,
    /// Threads to train with; `None` uses all cores (like the command line's `--threads`).
    pub threads: Option<usize>,
    /// Which reference accuracies the accuracy plot shows.
    pub references: ReferenceLines,
}

impl Default for TrainSettings {
    fn default() -> Self {
        let preset = ModelDraft::default().preset;
        Self {
            config: preset.map_or_else(TrainConfig::default, TrainConfig::for_preset),
            config_preset: preset,
            threads: None,
            references: ReferenceLines::default(),
        }
    }
}

impl TrainSettings {
    /// Takes the defaults of the draft's preset when it changed since the config was made.
    pub fn follow_preset(&mut self, draft: &ModelDraft) {
        if let Some(preset) = draft.preset
            && self.config_preset != Some(preset)
        {
            self.config = TrainConfig::for_preset(preset);
            self.config_preset = Some(preset);
        }
    }
}

/// The cores of this machine (at least 1).
#[must_use]
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Runtime state of the form (not persisted).
#[derive(Debug, Default)]
pub struct FormState {
    /// The exact learning-rate field's text.
    pub learning_rate_text: String,
    /// The rate the text was last synchronised with (the slider may have moved since).
    pub learning_rate_shown: f64,
    /// The exact field's text does not parse as a positive number.
    pub learning_rate_invalid: bool,
}

/// Draws the form; `enabled` is false while a run trains.
pub fn form_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>, enabled: bool) {
    let draft = cx.settings.model.clone();
    cx.settings.train.follow_preset(&draft);
    ui.heading("Hyperparameters");
    match draft.preset {
        Some(preset) => {
            ui.horizontal(|ui| {
                ui.weak(format!("Defaults of the {} preset", preset.name()));
                let changed = cx.settings.train.config != TrainConfig::for_preset(preset);
                if ui
                    .add_enabled(enabled && changed, egui::Button::new("Reset").small())
                    .on_hover_text("Back to the preset's training defaults")
                    .clicked()
                {
                    cx.settings.train.config = TrainConfig::for_preset(preset);
                }
            });
        }
        None => {
            ui.weak("A custom model: these settings are yours.");
        }
    }
    ui.add_space(4.0);
    ui.add_enabled_ui(enabled, |ui| {
        ui.spacing_mut().slider_width = 180.0;
        egui::Grid::new("train_form").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
            basics_ui(ui, cx);
            learning_rate_ui(ui, cx);
            schedule_ui(ui, &mut cx.settings.train.config);
            regularisation_ui(ui, &mut cx.settings.train.config);
            super::answer::loss_and_answer_ui(ui, &mut cx.settings.train.config);
            threads_ui(ui, &mut cx.settings.train.threads);
        });
        ui.add_space(4.0);
        ui.label("Learning rate over the epochs:");
        lr_preview_ui(ui, &cx.settings.train.config, 70.0);
        ui.add_space(6.0);
        super::augmentation::augmentation_ui(ui, cx);
    });
    if let Err(error) = cx.settings.train.config.validate() {
        ui.colored_label(ui.visuals().error_fg_color, format!("Cannot train: {error}"));
    }
}

/// A label in the first column with its tooltip; returns its id for `labelled_by`.
pub(super) fn row_label(ui: &mut egui::Ui, text: &str, tooltip: &str) -> egui::Id {
    ui.label(text).on_hover_text(tooltip).id
}

fn basics_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let config = &mut cx.settings.train.config;
    let tip = "How many times training goes through all the training images.";
    let label = row_label(ui, "Epochs", tip);
    ui.add(egui::DragValue::new(&mut config.epochs).range(1..=500).speed(0.1))
        .labelled_by(label)
        .on_hover_text(tip);
    ui.end_row();

    let tip = "Images per weight update: larger batches run faster per image but update less often.";
    let label = row_label(ui, "Batch size", tip);
    ui.add(egui::DragValue::new(&mut config.batch_size).range(1..=4096).speed(1.0))
        .labelled_by(label)
        .on_hover_text(tip);
    ui.end_row();

    let tip = "The rule that turns gradients into weight changes; Adam is a safe first choice.";
    let label = row_label(ui, "Optimizer", tip);
    ui.horizontal(|ui| {
        let momentum = match config.optimizer {
            OptimizerKind::Sgd { momentum } => momentum,
            OptimizerKind::Adam | OptimizerKind::AdamW => 0.9,
        };
        let choices = [
            (OptimizerKind::Adam, "Adam"),
            (OptimizerKind::AdamW, "AdamW"),
            (OptimizerKind::Sgd { momentum }, "SGD"),
        ];
        let current =
            choices.iter().find(|(kind, _)| kind.name() == config.optimizer.name()).map_or("?", |c| c.1);
        egui::ComboBox::from_id_salt("optimizer")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (kind, name) in choices {
                    if ui.selectable_label(config.optimizer.name() == kind.name(), name).clicked() {
                        config.optimizer = kind;
                    }
                }
            })
            .response
            .labelled_by(label)
            .on_hover_text(tip);
        if let OptimizerKind::Sgd { momentum } = &mut config.optimizer {
            let label = ui.label("momentum").id;
            ui.add(egui::DragValue::new(momentum).range(0.0..=0.99).speed(0.01))
                .labelled_by(label)
                .on_hover_text("How much of the previous step SGD keeps (0 = plain SGD).");
        }
    });
    ui.end_row();
}

fn learning_rate_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let config = &mut cx.settings.train.config;
    let form = &mut cx.state.train.form;
    let tip = "How big each weight update is: too small learns slowly, too large makes the loss explode.";
    let label = row_label(ui, "Learning rate", tip);
    ui.vertical(|ui| {
        let mut slider_value =
            config.learning_rate.clamp(*LEARNING_RATE_RANGE.start(), *LEARNING_RATE_RANGE.end());
        let slider = ui
            .add(
                egui::Slider::new(&mut slider_value, LEARNING_RATE_RANGE)
                    .logarithmic(true)
                    .show_value(false)
                    .custom_formatter(|value, _| format!("{value:.1e}")),
            )
            .labelled_by(label)
            .on_hover_text(tip);
        if slider.changed() {
            // Two significant digits: the slider picks a scale, the field below is exact.
            config.learning_rate = round_significant(slider_value, 2);
        }
        if form.learning_rate_shown.to_bits() != config.learning_rate.to_bits() {
            form.learning_rate_text = format!("{}", config.learning_rate);
            form.learning_rate_shown = config.learning_rate;
            form.learning_rate_invalid = false;
        }
        ui.horizontal(|ui| {
            let exact = ui.label("exact:").id;
            let response = ui
                .add(egui::TextEdit::singleline(&mut form.learning_rate_text).desired_width(90.0))
                .labelled_by(exact)
                .on_hover_text("Type any positive number, e.g. 0.001 or 3e-4.");
            if response.changed() {
                match form.learning_rate_text.trim().parse::<f64>() {
                    Ok(rate) if rate.is_finite() && rate > 0.0 => {
                        config.learning_rate = rate;
                        form.learning_rate_shown = rate;
                        form.learning_rate_invalid = false;
                    }
                    _ => form.learning_rate_invalid = true,
                }
            }
            if form.learning_rate_invalid {
                ui.colored_label(ui.visuals().error_fg_color, "not a positive number");
            }
        });
        if !form.learning_rate_invalid
            && let Some(warning) = learning_rate_warning(config.learning_rate, config.optimizer)
        {
            ui.add(egui::Label::new(egui::RichText::new(warning).color(ui.visuals().warn_fg_color)).wrap());
        }
    });
    ui.end_row();
}

/// A warning beside the field when the rate is outside what the optimizer usually works with, so a
/// typo (10 instead of 0.001) is caught before Start rather than by a diverged run.
#[must_use]
pub fn learning_rate_warning(rate: f64, optimizer: OptimizerKind) -> Option<String> {
    let (name, usual_low, usual_high) = match optimizer {
        OptimizerKind::Adam | OptimizerKind::AdamW => ("Adam", 1e-5, 0.01),
        OptimizerKind::Sgd { .. } => ("SGD", 1e-4, 0.5),
    };
    if rate > usual_high {
        Some(format!(
            "Unusually large for {name} (usual: {usual_low:e} to {usual_high}): the loss may diverge"
        ))
    } else if rate < usual_low {
        Some(format!(
            "Unusually small for {name} (usual: {usual_low:e} to {usual_high}): it will learn very slowly"
        ))
    } else {
        None
    }
}

/// `value` rounded to `digits` significant digits.
pub(super) fn round_significant(value: f64, digits: i32) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return value;
    }
    #[allow(clippy::cast_possible_truncation)]
    let magnitude = value.log10().floor() as i32;
    let scale = 10_f64.powi(digits - 1 - magnitude);
    (value * scale).round() / scale
}

fn schedule_ui(ui: &mut egui::Ui, config: &mut TrainConfig) {
    let tip = "How the learning rate changes from epoch to epoch (see the preview below).";
    let label = row_label(ui, "Schedule", tip);
    ui.horizontal(|ui| {
        let choices = [
            (Schedule::Constant, "constant"),
            (Schedule::Step { every_epochs: 3, factor: 0.5 }, "step"),
            (Schedule::Cosine, "cosine"),
            (Schedule::ONE_CYCLE, "one-cycle"),
            (Schedule::ReduceOnPlateau { patience: 2, factor: 0.5 }, "reduce on plateau"),
        ];
        let current =
            choices.iter().find(|(kind, _)| kind.name() == config.schedule.name()).map_or("?", |c| c.1);
        egui::ComboBox::from_id_salt("schedule")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (kind, name) in choices {
                    if ui.selectable_label(config.schedule.name() == kind.name(), name).clicked()
                        && config.schedule.name() != kind.name()
                    {
                        config.schedule = kind;
                    }
                }
            })
            .response
            .labelled_by(label)
            .on_hover_text(tip);
        match &mut config.schedule {
            Schedule::Step { every_epochs, factor } => {
                let every = ui.label("every").id;
                ui.add(egui::DragValue::new(every_epochs).range(1..=100)).labelled_by(every);
                let times = ui.label("epochs ×").id;
                ui.add(egui::DragValue::new(factor).range(0.01..=1.0).speed(0.01)).labelled_by(times);
            }
            Schedule::ReduceOnPlateau { patience, factor } => {
                let times = ui.label("×").id;
                ui.add(egui::DragValue::new(factor).range(0.01..=1.0).speed(0.01)).labelled_by(times);
                let after = ui.label("after").id;
                ui.add(egui::DragValue::new(patience).range(1..=50)).labelled_by(after);
            }
            Schedule::OneCycle { warmup_fraction } => {
                let warmup = ui.label("warm-up").id;
                ui.add(
                    egui::DragValue::new(warmup_fraction)
                        .range(0.0..=0.9)
                        .speed(0.01)
                        .custom_formatter(|share, _| format!("{:.0}%", share * 100.0))
                        .custom_parser(|text| {
                            text.trim().trim_end_matches('%').trim().parse::<f64>().ok().map(|p| p / 100.0)
                        }),
                )
                .labelled_by(warmup)
                .on_hover_text(
                    "Share of the run spent raising the rate from a tenth of it to the full rate.",
                );
            }
            Schedule::Constant | Schedule::Cosine => {}
        }
    });
    ui.end_row();
}

fn regularisation_ui(ui: &mut egui::Ui, config: &mut TrainConfig) {
    let tip = "Stop when the validation loss has not improved for this many epochs, and keep the best epoch's weights.";
    let label = row_label(ui, "Early stopping", tip);
    ui.horizontal(|ui| {
        let mut on = config.early_stopping_patience.is_some();
        if ui.checkbox(&mut on, "on").labelled_by(label).on_hover_text(tip).changed() {
            config.early_stopping_patience = on.then_some(3);
        }
        if let Some(patience) = &mut config.early_stopping_patience {
            let after = ui.label("patience").id;
            ui.add(egui::DragValue::new(patience).range(1..=50))
                .labelled_by(after)
                .on_hover_text("Epochs without a better validation loss before stopping.");
        }
    });
    ui.end_row();

    let tip = "Part of the training images held out to check the model on images it does not train on.";
    let label = row_label(ui, "Validation", tip);
    let mut percent = config.validation_fraction * 100.0;
    let response = ui
        .add(egui::Slider::new(&mut percent, 0.0..=50.0).suffix(" %").fixed_decimals(0))
        .labelled_by(label)
        .on_hover_text(tip);
    if response.changed() {
        config.validation_fraction = (percent.round() / 100.0).clamp(0.0, 0.5);
    }
    ui.end_row();

    let tip = "Starts initialisation, shuffling, the validation split and augmentation: the same seed gives the same run.";
    let label = row_label(ui, "Seed", tip);
    ui.add(egui::DragValue::new(&mut config.seed).range(0..=u64::from(u32::MAX)))
        .labelled_by(label)
        .on_hover_text(tip);
    ui.end_row();
}

fn threads_ui(ui: &mut egui::Ui, threads: &mut Option<usize>) {
    let cores = available_cores();
    let tip = "Threads that train the network (like `atelier --threads N`); all cores is fastest.";
    let label = row_label(ui, "Threads", tip);
    ui.horizontal(|ui| {
        let mut all = threads.is_none();
        if ui
            .checkbox(&mut all, format!("all cores ({cores})"))
            .labelled_by(label)
            .on_hover_text(tip)
            .changed()
        {
            *threads = if all { None } else { Some(cores) };
        }
        if let Some(count) = threads {
            let of = ui.label("use").id;
            ui.add(egui::DragValue::new(count).range(1..=cores)).labelled_by(of).on_hover_text(tip);
        }
    });
    ui.end_row();
}
