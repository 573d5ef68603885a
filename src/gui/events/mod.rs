//! Applies the worker's events to the UI state: one exhaustive match that routes each event to a
//! small function for its area (data, training, models, run history, pictures), so a new event
//! cannot be forgotten here and no function has to hold every job in mind.

mod data;
mod models;
mod training;

use crate::worker::{Event, Job, JobError};

use super::app::Ctx;
use super::state::NoticeKind;
use super::tabs::{dataset_library, import_preview};

/// Internal errors remembered at most (a loop of them must not grow without end).
const MAX_INTERNAL_ERRORS: usize = 100;

/// Updates the state for one event.
pub(super) fn apply(cx: &mut Ctx<'_>, event: Event) {
    match event {
        Event::JobStarted(job) => job_started(cx, job),
        Event::DatasetLoaded(loaded) => data::loaded(cx, loaded),
        Event::DatasetsListed(stored) => {
            job_done(cx);
            dataset_library::on_listed(cx, stored);
        }
        Event::ImportProgressed(progress) => dataset_library::on_progress(cx, progress),
        Event::ImportPreviewed { source, preprocessing, pictures } => {
            job_done(cx);
            import_preview::on_previewed(cx, source, preprocessing, pictures);
        }
        Event::DatasetImported(summary) => {
            let text = format!("Imported \"{}\"", summary.name);
            cx.state.inform_about(Job::ImportDataset, NoticeKind::Info, text);
            dataset_library::on_imported(cx, *summary);
        }
        Event::DownloadProgressed(progress) => cx.state.download = Some(progress),
        Event::DownloadFinished { folder } => data::downloaded(cx, folder),
        Event::SpecSaved { path } => models::spec_saved(cx, &path),
        Event::SpecLoaded { path, spec } => models::spec_loaded(cx, &path, spec),
        Event::TrainingStarted(info) => cx.state.train.on_started(info, cx.worker.control()),
        Event::BatchFinished(metrics) => cx.state.train.on_batch(metrics),
        Event::EpochFinished(metrics) => cx.state.train.on_epoch(metrics),
        Event::TrainingFinished(result) => training::finished(cx, result),
        Event::EvaluationProgressed { done, total } => cx.state.evaluate.on_progress(done, total),
        Event::EvaluationFinished(result) => models::evaluated(cx, result),
        Event::Explained(explanation) => {
            job_done(cx);
            cx.state.evaluate.on_explained(explanation);
        }
        Event::PicturesProgressed { outcomes, done, total } => {
            cx.state.predict.on_progress(outcomes, done, total);
        }
        Event::PicturesPredicted(outcomes) => models::predicted(cx, outcomes),
        Event::Cancelled(Job::Predict) => models::prediction_cancelled(cx),
        Event::ReportExported { folder, files } => models::report_exported(cx, folder, files),
        Event::ModelSaved { path } => {
            job_done(cx);
            // The file now says the model's test-time augmentation.
            if let Some(model) = &mut cx.state.current_model {
                model.tta_unsaved = false;
            }
            cx.state.inform_about(
                Job::SaveModel,
                NoticeKind::Info,
                format!("Saved the model to {}", path.display()),
            );
        }
        Event::OnnxExported(exported) => {
            job_done(cx);
            let text = format!(
                "Exported {} as ONNX to {} (checked on {} test pictures)",
                exported.model_name,
                exported.export.path.display(),
                exported.export.verification.images
            );
            cx.state.inform_about(Job::ExportOnnx, NoticeKind::Info, text);
            cx.state.onnx_export.on_exported(exported);
        }
        Event::ModelLoaded(info) => models::loaded(cx, *info),
        Event::ModelCleared { name } => models::cleared(cx, &name),
        Event::RunsListed(listing) => training::runs_listed(cx, listing),
        Event::Cancelled(job) => {
            job_done(cx);
            cx.state.download = None;
            dataset_library::on_import_ended(cx, job, None);
            cx.state.inform_about(job, NoticeKind::Info, format!("Stopped {}", job.describe()));
        }
        Event::Failed { job, error } => failed(cx, job, &error),
    }
}

/// A job began: the status bar shows it, and a message about an earlier job of the same kind
/// (the last training's result while the next one trains) is no longer true. The run history is
/// listed again after every change, so its own messages (a failed rename) outlive that listing.
fn job_started(cx: &mut Ctx<'_>, job: Job) {
    cx.state.busy = Some(job);
    if job != Job::Runs && cx.state.notice.as_ref().is_some_and(|notice| notice.job == Some(job)) {
        cx.state.notice = None;
    }
}

/// The worker finished its job (the next `JobStarted` says what it does next).
fn job_done(cx: &mut Ctx<'_>) {
    cx.state.busy = None;
}

/// A job failed: its tab shows the error where it happened, the status bar says it once. This is
/// where the error becomes text.
fn failed(cx: &mut Ctx<'_>, job: Job, error: &JobError) {
    cx.state.busy = None;
    let internal = error.is_internal();
    let error = &error.to_string();
    if internal && cx.state.internal_errors.len() < MAX_INTERNAL_ERRORS {
        cx.state.internal_errors.push((job, error.to_owned()));
    }
    cx.state.download = None;
    match job {
        Job::LoadDataset => data::load_failed(cx, error),
        Job::Train => cx.state.train.on_failed(error.to_owned()),
        Job::Evaluate => cx.state.evaluate.on_failed(error.to_owned()),
        Job::Explain => cx.state.evaluate.on_explain_failed(error.to_owned()),
        Job::LoadModel => models::load_failed(cx),
        Job::Predict => cx.state.predict.on_failed(error),
        Job::ExportOnnx => cx.state.onnx_export.on_failed(error.to_owned()),
        Job::ImportDataset => dataset_library::on_import_ended(cx, job, Some(error)),
        Job::PreviewImport => cx.state.dataset.library.import.error = Some(error.to_owned()),
        Job::DownloadDataset
        | Job::Datasets
        | Job::SaveSpec
        | Job::LoadSpec
        | Job::ExportReport
        | Job::SaveModel
        | Job::Runs
        | Job::SelfTest => {}
    }
    cx.state.inform_about(job, NoticeKind::Error, format!("{} failed: {error}", capitalise(job.describe())));
}

/// "training completed" → "Training completed".
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
