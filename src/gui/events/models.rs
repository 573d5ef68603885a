//! Model events: specs saved and opened, the current model opened, cleared, evaluated, explained,
//! and pictures predicted with it.

use std::path::{Path, PathBuf};

use crate::files::thousands;
use crate::model::{ModelSpec, PresetId};
use crate::worker::{EvaluationResult, Job, ModelInfo, ModelOrigin, PictureOutcome};

use super::super::app::Ctx;
use super::super::model_draft::ModelDraft;
use super::super::settings::ModelRef;
use super::super::state::NoticeKind;
use super::super::tabs::predict::pictures::Tally;

/// The Model tab's spec was written.
pub(super) fn spec_saved(cx: &mut Ctx<'_>, path: &Path) {
    super::job_done(cx);
    cx.state.inform_about(
        Job::SaveSpec,
        NoticeKind::Info,
        format!("Saved the model spec to {}", path.display()),
    );
}

/// A spec was opened into the Model tab; one named after a preset can still be reset to it.
pub(super) fn spec_loaded(cx: &mut Ctx<'_>, path: &Path, spec: ModelSpec) {
    super::job_done(cx);
    let text = format!("Opened {} ({})", path.display(), spec.name);
    cx.state.inform_about(Job::LoadSpec, NoticeKind::Info, text);
    let preset = spec.name.parse::<PresetId>().ok();
    cx.settings.model = ModelDraft { preset, spec };
}

/// A model file or stored run is now the current model.
pub(super) fn loaded(cx: &mut Ctx<'_>, info: ModelInfo) {
    super::job_done(cx);
    cx.state.inform_about(Job::LoadModel, NoticeKind::Info, format!("Current model: {}", info.summary()));
    make_current(cx, info);
}

/// The current model's run was deleted: no current model, and none reopened at the next start.
pub(super) fn cleared(cx: &mut Ctx<'_>, name: &str) {
    cx.settings.current_model = None;
    cx.state.current_model = None;
    let text =
        format!("Deleted “{name}”, the current model: there is no current model now (open or train one)");
    cx.state.inform(NoticeKind::Info, text);
}

/// A model that no longer opens is not reopened at the next start.
pub(super) fn load_failed(cx: &mut Ctx<'_>) {
    // "Open and evaluate" waited for this model: it will not come.
    cx.state.evaluate.evaluate_when_current = None;
    if cx.state.current_model.is_none() {
        cx.settings.current_model = None;
    }
}

/// The test split was evaluated.
pub(super) fn evaluated(cx: &mut Ctx<'_>, result: Box<EvaluationResult>) {
    super::job_done(cx);
    let text = format!(
        "Evaluated {} on {} test images: {:.2}% accuracy",
        result.model.name,
        thousands(result.evaluation.predictions.len()),
        result.evaluation.predictions.accuracy() * 100.0
    );
    cx.state.inform_about(Job::Evaluate, NoticeKind::Info, text);
    // The evaluation set the model's test-time augmentation: Predict follows it, and pictures it
    // already answered are answered again.
    if let Some(model) = &mut cx.state.current_model
        && model.origin == result.model.origin
    {
        let tta_changed = model.tta != result.model.tta;
        *model = result.model.clone();
        if tta_changed {
            super::super::tabs::predict::on_model_changed(cx);
        }
    }
    cx.state.evaluate.on_finished(result);
}

/// Report files were written.
pub(super) fn report_exported(cx: &mut Ctx<'_>, folder: PathBuf, files: Vec<PathBuf>) {
    super::job_done(cx);
    let names: Vec<String> = files
        .iter()
        .filter_map(|file| file.file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    let text = format!("Wrote {} to {}", names.join(", "), folder.display());
    cx.state.inform_about(Job::ExportReport, NoticeKind::Info, text);
    cx.state.evaluate.on_exported(folder, files);
}

/// Pictures came back: the message counts what was predicted, and what could not be read, over
/// the whole request (a big folder's earlier outcomes came with progress events).
pub(super) fn predicted(cx: &mut Ctx<'_>, outcomes: Vec<PictureOutcome>) {
    super::job_done(cx);
    let tally = cx.state.predict.list.tally().plus(&outcomes);
    let kind = if tally.failed == 0 { NoticeKind::Info } else { NoticeKind::Error };
    cx.state.inform_about(Job::Predict, kind, prediction_text(tally));
    cx.state.predict.on_predicted(outcomes);
}

/// Cancel stopped a prediction: the status says how far it got.
pub(super) fn prediction_cancelled(cx: &mut Ctx<'_>) {
    super::job_done(cx);
    let tally = cx.state.predict.list.tally();
    let total = cx.state.predict.list.progress().map_or(0, |(_, total)| total);
    let done = tally.predicted + tally.prepared_only + tally.failed;
    let text = format!("Cancelled after {done} of {}: {}", pictures(total), prediction_text(tally));
    cx.state.inform_about(Job::Predict, NoticeKind::Info, text);
    cx.state.predict.on_cancelled();
}

/// "Predicted 3 pictures", "Prepared 2 pictures (no model yet)", "1 picture could not be read".
pub(super) fn prediction_text(tally: Tally) -> String {
    let Tally { predicted, prepared_only, failed } = tally;
    let mut parts = Vec::new();
    if predicted > 0 {
        parts.push(format!("Predicted {}", pictures(predicted)));
    }
    if prepared_only > 0 {
        parts.push(format!("Prepared {} (no model to predict with yet)", pictures(prepared_only)));
    }
    if failed > 0 {
        parts.push(format!("{} could not be read (see the table)", pictures(failed)));
    }
    if parts.is_empty() { "No pictures found".to_owned() } else { parts.join("; ") }
}

fn pictures(count: usize) -> String {
    if count == 1 { "1 picture".to_owned() } else { format!("{count} pictures") }
}

/// Shows `info` as the current model and remembers it for the next start.
pub(super) fn make_current(cx: &mut Ctx<'_>, info: ModelInfo) {
    cx.settings.current_model = match &info.origin {
        ModelOrigin::Run { id } => Some(ModelRef::Run(id.clone())),
        ModelOrigin::File(path) => Some(ModelRef::File(path.clone())),
        ModelOrigin::Unsaved | ModelOrigin::Bundled => None,
    };
    cx.state.current_model = Some(info);
    // Pictures already in the Predict tab are answered by the new model.
    super::super::tabs::predict::on_model_changed(cx);
}
