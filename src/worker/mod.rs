//! The background thread that owns every tensor and every file the app touches, and its handle.
//!
//! The UI sends [`Command`]s and drains [`Event`]s each frame; both channels are bounded. A shared
//! `Control` (cancel, pause, learning rate) lets the UI steer a running job without queueing behind it. The worker wakes the UI
//! through an injected callback, so this module never depends on egui.

mod dataset_jobs;
mod dataset_store_jobs;
mod job_error;
mod model_jobs;
mod payloads;
mod picture_jobs;
mod protocol;
mod run_loop;
mod spec_files;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use crate::data::store::DatasetStore;
use crate::runs::RunStore;
use crate::training::Control;

pub use dataset_jobs::overview;
pub use dataset_store_jobs::ImportSummary;
pub use job_error::JobError;
pub use payloads::{
    ContinueRequest, EvaluationResult, Explanation, InMemoryPicture, ModelInfo, ModelOrigin, OnnxExported,
    PictureContent, PictureOutcome, PictureResult, PredictRequest, RunsListing, TrainRequest, TrainingResult,
};
pub use protocol::{Command, DataRequest, Event, Job, LoadedDataset, SplitOverview};

/// Called by the worker after each event it sends (the GUI passes `ctx.request_repaint()`).
/// `Sync` too, so training can report from inside a thread pool of the size the user chose.
pub type Waker = Box<dyn Fn() + Send + Sync>;

/// Commands waiting beyond this many mean the worker is stuck; the UI is told instead of blocking.
const COMMAND_CAPACITY: usize = 16;
/// Enough for a burst of progress events between two frames.
const EVENT_CAPACITY: usize = 256;

/// Why a command could not be handed to the worker.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The queue is full: the worker is busy with a long job.
    #[error("the worker is busy; try again when the current job ends")]
    Busy,
    /// The worker thread has ended (it panicked or was shut down).
    #[error("the worker thread has stopped; restart Atelier")]
    Stopped,
}

/// Where the worker keeps what it stores.
#[derive(Debug, Clone, Default)]
pub struct WorkerOptions {
    /// The run history's folder (the app passes `RunStore::default_dir()`, tests a temporary
    /// one); `None` keeps no history, so nothing is written outside what the caller names.
    pub runs_dir: Option<std::path::PathBuf>,
    /// The imported data sets' folder (the app passes `DatasetStore::default_root()`, tests a
    /// temporary one); `None`: nothing can be imported.
    pub datasets_dir: Option<std::path::PathBuf>,
}

/// The UI's end of the worker: send commands, drain events, cancel the running job.
pub struct WorkerHandle {
    commands: Sender<Command>,
    events: Receiver<Event>,
    /// Training's cancel/pause/learning-rate switch, checked between batches.
    control: Arc<Control>,
    /// The download's cancel flag (the data module takes a plain flag).
    cancel_download: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    /// Starts the `atelier-worker` thread without a run history.
    ///
    /// # Errors
    /// The operating system refused to create the thread.
    pub fn spawn(waker: Waker) -> std::io::Result<Self> {
        Self::spawn_with(waker, &WorkerOptions::default())
    }

    /// Starts the `atelier-worker` thread with its storage where `options` say.
    ///
    /// # Errors
    /// The operating system refused to create the thread.
    pub fn spawn_with(waker: Waker, options: &WorkerOptions) -> std::io::Result<Self> {
        let runs = options.runs_dir.as_ref().map(RunStore::at);
        let (command_tx, command_rx) = crossbeam_channel::bounded(COMMAND_CAPACITY);
        let (event_tx, event_rx) = crossbeam_channel::bounded(EVENT_CAPACITY);
        let control = Arc::new(Control::new());
        let cancel_download = Arc::new(AtomicBool::new(false));
        let worker = run_loop::Worker::new(
            command_rx,
            event_tx,
            waker,
            Arc::clone(&control),
            Arc::clone(&cancel_download),
            run_loop::Stores { runs, datasets: options.datasets_dir.as_ref().map(DatasetStore::new) },
        );
        let thread =
            std::thread::Builder::new().name("atelier-worker".to_owned()).spawn(move || worker.run())?;
        Ok(Self { commands: command_tx, events: event_rx, control, cancel_download, thread: Some(thread) })
    }

    /// Queues a command without ever blocking the caller.
    ///
    /// # Errors
    /// [`SendError::Busy`] when the queue is full, [`SendError::Stopped`] when the thread is gone.
    pub fn send(&self, command: Command) -> Result<(), SendError> {
        self.commands.try_send(command).map_err(|error| match error {
            TrySendError::Full(_) => SendError::Busy,
            TrySendError::Disconnected(_) => SendError::Stopped,
        })
    }

    /// The next event, if one is waiting.
    #[must_use]
    pub fn try_recv(&self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// Asks the running job (a download, training) to stop at its next check.
    pub fn cancel(&self) {
        self.cancel_download.store(true, Ordering::SeqCst);
        self.control.cancel();
    }

    /// The shared control of the running training (pause, resume, learning rate), which works
    /// while the worker is busy inside `train()`.
    #[must_use]
    pub fn control(&self) -> &Control {
        &self.control
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.cancel();
        // A full queue still ends the loop: the closed channel stops it after the current job.
        let _ = self.commands.try_send(Command::Shutdown);
        // Dropping our receiver lets a worker blocked on a full event channel return.
        let (_, closed) = crossbeam_channel::bounded(0);
        drop(std::mem::replace(&mut self.events, closed));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
