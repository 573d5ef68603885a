//! Closing the window during training. eframe drops the app when its window closes
//! (`save_and_destroy` takes the running app), which drops the `WorkerHandle`: its `Drop` cancels
//! the training, which ends at the next batch, stores the run as stopped, and joins the thread.
//! Alone in its test binary, so the thread count it reads is its own.
#![cfg(target_os = "linux")] // reads /proc/self/task
#![allow(clippy::unwrap_used, clippy::expect_used)] // set-up failures panic

use std::time::{Duration, Instant};

use atelier::model::{LayerSpec, ModelSpec, Task};
use atelier::runs::RunStore;
use atelier::training::{StopReason, TrainConfig};
use atelier::worker::{Command, DataRequest, Event, TrainRequest, WorkerHandle, WorkerOptions};

/// Threads of this process named `atelier-worker` (Linux: `/proc/self/task/*/comm`): the worker,
/// and the threads it started, which inherit its name.
fn worker_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.unwrap().path().join("comm")).ok())
        .filter(|name| name.trim() == "atelier-worker")
        .count()
}

fn wait_for(worker: &WorkerHandle, wanted: impl Fn(&Event) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match worker.try_recv() {
            Some(event) if wanted(&event) => return,
            Some(Event::Failed { job, error }) => panic!("{job:?} failed: {error}"),
            Some(_) => {}
            None => {
                assert!(Instant::now() < deadline, "the worker did not answer in time");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

#[test]
fn dropping_the_handle_mid_training_stores_the_run_as_stopped_and_joins_the_thread() {
    let runs = tempfile::tempdir().unwrap();
    let options = WorkerOptions { runs_dir: Some(runs.path().to_path_buf()), datasets_dir: None };
    let worker = WorkerHandle::spawn_with(Box::new(|| {}), &options).unwrap();
    worker.send(Command::LoadDataset(DataRequest::Sample)).unwrap();
    wait_for(&worker, |event| matches!(event, Event::DatasetLoaded(_)));
    let spec = ModelSpec {
        name: "long".to_owned(),
        task: Task::all(10),
        layers: vec![
            LayerSpec::Flatten,
            LayerSpec::Dense { units: 64 },
            LayerSpec::Relu,
            LayerSpec::Dense { units: 10 },
        ],
    };
    // Far more epochs than the test waits for: only the cancel can end it in time.
    let config = TrainConfig { epochs: 10_000, batch_size: 16, ..TrainConfig::default() };
    let request = TrainRequest { name: "closed".to_owned(), preset: None, spec, config, threads: None };
    worker.send(Command::Train(Box::new(request))).unwrap();
    wait_for(&worker, |event| matches!(event, Event::BatchFinished(_)));

    // Threads started from the worker (the compute pool) inherit its name; they stay, by design.
    let before = worker_threads();
    let closed = Instant::now();
    drop(worker);
    let took = closed.elapsed();
    assert!(took < Duration::from_secs(10), "the window waited {took:?} for the worker");
    assert_eq!(worker_threads(), before - 1, "the worker thread itself has ended");

    let list = RunStore::at(runs.path()).list().unwrap();
    assert!(list.warnings.is_empty(), "{:?}", list.warnings);
    assert_eq!(list.runs.len(), 1, "the stopped run is stored");
    let run = &list.runs[0];
    assert_eq!(run.stop_reason, StopReason::Cancelled);
    assert_eq!(run.name, "closed");
    assert!(run.test_accuracy.is_some(), "its weights were evaluated");
    let store = RunStore::at(runs.path());
    assert!(store.load_model(&run.id, &candle_core::Device::Cpu).is_ok(), "its model file is whole");
}
