//! The worker's model jobs end to end on the bundled sample: train (events in order, the run
//! stored), evaluate, save and reopen, predict files, the run history, and a crashed job that
//! leaves the worker usable.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use atelier::evaluation::TestTimeAugmentation;
use atelier::model::{LayerSpec, ModelSpec, Task};
use atelier::picture::PrepOptions;
use atelier::training::{StopReason, TrainConfig};
use atelier::worker::{
    Command, ContinueRequest, DataRequest, Event, Job, JobError, ModelOrigin, PredictRequest, TrainRequest,
    WorkerHandle, WorkerOptions,
};

fn worker(runs_dir: &Path) -> WorkerHandle {
    let options = WorkerOptions { runs_dir: Some(runs_dir.to_path_buf()), datasets_dir: None };
    WorkerHandle::spawn_with(Box::new(|| {}), &options).expect("worker starts")
}

/// The next event that is not a start, progress or batch notice (the test fails after 60 s).
fn next_result(worker: &WorkerHandle) -> Event {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match worker.try_recv() {
            Some(
                Event::JobStarted(_)
                | Event::BatchFinished(_)
                | Event::EpochFinished(_)
                | Event::TrainingStarted(_)
                | Event::EvaluationProgressed { .. },
            ) => {}
            Some(event) => return event,
            None => {
                assert!(Instant::now() < deadline, "no result from the worker");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

fn tiny_request(epochs: usize) -> TrainRequest {
    let spec = ModelSpec {
        name: "tiny".to_owned(),
        task: Task::all(10),
        layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: 10 }],
    };
    let config = TrainConfig { epochs, batch_size: 32, ..TrainConfig::default() };
    TrainRequest { name: "tiny run".to_owned(), preset: None, spec, config, threads: None }
}

fn loaded_worker(runs_dir: &Path) -> WorkerHandle {
    let worker = worker(runs_dir);
    worker.send(Command::LoadDataset(DataRequest::Sample)).unwrap();
    assert!(matches!(next_result(&worker), Event::DatasetLoaded(_)));
    worker
}

/// Every event of one training job up to its result, in the order they came (the test fails
/// after 60 s or on a `Failed` event).
fn training_events(worker: &WorkerHandle) -> Vec<Event> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut events = Vec::new();
    loop {
        match worker.try_recv() {
            Some(Event::Failed { job, error }) => panic!("{job:?} failed: {error}"),
            Some(event) => {
                let done = matches!(event, Event::TrainingFinished(_));
                events.push(event);
                if done {
                    return events;
                }
            }
            None => {
                assert!(Instant::now() < deadline, "no result from the worker");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

/// The job starts, then training starts, then each epoch's batches (in order) end with that
/// epoch's record, and the result comes last.
fn assert_in_order(events: &[Event], epochs: usize) {
    assert!(matches!(events.first(), Some(Event::JobStarted(Job::Train))), "{:?}", events.first());
    assert!(matches!(events.get(1), Some(Event::TrainingStarted(_))), "{:?}", events.get(1));
    let mut position = (1, 0);
    let mut epochs_seen = Vec::new();
    for event in &events[2..events.len() - 1] {
        match event {
            Event::BatchFinished(batch) => {
                assert!(
                    (batch.epoch, batch.batch) > position,
                    "batch {:?} after {position:?}",
                    (batch.epoch, batch.batch)
                );
                assert_eq!(
                    batch.epoch,
                    epochs_seen.len() + 1,
                    "a batch of epoch {} after epoch {:?}",
                    batch.epoch,
                    epochs_seen
                );
                position = (batch.epoch, batch.batch);
            }
            Event::EpochFinished(epoch) => {
                assert_eq!(epoch.epoch, epochs_seen.len() + 1);
                assert_eq!(position.0, epoch.epoch, "epoch {} ended before its batches", epoch.epoch);
                epochs_seen.push(epoch.epoch);
            }
            other => panic!("unexpected event during training: {other:?}"),
        }
    }
    assert_eq!(epochs_seen, (1..=epochs).collect::<Vec<_>>());
    assert!(matches!(events.last(), Some(Event::TrainingFinished(_))));
}

#[test]
fn training_stores_a_run_and_the_model_evaluates_saves_and_reopens() {
    let runs = tempfile::tempdir().unwrap();
    let worker = loaded_worker(runs.path());
    worker.send(Command::Train(Box::new(tiny_request(2)))).unwrap();
    let events = training_events(&worker);
    assert_in_order(&events, 2);
    let Some(Event::TrainingFinished(result)) = events.last() else { panic!("expected the training result") };
    assert_eq!(result.summary.stop_reason, StopReason::Completed);
    assert_eq!(result.summary.history.len(), 2);
    let run = result.run.as_ref().expect("run stored");
    assert_eq!(result.model.origin, ModelOrigin::Run { id: run.id.clone() });
    let dataset = run.dataset.as_ref().expect("the run records its data set");
    assert!(dataset.fingerprint.starts_with("sha256:"));
    assert_eq!(dataset.classes.name(9), "Ankle boot");

    worker.send(Command::Evaluate { tta: TestTimeAugmentation::None }).unwrap();
    let Event::EvaluationFinished(evaluation) = next_result(&worker) else {
        panic!("expected an evaluation")
    };
    let accuracy = evaluation.evaluation.predictions.accuracy();
    assert!((accuracy - result.summary.test_accuracy.unwrap()).abs() < 1e-9, "same model, same accuracy");

    let file = runs.path().join("saved.safetensors");
    worker.send(Command::SaveModel { path: file.clone() }).unwrap();
    assert!(matches!(next_result(&worker), Event::ModelSaved { .. }));
    worker.send(Command::LoadModel { path: file.clone() }).unwrap();
    let Event::ModelLoaded(info) = next_result(&worker) else { panic!("expected the model") };
    assert_eq!(info.origin, ModelOrigin::File(file));
    assert_eq!(info.params, 7850);

    worker.send(Command::ListRuns).unwrap();
    let Event::RunsListed(listing) = next_result(&worker) else { panic!("expected the run list") };
    assert_eq!(listing.runs.len(), 1);
    worker.send(Command::RenameRun { id: run.id.clone(), name: "renamed".to_owned() }).unwrap();
    let Event::RunsListed(listing) = next_result(&worker) else { panic!("expected the run list") };
    assert_eq!(listing.runs[0].name, "renamed");
    worker.send(Command::DeleteRun { id: run.id.clone() }).unwrap();
    let Event::RunsListed(listing) = next_result(&worker) else { panic!("expected the run list") };
    assert!(listing.runs.is_empty());
}

#[test]
fn a_stored_run_continues_from_its_resume_state_into_a_new_run() {
    let runs = tempfile::tempdir().unwrap();
    let worker = loaded_worker(runs.path());
    worker.send(Command::Train(Box::new(tiny_request(1)))).unwrap();
    let first = training_events(&worker);
    let Some(Event::TrainingFinished(first)) = first.last() else { panic!("expected the training result") };
    let id = first.run.as_ref().expect("run stored").id.clone();
    assert!(runs.path().join(&id).join(atelier::training::RESUME_FILE).is_file());

    worker
        .send(Command::ContinueRun(ContinueRequest { run_id: id.clone(), total_epochs: 3, threads: None }))
        .unwrap();
    let events = training_events(&worker);
    let Some(Event::TrainingFinished(continued)) = events.last() else {
        panic!("expected the training result")
    };
    let epochs: Vec<usize> = continued.summary.history.iter().map(|m| m.epoch).collect();
    assert_eq!(epochs, [1, 2, 3], "the curves go on from the stored run's");
    assert_eq!(continued.summary.history[0], first.summary.history[0]);
    let stored = continued.run.as_ref().expect("continued run stored");
    assert_ne!(stored.id, id);
    assert_eq!(stored.continued_from.as_deref(), Some(id.as_str()));

    worker
        .send(Command::ContinueRun(ContinueRequest { run_id: id, total_epochs: 1, threads: None }))
        .unwrap();
    let Event::Failed { error, .. } = next_result(&worker) else { panic!("expected a refusal") };
    assert!(error.to_string().contains("done 1 epochs already"), "{error}");
}

#[test]
fn pictures_are_predicted_one_by_one_and_a_bad_file_fails_alone() {
    let runs = tempfile::tempdir().unwrap();
    let worker = loaded_worker(runs.path());
    let folder = tempfile::tempdir().unwrap();
    let good = folder.path().join("shirt.png");
    image::GrayImage::from_fn(28, 28, |x, y| {
        image::Luma([if (8..20).contains(&x) && y > 4 { 200 } else { 0 }])
    })
    .save(&good)
    .unwrap();
    let bad = folder.path().join("broken.png");
    std::fs::write(&bad, b"not a picture").unwrap();
    let request = || PredictRequest {
        paths: vec![good.clone(), bad.clone()],
        options: PrepOptions::default(),
        in_memory: Vec::new(),
    };

    // Without a model the steps are still shown, with no prediction.
    worker.send(Command::Predict(request())).unwrap();
    let Event::PicturesPredicted(outcomes) = next_result(&worker) else { panic!("expected pictures") };
    assert_eq!(outcomes.len(), 2);
    assert!(outcomes[0].result.as_ref().unwrap().prediction.is_none());
    assert!(outcomes[1].result.is_err());

    worker.send(Command::Train(Box::new(tiny_request(1)))).unwrap();
    assert!(matches!(next_result(&worker), Event::TrainingFinished(_)));
    worker.send(Command::Predict(request())).unwrap();
    let Event::PicturesPredicted(outcomes) = next_result(&worker) else { panic!("expected pictures") };
    let prediction = outcomes[0].result.as_ref().unwrap().prediction.as_ref().expect("a prediction");
    let total: f32 = prediction.probabilities.iter().sum();
    assert!((total - 1.0).abs() < 1e-4);
    let error = outcomes[1].result.as_ref().unwrap_err();
    assert!(!error.is_empty());
}

#[test]
fn jobs_that_need_a_model_say_so_and_a_crash_is_reported_without_killing_the_worker() {
    let runs = tempfile::tempdir().unwrap();
    let worker = worker(runs.path());
    worker.send(Command::Evaluate { tta: TestTimeAugmentation::None }).unwrap();
    let Event::Failed { job: Job::Evaluate, error } = next_result(&worker) else {
        panic!("expected a failure")
    };
    assert!(matches!(error, JobError::NoModel), "{error}");

    worker.send(Command::Crash).unwrap();
    let Event::Failed { job: Job::SelfTest, error } = next_result(&worker) else {
        panic!("expected a failure")
    };
    assert!(error.is_internal(), "{error}");
    worker.send(Command::LoadDataset(DataRequest::Sample)).unwrap();
    assert!(matches!(next_result(&worker), Event::DatasetLoaded(_)));
}
