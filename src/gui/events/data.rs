//! Data events: a data set loaded, downloaded, or not found.

use std::path::PathBuf;

use crate::files::thousands;
use crate::worker::{Job, LoadedDataset};

use super::super::app::Ctx;
use super::super::settings::DataChoice;
use super::super::state::{DataState, NoticeKind};

/// The data set is loaded: the Dataset tab starts over, the choice that led here is remembered.
pub(super) fn loaded(cx: &mut Ctx<'_>, loaded: Box<LoadedDataset>) {
    super::job_done(cx);
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
    cx.state.inform_about(Job::LoadDataset, NoticeKind::Info, text);
    cx.state.dataset.reset_for_new_data();
    // The model being designed follows the data set's classes (a preset's last layer, a binary
    // pair that no longer exists).
    cx.settings.model.fit_to(&data.classes);
    if let Some(choice) = cx.state.pending_data_choice.take() {
        cx.settings.data = choice;
    }
    cx.state.data = DataState::Ready(loaded);
}

/// The download finished; the worker loads the folder next.
pub(super) fn downloaded(cx: &mut Ctx<'_>, folder: PathBuf) {
    cx.state.download = None;
    let text = format!("Downloaded the full set into {}", folder.display());
    cx.state.inform_about(Job::DownloadDataset, NoticeKind::Info, text);
    cx.settings.data = DataChoice::Folder(folder);
    cx.state.data = DataState::Loading { since: std::time::Instant::now() };
}

/// Keep showing data already loaded; only a first load turns into the first-run panel.
pub(super) fn load_failed(cx: &mut Ctx<'_>, error: &str) {
    cx.state.pending_data_choice = None;
    if !matches!(cx.state.data, DataState::Ready(_)) {
        cx.state.data = DataState::Missing { error: error.to_owned() };
    }
}
