//! Training and run-history events: how a run ended (and whether its model became current), and
//! the history as listed.

use crate::training::StopReason;
use crate::worker::{Command, Job, RunsListing, TrainingResult};

use super::super::app::Ctx;
use super::super::state::NoticeKind;

/// A run ended: say how, make its model current only if the worker did, list the history again.
pub(super) fn finished(cx: &mut Ctx<'_>, result: Box<TrainingResult>) {
    super::job_done(cx);
    let kind = if result.run.is_ok() && result.made_current { NoticeKind::Info } else { NoticeKind::Error };
    cx.state.inform_about(Job::Train, kind, finished_text(&result, cx.state.current_model.as_ref()));
    if result.made_current {
        super::models::make_current(cx, result.model.clone());
    }
    cx.state.train.on_finished(result);
    cx.send(Command::ListRuns);
}

/// "Training completed. Current model: …", or, for a run that did not end as planned, that the
/// previous model stays.
fn finished_text(result: &TrainingResult, previous: Option<&crate::worker::ModelInfo>) -> String {
    let reason = super::capitalise(&result.summary.stop_reason.message());
    let mut text = if result.made_current {
        format!("{reason}. Current model: {}", result.model.summary())
    } else {
        let kept = previous.map_or_else(
            || "there is still no current model".to_owned(),
            |model| format!("the current model is still {}", model.name),
        );
        let verb = match result.summary.stop_reason {
            StopReason::Diverged { .. } => "diverged",
            StopReason::Cancelled | StopReason::Completed | StopReason::EarlyStopped { .. } => "stopped",
        };
        format!("{reason}. The {verb} run did not replace the model: {kept}")
    };
    match &result.run {
        Ok(run) if result.made_current => {
            text.push_str(&format!(" (kept in the run history as \"{}\")", run.name));
        }
        Ok(run) => {
            text.push_str(&format!(" (\"{}\" is in the run history: Open it there to use it)", run.name));
        }
        Err(error) => {
            text.push_str(&format!(". It could not be kept in the run history: {error}"));
            if result.made_current {
                text.push_str("; use Save model as…");
            }
        }
    }
    text
}

/// The history as now on disk (app state: the Train tab lists it, Evaluate opens from it).
pub(super) fn runs_listed(cx: &mut Ctx<'_>, listing: RunsListing) {
    super::job_done(cx);
    if let Some(warning) = listing.warnings.first() {
        cx.state.inform_about(Job::Runs, NoticeKind::Error, format!("Skipped a damaged run: {warning}"));
    }
    cx.state.runs = listing;
    cx.state.runs_listed = true;
}
