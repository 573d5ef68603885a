//! The Predict tab's list of pictures and its bookkeeping with the worker: which requests are in
//! flight, how their answers (folders expanded, failures included) update the list, and how to ask
//! again after a model change or a toggled step. Pure logic, no drawing.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use crate::picture::PrepOptions;
use crate::worker::{InMemoryPicture, PictureOutcome, PredictRequest};

pub use super::picture_row::{Picture, PictureSource, PictureStatus, Warning, low_confidence};

/// A request sent to the worker and not answered yet. Answers come back in the order sent.
#[derive(Debug, Clone)]
struct InFlight {
    /// The preprocessing it asked for (given to pictures a folder turns out to hold).
    options: PrepOptions,
    /// Names it covers, to fail them if the job dies.
    names: Vec<PathBuf>,
    /// Folders in it, shown as "reading…" until the answer lists their pictures.
    folders: Vec<PathBuf>,
    /// The list was cleared after sending: drop the answer.
    discard: bool,
    /// Pictures done and in all, once the worker has reported on a big request.
    progress: Option<(usize, usize)>,
    /// What the outcomes reported so far came to.
    tally: Tally,
}

/// What a request's outcomes came to, for the status line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Pictures predicted by a model.
    pub predicted: usize,
    /// Pictures prepared with no model to predict them.
    pub prepared_only: usize,
    /// Pictures that could not be read.
    pub failed: usize,
}

impl Tally {
    /// `self` plus what `outcomes` came to.
    #[must_use]
    pub fn plus(mut self, outcomes: &[PictureOutcome]) -> Self {
        for outcome in outcomes {
            match &outcome.result {
                Ok(result) if result.prediction.is_some() => self.predicted += 1,
                Ok(_) => self.prepared_only += 1,
                Err(_) => self.failed += 1,
            }
        }
        self
    }
}

/// The pictures and the requests in flight.
#[derive(Debug, Default)]
pub struct PictureList {
    /// The pictures, in the order they came.
    pub pictures: Vec<Picture>,
    in_flight: VecDeque<InFlight>,
    revisions: u64,
}

/// What to add to the list.
#[derive(Debug, Clone)]
pub enum NewPicture {
    /// A file or a folder (the worker expands folders; the UI never reads the disk).
    Path(PathBuf),
    /// Bytes or pixels under a display name.
    Memory(InMemoryPicture),
}

impl PictureList {
    /// Position of the picture called `name`.
    #[must_use]
    pub fn position(&self, name: &Path) -> Option<usize> {
        self.pictures.iter().position(|picture| picture.name == name)
    }

    /// Whether any answer is awaited.
    #[must_use]
    pub fn is_waiting(&self) -> bool {
        self.in_flight.iter().any(|request| !request.discard)
    }

    /// Folders sent and not answered yet.
    pub fn pending_folders(&self) -> impl Iterator<Item = &Path> {
        self.in_flight
            .iter()
            .filter(|request| !request.discard)
            .flat_map(|r| r.folders.iter().map(PathBuf::as_path))
    }

    /// Adds `new` (replacing pictures of the same name) and returns the request to send. Folders
    /// get no row of their own: their pictures join the list when the answer names them.
    pub fn add(&mut self, new: Vec<NewPicture>, options: PrepOptions) -> PredictRequest {
        let mut request = PredictRequest { options, ..PredictRequest::default() };
        for item in new {
            let (name, source) = match item {
                NewPicture::Path(path) if looks_like_folder(&path) => {
                    request.paths.push(path);
                    continue;
                }
                NewPicture::Path(path) => {
                    request.paths.push(path.clone());
                    (path, PictureSource::File)
                }
                NewPicture::Memory(picture) => {
                    let source = PictureSource::Memory(picture.content.clone());
                    let name = picture.name.clone();
                    request.in_memory.push(picture);
                    (name, source)
                }
            };
            let revision = self.next_revision();
            let picture = Picture { name, source, options, status: PictureStatus::Waiting, revision };
            match self.position(&picture.name) {
                Some(index) => self.pictures[index] = picture,
                None => self.pictures.push(picture),
            }
        }
        request
    }

    fn next_revision(&mut self) -> u64 {
        self.revisions += 1;
        self.revisions
    }

    /// Requests to predict again the pictures at `indices` with their own options (one request
    /// per distinct set of options); they show "waiting" meanwhile only if they had no result.
    #[must_use]
    pub fn resend(&mut self, indices: &[usize]) -> Vec<PredictRequest> {
        let mut requests: Vec<PredictRequest> = Vec::new();
        for &index in indices {
            let Some(picture) = self.pictures.get_mut(index) else { continue };
            let request = match requests.iter_mut().find(|request| request.options == picture.options) {
                Some(request) => request,
                None => {
                    requests.push(PredictRequest { options: picture.options, ..PredictRequest::default() });
                    let last = requests.len() - 1;
                    &mut requests[last]
                }
            };
            match &picture.source {
                PictureSource::File => request.paths.push(picture.name.clone()),
                PictureSource::Memory(content) => request
                    .in_memory
                    .push(InMemoryPicture { name: picture.name.clone(), content: content.clone() }),
            }
            if matches!(picture.status, PictureStatus::Failed(_)) {
                picture.status = PictureStatus::Waiting;
                self.revisions += 1;
                picture.revision = self.revisions;
            }
        }
        requests
    }

    /// Indices of the pictures to predict again after a model change: those with a result. (Waiting
    /// ones are answered by the new model anyway: the worker runs commands in order. Those that
    /// could not be read would fail again.)
    #[must_use]
    pub fn predictable(&self) -> Vec<usize> {
        (0..self.pictures.len())
            .filter(|&index| matches!(self.pictures[index].status, PictureStatus::Ready(_)))
            .collect()
    }

    /// Records that `request` was handed to the worker.
    pub fn sent(&mut self, request: &PredictRequest) {
        let folders: Vec<PathBuf> =
            request.paths.iter().filter(|path| looks_like_folder(path)).cloned().collect();
        let names = request
            .paths
            .iter()
            .cloned()
            .chain(request.in_memory.iter().map(|picture| picture.name.clone()))
            .collect();
        self.in_flight.push_back(InFlight {
            options: request.options,
            names,
            folders,
            discard: false,
            progress: None,
            tally: Tally::default(),
        });
    }

    /// Pictures done and in all of the request being answered, once the worker has said.
    #[must_use]
    pub fn progress(&self) -> Option<(usize, usize)> {
        self.in_flight.front().filter(|request| !request.discard).and_then(|request| request.progress)
    }

    /// What the outcomes reported so far for the request being answered came to.
    #[must_use]
    pub fn tally(&self) -> Tally {
        self.in_flight.front().map(|request| request.tally).unwrap_or_default()
    }

    /// Some of the oldest request's pictures are done: their rows fill (a folder's join the list)
    /// while the rest are still on their way. Returns the position of the first picture answered.
    pub fn on_progress(&mut self, outcomes: Vec<PictureOutcome>, done: usize, total: usize) -> Option<usize> {
        let request = self.in_flight.front_mut()?;
        if request.discard {
            return None;
        }
        request.progress = Some((done, total));
        request.tally = request.tally.plus(&outcomes);
        let options = request.options;
        self.fill(outcomes, options)
    }

    /// The oldest request was cancelled: what was done stays, the rows of files never reached go.
    pub fn on_cancelled(&mut self) {
        let Some(request) = self.in_flight.pop_front() else { return };
        if request.discard {
            return;
        }
        for name in &request.names {
            if let Some(index) = self.position(name)
                && matches!(self.pictures[index].status, PictureStatus::Waiting)
            {
                self.pictures.remove(index);
            }
        }
    }

    /// The answer to the oldest request: results replace the pictures of the same name; the
    /// pictures of a folder join the list. Returns the position of the first picture answered.
    pub fn on_predicted(&mut self, outcomes: Vec<PictureOutcome>) -> Option<usize> {
        let request = self.in_flight.pop_front();
        if request.as_ref().is_some_and(|request| request.discard) {
            return None;
        }
        let options = request.as_ref().map(|request| request.options).unwrap_or_default();
        // A name the answer does not mention was a folder after all: its pictures replace it.
        for name in request.iter().flat_map(|request| &request.names) {
            if !outcomes.iter().any(|outcome| &outcome.path == name)
                && let Some(index) = self.position(name)
                && matches!(self.pictures[index].status, PictureStatus::Waiting)
            {
                self.pictures.remove(index);
            }
        }
        self.fill(outcomes, options)
    }

    /// Outcomes replace the pictures of the same name, or join the list; the first one's position.
    fn fill(&mut self, outcomes: Vec<PictureOutcome>, options: PrepOptions) -> Option<usize> {
        let mut first = None;
        for outcome in outcomes {
            let status = match outcome.result {
                Ok(result) => PictureStatus::Ready(Box::new(result)),
                Err(error) => PictureStatus::Failed(error),
            };
            let revision = self.next_revision();
            let index = match self.position(&outcome.path) {
                Some(index) => {
                    let picture = &mut self.pictures[index];
                    picture.status = status;
                    picture.revision = revision;
                    index
                }
                None => {
                    let source = PictureSource::File;
                    self.pictures.push(Picture { name: outcome.path, source, options, status, revision });
                    self.pictures.len() - 1
                }
            };
            first.get_or_insert(index);
        }
        first
    }

    /// The oldest request's job failed as a whole: its waiting pictures say why.
    pub fn on_failed(&mut self, error: &str) {
        let Some(request) = self.in_flight.pop_front() else { return };
        if request.discard {
            return;
        }
        for name in &request.names {
            self.fail_waiting(name, error);
        }
    }

    fn fail_waiting(&mut self, name: &Path, error: &str) {
        if let Some(index) = self.position(name)
            && matches!(self.pictures[index].status, PictureStatus::Waiting)
        {
            let revision = self.next_revision();
            let picture = &mut self.pictures[index];
            picture.status = PictureStatus::Failed(error.to_owned());
            picture.revision = revision;
        }
    }

    /// `request` could not be sent: its waiting pictures say why.
    pub fn fail(&mut self, request: &PredictRequest, error: &str) {
        let names = request.paths.iter().chain(request.in_memory.iter().map(|picture| &picture.name));
        for name in names {
            self.fail_waiting(name, error);
        }
    }

    /// Forgets every picture; answers still on their way are dropped.
    pub fn clear(&mut self) {
        self.pictures.clear();
        for request in &mut self.in_flight {
            request.discard = true;
        }
    }
}

/// Whether `path` names a folder rather than a picture, judged by its name alone (the UI thread
/// does not touch the disk): it has no extension. A wrong guess only changes a placeholder: a file
/// without extension gets its row when the answer comes; the row of a folder called `photos.png`
/// gives way to its pictures' rows.
#[must_use]
pub fn looks_like_folder(path: &Path) -> bool {
    path.extension().is_none()
}

#[cfg(test)]
#[path = "pictures_tests.rs"]
mod tests;
