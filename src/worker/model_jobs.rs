//! Model jobs on the worker: training (progress turned into throttled events), evaluation, the
//! occlusion map, and saving, exporting (ONNX) or opening the current model.

use std::path::Path;
use std::time::{Duration, Instant};

use candle_core::Device;

use super::JobError;
use super::payloads::{
    EvaluationResult, Explanation, ModelInfo, ModelOrigin, OnnxExported, TrainRequest, TrainingResult,
};
use crate::data::{DataSource, LoadedData};
use crate::evaluation::TestTimeAugmentation;
use crate::inference::{Evaluation, Predictor};
use crate::model_file::{self, LoadedModel, ModelMetadata, onnx};
use crate::runs::{RunRecord, RunStore};
use crate::training::{
    self, BatchMetrics, Control, EpochMetrics, ProgressSink, ResumeState, Start, StopReason, TrainSummary,
    TrainingData, TrainingStarted,
};

/// Batch events at most this often: enough for live plots, too few to slow training. Each event
/// wakes the UI for a frame; at 20 a second the frames (software-rendered under Xvfb) took a
/// third of a 2-core machine from the dense preset's training.
const BATCH_EVENT_INTERVAL: Duration = Duration::from_millis(200);
/// While training, batch events wake the UI at most this often (they queue up in between and are
/// drawn together): each wake costs a frame, ~60 ms of CPU when the window is software-rendered,
/// which at five a second took a fifth of the training speed on two cores.
pub(super) const TRAINING_WAKE_INTERVAL: Duration = Duration::from_millis(500);
/// Side of the occlusion patch, in pixels, and its step.
const OCCLUSION_PATCH: usize = 6;
const OCCLUSION_STRIDE: usize = 2;

/// The model the worker answers with; the UI only ever sees its [`ModelInfo`].
pub(super) struct CurrentModel {
    pub(super) predictor: Predictor,
    pub(super) info: ModelInfo,
    pub(super) metadata: ModelMetadata,
    /// The test-time augmentation its file says (as opened, or as last saved).
    pub(super) saved_tta: TestTimeAugmentation,
}

/// Where training progress goes: a callback that sends one event and says whether the UI is
/// still there, and whether the event channel has room for an optional one.
pub(super) struct EventSink<'a> {
    pub(super) started: &'a mut (dyn FnMut(&TrainingStarted) + Send),
    pub(super) batch: &'a mut (dyn FnMut(&BatchMetrics) + Send),
    pub(super) epoch: &'a mut (dyn FnMut(&EpochMetrics) + Send),
    pub(super) last_batch_event: Option<Instant>,
}

impl ProgressSink for EventSink<'_> {
    fn started(&mut self, info: &TrainingStarted) {
        (self.started)(info);
    }

    fn batch_finished(&mut self, metrics: &BatchMetrics) {
        let last_of_epoch = metrics.batch == metrics.batches_per_epoch;
        if last_of_epoch || self.last_batch_event.is_none_or(|sent| sent.elapsed() >= BATCH_EVENT_INTERVAL) {
            self.last_batch_event = Some(Instant::now());
            (self.batch)(metrics);
        }
    }

    fn epoch_finished(&mut self, metrics: &EpochMetrics) {
        (self.epoch)(metrics);
    }
}

/// A stored run being continued: its id and the state it stopped in.
pub(super) struct Continued {
    pub(super) run_id: String,
    pub(super) state: ResumeState,
}

/// Trains as `request` says (from fresh weights, or on from `continued`) and stores the run with
/// its resume state; the trained network is returned together with the result for the UI, whose
/// `made_current` says whether it should replace the current model.
pub(super) fn train(
    data: &LoadedData,
    request: &TrainRequest,
    continued: Option<&Continued>,
    runs: Option<&RunStore>,
    sink: &mut EventSink<'_>,
    control: &Control,
) -> Result<(CurrentModel, TrainingResult), JobError> {
    let training_data = TrainingData::from(data);
    let start = match continued {
        Some(continued) => {
            if continued.state.dataset_checksum.as_deref().is_some_and(|sum| sum != data.fingerprint()) {
                return Err(JobError::OtherData { run_id: continued.run_id.clone() });
            }
            Start::Resume(&continued.state)
        }
        None => Start::Fresh(&request.spec),
    };
    let mut run = || training::train_from(&training_data, start, &request.config, sink, control);
    let outcome = match request.threads {
        // A pool of the chosen size for this run only: the global one cannot change size once started.
        Some(threads) if threads != rayon::current_num_threads() => rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("atelier-train-{i}"))
            .build()
            .map_err(|error| JobError::Threads { threads, reason: error.to_string() })?
            .install(run),
        _ => run(),
    }
    .map_err(JobError::from)?;
    let tta = request.config.test_time_augmentation;
    let predictor = Predictor::with_classes(outcome.network, &data.classes).with_tta(tta);
    // The report comes from the loop's own test pass (the test split is run through once), whose
    // answers use the config's test-time augmentation: what the model does.
    let report = match &outcome.test_predictions {
        Some(test) if test.targets.is_empty() => None,
        Some(test) => Some(predictor.test_predictions(test).map_err(JobError::from)?.report()),
        None => None,
    };
    let summary: TrainSummary = outcome.summary;
    let mut resume = outcome.resume;
    resume.dataset_checksum = Some(data.fingerprint());
    let mut record = RunRecord::from_training(
        &request.name,
        request.preset,
        &request.spec,
        &request.config,
        &summary,
        report,
    );
    let identity = data.identity();
    record.dataset = Some(identity.clone());
    record.continued_from = continued.map(|continued| continued.run_id.clone());
    let mut metadata = ModelMetadata::new(predictor.network(), identity);
    metadata.train_config = Some(request.config.clone());
    metadata.tta = tta;
    metadata.report.clone_from(&record.report);
    let run = match runs {
        Some(store) => store
            .save_with_resume(record, predictor.network(), Some(&resume))
            .map_err(|error| error.to_string()),
        None => Err(JobError::NoStore("the run history").to_string()),
    };
    let origin = match &run {
        Ok(stored) => ModelOrigin::Run { id: stored.id.clone() },
        Err(_) => ModelOrigin::Unsaved,
    };
    let info = ModelInfo {
        name: request.name.clone(),
        spec: request.spec.clone(),
        params: request.spec.param_count().unwrap_or(0),
        origin,
        // With flip TTA the report says what the model does; the loop measured it without.
        test_accuracy: metadata.report.as_ref().map(|report| report.accuracy).or(summary.test_accuracy),
        output_names: predictor.class_names(),
        dataset: metadata.dataset.clone(),
        tta: metadata.tta,
        tta_unsaved: false,
    };
    let made_current = replaces_current_model(summary.stop_reason);
    let model = CurrentModel { predictor, info: info.clone(), saved_tta: metadata.tta, metadata };
    Ok((model, TrainingResult { summary, model: info, run, made_current }))
}

/// Only a run that ended as planned takes the place of the current model: a diverged network (or
/// one stopped half-way) must not push out a good model the user already has.
#[must_use]
pub(super) fn replaces_current_model(reason: StopReason) -> bool {
    match reason {
        StopReason::Completed | StopReason::EarlyStopped { .. } => true,
        StopReason::Cancelled | StopReason::Diverged { .. } => false,
    }
}

/// Predicts the whole test split with the current model and `tta`, reporting progress. On success
/// `tta` becomes the model's setting (Predict follows it; saving writes it); on failure the
/// model keeps the one it had.
pub(super) fn evaluate(
    model: &mut CurrentModel,
    data: &LoadedData,
    tta: TestTimeAugmentation,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<EvaluationResult, JobError> {
    // A model evaluated on other classes would print confident nonsense: refuse, naming both.
    let mut data_identity = model.info.dataset.clone();
    data_identity.name.clone_from(&data.name);
    data_identity.classes = data.classes.clone();
    model.info.dataset.check_compatible(&data_identity).map_err(JobError::from)?;
    let before = model.predictor.tta();
    model.predictor.set_tta(tta);
    let evaluation: Evaluation = match model.predictor.evaluate(&data.test, progress) {
        Ok(evaluation) => evaluation,
        Err(error) => {
            model.predictor.set_tta(before);
            return Err(JobError::from(error));
        }
    };
    model.metadata.tta = tta;
    model.info.tta = tta;
    model.info.tta_unsaved = tta != model.saved_tta;
    Ok(EvaluationResult { model: model.info.clone(), evaluation })
}

/// The occlusion map of `image` for output `class_index`.
pub(super) fn explain(
    model: &CurrentModel,
    image: Vec<u8>,
    class_index: usize,
) -> Result<Explanation, JobError> {
    let map = model
        .predictor
        .occlusion_map(&image, class_index, OCCLUSION_PATCH, OCCLUSION_STRIDE)
        .map_err(JobError::from)?;
    Ok(Explanation { image, map })
}

/// Writes the current model, its test-time augmentation included, to `path` (atomically; a
/// failure leaves any previous file intact).
pub(super) fn save(model: &mut CurrentModel, path: &Path) -> Result<(), JobError> {
    model_file::save_model(path, model.predictor.network(), &model.metadata).map_err(JobError::from)?;
    model.saved_tta = model.metadata.tta;
    model.info.tta_unsaved = false;
    Ok(())
}

/// Exports the current model as ONNX, checked on the first test pictures of the loaded data set
/// (of the bundled sample when none is loaded) before the file is written.
pub(super) fn export_onnx(
    model: &CurrentModel,
    data: Option<&LoadedData>,
    path: &Path,
) -> Result<OnnxExported, JobError> {
    let sample;
    let data = match data {
        Some(data) => data,
        None => {
            sample = crate::data::load_sample().map_err(JobError::from)?;
            &sample
        }
    };
    let checked_on = match &data.source {
        DataSource::Sample { .. } => "the bundled sample's test pictures".to_owned(),
        DataSource::Folder { dir, .. } | DataSource::Imported { dir, .. } => {
            format!("the test pictures in {}", dir.display())
        }
    };
    let test = &data.test;
    let images: Vec<&[u8]> = (0..test.len().min(onnx::CHECK_IMAGES)).map(|i| test.image(i)).collect();
    let export = onnx::export_onnx(path, model.predictor.network(), &model.metadata, &images)
        .map_err(JobError::from)?;
    Ok(OnnxExported { model_name: model.info.name.clone(), export, checked_on })
}

/// Opens a model file as the current model.
pub(super) fn load_file(path: &Path) -> Result<CurrentModel, JobError> {
    let loaded = model_file::load_model(path, &Device::Cpu).map_err(JobError::from)?;
    let name = path
        .file_stem()
        .map_or_else(|| path.display().to_string(), |stem| stem.to_string_lossy().into_owned());
    Ok(current(loaded, name, ModelOrigin::File(path.to_path_buf())))
}

/// Opens stored run `id`'s model as the current model.
pub(super) fn load_run(store: &RunStore, id: &str) -> Result<CurrentModel, JobError> {
    let record = store.get(id).map_err(JobError::from)?;
    let loaded = store.load_model(id, &Device::Cpu).map_err(JobError::from)?;
    Ok(current(loaded, record.name, ModelOrigin::Run { id: id.to_owned() }))
}

fn current(loaded: LoadedModel, name: String, origin: ModelOrigin) -> CurrentModel {
    let spec = loaded.network.spec().clone();
    let test_accuracy = loaded.metadata.report.as_ref().map(|report| report.accuracy);
    let output_names = loaded.metadata.output_names();
    let dataset = loaded.metadata.dataset.clone();
    let info = ModelInfo {
        name,
        params: spec.param_count().unwrap_or(0),
        spec,
        origin,
        test_accuracy,
        dataset,
        output_names,
        tta: loaded.metadata.tta,
        tta_unsaved: false,
    };
    let metadata = loaded.metadata.clone();
    CurrentModel { predictor: Predictor::from(loaded), info, saved_tta: metadata.tta, metadata }
}
