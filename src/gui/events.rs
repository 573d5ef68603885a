//! Applies the worker's events to the UI state: one exhaustive match, so a new event cannot be
//! forgotten here.

use crate::data::thousands;
use crate::model::PresetId;
use crate::worker::{Event, Job};

use super::app::Ctx;
use super::model_draft::ModelDraft;
use super::settings::DataChoice;
use super::state::{DataState, NoticeKind};

/// Updates the state for one event.
pub fn apply(cx: &mut Ctx<'_>, event: Event) {
    match event {
        Event::JobStarted(job) => cx.state.busy = Some(job),
        Event::DatasetLoaded(loaded) => {
            cx.state.busy = None;
            cx.state.download = None;
            let mnist = &loaded.mnist;
            let text = format!(
                "Loaded {} training and {} test images in {:.1} s from {}",
                thousands(mnist.train.len()),
                thousands(mnist.test.len()),
                mnist.load_secs,
                mnist.source.describe()
            );
            cx.state.inform(NoticeKind::Info, text);
            cx.state.dataset.reset_for_new_data();
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
                Job::DownloadDataset | Job::SaveSpec | Job::LoadSpec => {}
            }
            cx.state.inform(NoticeKind::Error, format!("{} failed: {error}", capitalise(job.describe())));
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
