//! Applies the worker's events to the UI state: one exhaustive match, so a new event cannot be
//! forgotten here.

use crate::files::thousands;
use crate::model::PresetId;
use crate::worker::{Command, Event, Job, ModelInfo, ModelOrigin};

use super::app::Ctx;
use super::model_draft::ModelDraft;
use super::settings::{DataChoice, ModelRef};
use super::state::{DataState, NoticeKind};

/// Updates the state for one event.
pub fn apply(cx: &mut Ctx<'_>, event: Event) {
    match event {
        Event::JobStarted(job) => cx.state.busy = Some(job),
        Event::DatasetLoaded(loaded) => {
            cx.state.busy = None;
            cx.state.download = None;
            let data = &loaded.data;
            let text = format!(
                "Loaded {}: {} classes, {} training and {} test images in {:.1} s from {}",
                data.name,
                data.classes.len(),
                thousands(data.train.len()),
                thousands(data.test.len()),
                data.load_secs,
                data.source.describe()
            );
            cx.state.inform(NoticeKind::Info, text);
            cx.state.dataset.reset_for_new_data();
            // The model being designed follows the data set's classes (a preset's last layer, a
            // binary pair that no longer exists).
            cx.settings.model.fit_to(&data.classes);
            if let Some(choice) = cx.state.pending_data_choice.take() {
                cx.settings.data = choice;
            }
            cx.state.data = DataState::Ready(loaded);
        }
        Event::DownloadProgressed(progress) => cx.state.download = Some(progress),
        Event::DownloadFinished { folder } => {
            cx.state.download = None;
            cx.state.inform(NoticeKind::Info, format!("Downloaded the full set into {}", folder.display()));
            cx.settings.data = DataChoice::Folder(folder);
            cx.state.data = DataState::Loading { since: std::time::Instant::now() };
        }
        Event::SpecSaved { path } => {
            cx.state.busy = None;
            cx.state.inform(NoticeKind::Info, format!("Saved the model spec to {}", path.display()));
        }
        Event::SpecLoaded { path, spec } => {
            cx.state.busy = None;
            cx.state.inform(NoticeKind::Info, format!("Opened {} ({})", path.display(), spec.name));
            // A spec named after a preset can still be reset to it.
            let preset = spec.name.parse::<PresetId>().ok();
            cx.settings.model = ModelDraft { preset, spec };
        }
        Event::TrainingStarted(info) => cx.state.train.on_started(info, cx.worker.control()),
        Event::BatchFinished(metrics) => cx.state.train.on_batch(metrics),
        Event::EpochFinished(metrics) => cx.state.train.on_epoch(metrics),
        Event::TrainingFinished(result) => {
            cx.state.busy = None;
            let mut text = format!(
                "{}. Current model: {}",
                capitalise(&result.summary.stop_reason.message()),
                result.model.summary()
            );
            match &result.run {
                Ok(run) => text.push_str(&format!(" (kept in the run history as \"{}\")", run.name)),
                Err(error) => {
                    text.push_str(&format!(
                        ". It could not be kept in the run history: {error}; use Save model as…"
                    ));
                }
            }
            let kind = if result.run.is_ok() { NoticeKind::Info } else { NoticeKind::Error };
            cx.state.inform(kind, text);
            make_current(cx, result.model.clone());
            cx.state.train.on_finished(result);
            cx.send(Command::ListRuns);
        }
        Event::EvaluationProgressed { done, total } => cx.state.evaluate.on_progress(done, total),
        Event::EvaluationFinished(result) => {
            cx.state.busy = None;
            let text = format!(
                "Evaluated {} on {} test images: {:.2}% accuracy",
                result.model.name,
                thousands(result.evaluation.predictions.len()),
                result.evaluation.predictions.accuracy() * 100.0
            );
            cx.state.inform(NoticeKind::Info, text);
            cx.state.evaluate.on_finished(result);
        }
        Event::Explained(explanation) => {
            cx.state.busy = None;
            cx.state.evaluate.on_explained(explanation);
        }
        Event::PicturesPredicted(outcomes) => {
            cx.state.busy = None;
            let failed = outcomes.iter().filter(|outcome| outcome.result.is_err()).count();
            let text = if failed == 0 {
                format!("Predicted {} picture(s)", outcomes.len())
            } else {
                format!("Predicted {} picture(s); {failed} could not be read (see the table)", outcomes.len())
            };
            cx.state.inform(if failed == 0 { NoticeKind::Info } else { NoticeKind::Error }, text);
            cx.state.predict.on_predicted(outcomes);
        }
        Event::ReportExported { folder, files } => {
            cx.state.busy = None;
            let names: Vec<String> = files
                .iter()
                .filter_map(|file| file.file_name())
                .map(|name| name.to_string_lossy().into_owned())
                .collect();
            cx.state.inform(NoticeKind::Info, format!("Wrote {} to {}", names.join(", "), folder.display()));
            cx.state.evaluate.on_exported(folder, files);
        }
        Event::ModelSaved { path } => {
            cx.state.busy = None;
            cx.state.inform(NoticeKind::Info, format!("Saved the model to {}", path.display()));
        }
        Event::ModelLoaded(info) => {
            cx.state.busy = None;
            cx.state.inform(NoticeKind::Info, format!("Current model: {}", info.summary()));
            make_current(cx, *info);
        }
        Event::RunsListed(listing) => {
            cx.state.busy = None;
            if let Some(warning) = listing.warnings.first() {
                cx.state.inform(NoticeKind::Error, format!("Skipped a damaged run: {warning}"));
            }
            cx.state.train.runs = listing;
        }
        Event::Cancelled(job) => {
            cx.state.busy = None;
            cx.state.download = None;
            cx.state.inform(NoticeKind::Info, format!("Stopped {}", job.describe()));
        }
        Event::Failed { job, error } => {
            cx.state.busy = None;
            cx.state.download = None;
            match job {
                Job::LoadDataset => {
                    // Keep showing data already loaded; only a first load turns into the first-run panel.
                    cx.state.pending_data_choice = None;
                    if !matches!(cx.state.data, DataState::Ready(_)) {
                        cx.state.data = DataState::Missing { error: error.clone() };
                    }
                }
                Job::Train => cx.state.train.on_failed(error.clone()),
                Job::Evaluate => cx.state.evaluate.on_failed(error.clone()),
                Job::Explain => cx.state.evaluate.on_explain_failed(error.clone()),
                Job::LoadModel => {
                    // A model that no longer opens is not reopened at the next start.
                    if cx.state.current_model.is_none() {
                        cx.settings.current_model = None;
                    }
                }
                Job::Predict => cx.state.predict.on_failed(&error),
                Job::DownloadDataset
                | Job::SaveSpec
                | Job::LoadSpec
                | Job::ExportReport
                | Job::SaveModel
                | Job::Runs
                | Job::SelfTest => {}
            }
            cx.state.inform(NoticeKind::Error, format!("{} failed: {error}", capitalise(job.describe())));
        }
    }
}

/// Shows `info` as the current model and remembers it for the next start.
fn make_current(cx: &mut Ctx<'_>, info: ModelInfo) {
    cx.settings.current_model = match &info.origin {
        ModelOrigin::Run { id } => Some(ModelRef::Run(id.clone())),
        ModelOrigin::File(path) => Some(ModelRef::File(path.clone())),
        ModelOrigin::Unsaved | ModelOrigin::Bundled => None,
    };
    cx.state.current_model = Some(info);
    // Pictures already in the Predict tab are answered by the new model.
    super::tabs::predict::on_model_changed(cx);
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
