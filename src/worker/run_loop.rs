//! The worker thread's loop: one exhaustive match over the commands, events out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{Receiver, Sender};

use super::dataset_jobs::{self, DownloadOutcome};
use super::spec_files;
use super::{Command, Event, Job, Waker};
use crate::training::Control;

/// State owned by the worker thread.
pub(super) struct Worker {
    commands: Receiver<Command>,
    events: Sender<Event>,
    waker: Waker,
    control: Arc<Control>,
    cancel_download: Arc<AtomicBool>,
}

impl Worker {
    pub(super) fn new(
        commands: Receiver<Command>,
        events: Sender<Event>,
        waker: Waker,
        control: Arc<Control>,
        cancel_download: Arc<AtomicBool>,
    ) -> Self {
        Self { commands, events, waker, control, cancel_download }
    }

    /// Runs until `Shutdown` or until the UI drops its end of either channel.
    pub(super) fn run(self) {
        while let Ok(command) = self.commands.recv() {
            // A cancel meant for an earlier job must not stop this one.
            self.control.reset();
            self.cancel_download.store(false, Ordering::SeqCst);
            let keep_going = match command {
                Command::LoadDataset(request) => {
                    self.start(Job::LoadDataset);
                    self.finish(
                        Job::LoadDataset,
                        dataset_jobs::load(&request).map(Box::new).map(Event::DatasetLoaded),
                    )
                }
                Command::DownloadDataset => self.download(),
                Command::SaveSpec { spec, path } => {
                    self.start(Job::SaveSpec);
                    self.finish(
                        Job::SaveSpec,
                        spec_files::save(&spec, &path).map(|()| Event::SpecSaved { path }),
                    )
                }
                Command::LoadSpec { path } => {
                    self.start(Job::LoadSpec);
                    self.finish(
                        Job::LoadSpec,
                        spec_files::load(&path).map(|spec| Event::SpecLoaded { path, spec }),
                    )
                }
                Command::Shutdown => false,
            };
            if !keep_going {
                break;
            }
        }
    }

    fn download(&self) -> bool {
        self.start(Job::DownloadDataset);
        let outcome = dataset_jobs::download(&self.cancel_download, &mut |step| {
            self.emit(Event::DownloadProgressed(step.clone()))
        });
        match outcome {
            Ok(DownloadOutcome::Finished(folder)) => {
                let request = super::DataRequest::Folder(folder.clone());
                self.emit(Event::DownloadFinished { folder })
                    && self.finish(
                        Job::LoadDataset,
                        dataset_jobs::load(&request).map(Box::new).map(Event::DatasetLoaded),
                    )
            }
            Ok(DownloadOutcome::Cancelled) => self.emit(Event::Cancelled(Job::DownloadDataset)),
            Err(error) => self.emit(Event::Failed { job: Job::DownloadDataset, error }),
        }
    }

    fn start(&self, job: Job) -> bool {
        self.emit(Event::JobStarted(job))
    }

    /// Sends the job's result, or its failure; `false` when the UI has gone.
    fn finish(&self, job: Job, result: Result<Event, String>) -> bool {
        match result {
            Ok(event) => self.emit(event),
            Err(error) => self.emit(Event::Failed { job, error }),
        }
    }

    /// Sends one event and wakes the UI; `false` when the UI has gone.
    fn emit(&self, event: Event) -> bool {
        let sent = self.events.send(event).is_ok();
        (self.waker)();
        sent
    }
}
