//! The worker thread's loop: one exhaustive match over the commands, events out. Each job runs
//! inside `catch_unwind`, so a bug in one job is reported as a failure and the worker lives on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};

mod data;

use super::dataset_jobs;
use super::dataset_store_jobs;
use super::model_jobs::{self, CurrentModel, EventSink};
use super::payloads::{ContinueRequest, RunsListing, TrainRequest};
use super::picture_jobs::{self, PicturesDone, PredictEnd};
use super::spec_files;
use super::{Command, Event, Job, JobError, Waker};
use crate::data::LoadedData;
use crate::data::store::DatasetStore;
use crate::runs::RunStore;
use crate::training::Control;
use crate::training::TrainConfig;

/// State owned by the worker thread: the channels, the loaded data and the current model.
pub(super) struct Worker {
    commands: Receiver<Command>,
    events: Sender<Event>,
    waker: Waker,
    control: Arc<Control>,
    cancel_download: Arc<AtomicBool>,
    /// The data set of the last successful load.
    data: Option<LoadedData>,
    /// The model that evaluates and predicts.
    model: Option<CurrentModel>,
    /// The run history (`None` when the platform has no user data folder).
    runs: Option<RunStore>,
    /// The imported data sets (`None`: none can be imported or opened).
    datasets: Option<DatasetStore>,
}

/// The folders the worker keeps things in; each `None` keeps nothing there.
pub(super) struct Stores {
    /// The run history.
    pub(super) runs: Option<RunStore>,
    /// The imported data sets.
    pub(super) datasets: Option<DatasetStore>,
}

impl Worker {
    pub(super) fn new(
        commands: Receiver<Command>,
        events: Sender<Event>,
        waker: Waker,
        control: Arc<Control>,
        cancel_download: Arc<AtomicBool>,
        stores: Stores,
    ) -> Self {
        let Stores { runs, datasets } = stores;
        Self { commands, events, waker, control, cancel_download, data: None, model: None, runs, datasets }
    }

    /// Runs until `Shutdown` or until the UI drops its end of either channel.
    pub(super) fn run(mut self) {
        while let Ok(command) = self.commands.recv() {
            // A cancel meant for an earlier job must not stop this one.
            self.control.reset();
            self.cancel_download.store(false, Ordering::SeqCst);
            let Some(job) = command.job() else { break };
            let outcome = catch_unwind(AssertUnwindSafe(|| self.handle(command)));
            let keep_going = outcome.unwrap_or_else(|panic| {
                let reason = panic
                    .downcast_ref::<&str>()
                    .map(|text| (*text).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown cause".to_owned());
                let error = JobError::Internal(reason);
                self.emit(Event::Failed { job, error })
            });
            if !keep_going {
                break;
            }
        }
    }

    /// Runs one command; `false` when the UI has gone.
    fn handle(&mut self, command: Command) -> bool {
        match command {
            Command::LoadDataset(request) => {
                self.start(Job::LoadDataset);
                let result = dataset_jobs::load(&request, self.datasets.as_ref());
                self.take_data(result)
            }
            Command::DownloadDataset => self.download(),
            Command::ListDatasets => {
                self.start(Job::Datasets);
                self.send_datasets(Ok(()))
            }
            Command::ImportDataset { source, options } => self.import(&source, &options),
            Command::PreviewImport { source, preprocessing } => self.preview_import(source, preprocessing),
            Command::RenameDataset { name, new_name } => {
                self.start(Job::Datasets);
                let renamed = dataset_store_jobs::store(self.datasets.as_ref())
                    .and_then(|store| store.rename(&name, &new_name).map_err(JobError::from));
                self.send_datasets(renamed.map(|_| ()))
            }
            Command::DeleteDataset { name } => {
                self.start(Job::Datasets);
                let deleted = dataset_store_jobs::store(self.datasets.as_ref())
                    .and_then(|store| store.delete(&name).map_err(JobError::from));
                self.send_datasets(deleted)
            }
            Command::SaveSpec { spec, path } => {
                self.start(Job::SaveSpec);
                self.finish(Job::SaveSpec, spec_files::save(&spec, &path).map(|()| Event::SpecSaved { path }))
            }
            Command::LoadSpec { path } => {
                self.start(Job::LoadSpec);
                self.finish(
                    Job::LoadSpec,
                    spec_files::load(&path).map(|spec| Event::SpecLoaded { path, spec }),
                )
            }
            Command::Train(request) => self.train(&request, None),
            Command::ContinueRun(request) => self.continue_run(&request),
            Command::Evaluate { tta } => self.evaluate(tta),
            Command::Explain { image, class_index } => {
                self.start(Job::Explain);
                let result = self
                    .current_model()
                    .and_then(|model| model_jobs::explain(model, image, class_index))
                    .map(|explanation| Event::Explained(Box::new(explanation)));
                self.finish(Job::Explain, result)
            }
            Command::Predict(request) => self.predict(&request),
            Command::ExportReport { report, folder } => {
                self.start(Job::ExportReport);
                let result = crate::evaluation::write_report_files(&report, &folder)
                    .map_err(JobError::from)
                    .map(|files| Event::ReportExported { folder, files });
                self.finish(Job::ExportReport, result)
            }
            Command::SaveModel { path } => {
                self.start(Job::SaveModel);
                let result = self
                    .model
                    .as_mut()
                    .ok_or(JobError::NoModel)
                    .and_then(|model| model_jobs::save(model, &path))
                    .map(|()| Event::ModelSaved { path });
                self.finish(Job::SaveModel, result)
            }
            Command::ExportOnnx { path } => {
                self.start(Job::ExportOnnx);
                let result = self
                    .current_model()
                    .and_then(|model| model_jobs::export_onnx(model, self.data.as_ref(), &path))
                    .map(|exported| Event::OnnxExported(Box::new(exported)));
                self.finish(Job::ExportOnnx, result)
            }
            Command::LoadModel { path } => {
                self.start(Job::LoadModel);
                let result = model_jobs::load_file(&path);
                self.take_model(result)
            }
            Command::OpenRun { id } => {
                self.start(Job::LoadModel);
                let result = self.run_store().and_then(|store| model_jobs::load_run(store, &id));
                self.take_model(result)
            }
            Command::ListRuns => self.list_runs(),
            Command::RenameRun { id, name } => {
                let renamed =
                    self.run_store().and_then(|store| store.rename(&id, &name).map_err(JobError::from));
                self.after_runs_change(renamed.map(drop))
            }
            Command::DeleteRun { id } => {
                let deleted = self.run_store().and_then(|store| store.delete(&id).map_err(JobError::from));
                if deleted.is_ok() && !self.forget_deleted_model(&id) {
                    return false;
                }
                self.after_runs_change(deleted)
            }
            Command::Crash => panic!("deliberate crash requested by a test"),
            // `run` stops before handing `Shutdown` here.
            Command::Shutdown => false,
        }
    }

    fn take_model(&mut self, result: Result<CurrentModel, JobError>) -> bool {
        match result {
            Ok(model) => {
                let info = model.info.clone();
                self.model = Some(model);
                self.emit(Event::ModelLoaded(Box::new(info)))
            }
            Err(error) => self.emit(Event::Failed { job: Job::LoadModel, error }),
        }
    }

    /// A deleted run's model is no longer the current one: its file is gone, so evaluating,
    /// saving or reopening it at the next start would be about something that no longer exists.
    fn forget_deleted_model(&mut self, id: &str) -> bool {
        let is_current = self
            .model
            .as_ref()
            .is_some_and(|model| model.info.origin == super::ModelOrigin::Run { id: id.to_owned() });
        if !is_current {
            return true;
        }
        let name = self.model.take().map(|model| model.info.name).unwrap_or_default();
        self.emit(Event::ModelCleared { name })
    }

    fn current_model(&self) -> Result<&CurrentModel, JobError> {
        self.model.as_ref().ok_or(JobError::NoModel)
    }

    fn run_store(&self) -> Result<&RunStore, JobError> {
        self.runs.as_ref().ok_or(JobError::NoStore("the run history"))
    }

    /// Loads the stored run's resume state and trains on from it under the run's name.
    fn continue_run(&mut self, request: &ContinueRequest) -> bool {
        let loaded = self.run_store().and_then(|store| {
            let record = store.get(&request.run_id).map_err(JobError::from)?;
            let state = store.load_resume(&request.run_id).map_err(JobError::from)?;
            Ok((record, state))
        });
        let (record, state) = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                self.start(Job::Train);
                return self.emit(Event::Failed { job: Job::Train, error });
            }
        };
        let train = TrainRequest {
            name: record.name,
            preset: record.preset,
            spec: state.spec.clone(),
            config: TrainConfig { epochs: request.total_epochs, ..state.config.clone() },
            threads: request.threads,
        };
        self.train(&train, Some(&model_jobs::Continued { run_id: request.run_id.clone(), state }))
    }

    fn train(&mut self, request: &TrainRequest, continued: Option<&model_jobs::Continued>) -> bool {
        self.start(Job::Train);
        let Some(data) = self.data.clone() else {
            return self.emit(Event::Failed { job: Job::Train, error: JobError::NoData });
        };
        let events = &self.events;
        let waker = &self.waker;
        let send = |event: Event| {
            let _ = events.send(event);
            waker();
        };
        let mut started =
            |info: &crate::training::TrainingStarted| send(Event::TrainingStarted(info.clone()));
        // Batch events are optional: when the UI is not draining (a minimised window) they are
        // dropped rather than letting a full channel slow training down.
        let mut last_wake: Option<Instant> = None;
        let mut batch = |metrics: &crate::training::BatchMetrics| {
            let room = events.capacity().is_none_or(|capacity| events.len() < capacity / 2);
            if room {
                let _ = events.try_send(Event::BatchFinished(*metrics));
                if last_wake.is_none_or(|woken| woken.elapsed() >= model_jobs::TRAINING_WAKE_INTERVAL) {
                    last_wake = Some(Instant::now());
                    waker();
                }
            }
        };
        let mut epoch = |metrics: &crate::training::EpochMetrics| send(Event::EpochFinished(*metrics));
        let mut sink =
            EventSink { started: &mut started, batch: &mut batch, epoch: &mut epoch, last_batch_event: None };
        let result =
            model_jobs::train(&data, request, continued, self.runs.as_ref(), &mut sink, &self.control);
        match result {
            Ok((model, training)) => {
                if training.made_current {
                    self.model = Some(model);
                }
                self.emit(Event::TrainingFinished(Box::new(training)))
            }
            Err(error) => self.emit(Event::Failed { job: Job::Train, error }),
        }
    }

    /// Predicts pictures, handing out outcomes as they are done; Cancel stops between two.
    fn predict(&self, request: &super::PredictRequest) -> bool {
        self.start(Job::Predict);
        let mut connected = true;
        let end = picture_jobs::predict(self.model.as_ref(), request, &self.cancel_download, &mut |done| {
            let PicturesDone { outcomes, done, total } = done;
            connected &= self.emit(Event::PicturesProgressed { outcomes, done, total });
        });
        connected
            && match end {
                PredictEnd::Finished(outcomes) => self.emit(Event::PicturesPredicted(outcomes)),
                PredictEnd::Cancelled => self.emit(Event::Cancelled(Job::Predict)),
            }
    }

    fn evaluate(&mut self, tta: crate::evaluation::TestTimeAugmentation) -> bool {
        self.start(Job::Evaluate);
        let result = match (&mut self.model, &self.data) {
            (None, _) => Err(JobError::NoModel),
            (_, None) => Err(JobError::NoData),
            (Some(model), Some(data)) => {
                let events = &self.events;
                let waker = &self.waker;
                model_jobs::evaluate(model, data, tta, &mut |done, total| {
                    let _ = events.try_send(Event::EvaluationProgressed { done, total });
                    waker();
                })
            }
        };
        self.finish(Job::Evaluate, result.map(|evaluation| Event::EvaluationFinished(Box::new(evaluation))))
    }

    fn list_runs(&self) -> bool {
        self.start(Job::Runs);
        let listing = self.run_store().and_then(|store| store.list().map_err(JobError::from));
        self.finish(
            Job::Runs,
            listing.map(|list| {
                Event::RunsListed(RunsListing {
                    runs: list.runs,
                    warnings: list.warnings.iter().map(|warning| format!("{warning:#}")).collect(),
                })
            }),
        )
    }

    /// Reports a failed change, then lists the history as it now is either way.
    fn after_runs_change(&self, change: Result<(), JobError>) -> bool {
        if let Err(error) = change
            && !self.emit(Event::Failed { job: Job::Runs, error })
        {
            return false;
        }
        self.list_runs()
    }

    fn start(&self, job: Job) -> bool {
        self.emit(Event::JobStarted(job))
    }

    /// Sends the job's result, or its failure; `false` when the UI has gone.
    fn finish(&self, job: Job, result: Result<Event, JobError>) -> bool {
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
