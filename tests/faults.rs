//! Faults in the middle of work: a folder that cannot be written, a full disk, the data folder
//! vanishing while it loads, two saves at once, a panic in a job, a panic anywhere (crash report).
//! Each time: a clear error, nothing half-written under a final name, earlier files intact.
//!
//! The tests run as root, which ignores permission bits, so "unwritable" is made another way: a
//! path whose parent is a regular file (ENOTDIR for anyone), a folder where the file should go, and
//! for a full disk the file-size limit (`ulimit -f`, RLIMIT_FSIZE) of a child process, which makes
//! writes fail with EFBIG exactly like ENOSPC would, as any user and in any container.
#![cfg(unix)] // sh, ulimit and symlinks
#![allow(clippy::unwrap_used, clippy::expect_used)] // set-up failures panic

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use atelier::model::{LayerSpec, ModelSpec, Network, Task};
use atelier::model_file::{self, ModelFileError, ModelMetadata};
use atelier::runs::{RunRecord, RunStore};
use atelier::training::{StopReason, TrainConfig, TrainSummary};
use atelier::worker::{
    Command, DataRequest, Event, Job, ModelOrigin, TrainRequest, WorkerHandle, WorkerOptions,
};
use candle_core::Device;
use common::text;

/// Where the full data set is installed (CI installs it, like the data tests need).
const FULL_DATA: &str = "/usr/share/datasets/fashion-mnist";

/// Tests named `full_data_…` need the installed data set: they fail without it, never skip.
fn need_full_data() {
    assert!(
        Path::new(FULL_DATA).is_dir(),
        "{FULL_DATA} is missing: install the package dataset-fashion-mnist (CI does)"
    );
}

fn spec(name: &str) -> ModelSpec {
    ModelSpec {
        name: name.to_owned(),
        task: Task::all(10),
        layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: 10 }],
    }
}

fn network(seed: u64) -> Network {
    Network::new(&spec("tiny"), &Device::Cpu, seed).unwrap()
}

fn save(path: &Path, network: &Network) -> Result<(), ModelFileError> {
    model_file::save_model(path, network, &ModelMetadata::for_network(network))
}

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

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
    let config = TrainConfig { epochs, batch_size: 32, ..TrainConfig::default() };
    TrainRequest { name: "tiny run".to_owned(), preset: None, spec: spec("tiny"), config, threads: None }
}

#[test]
fn a_model_saved_where_no_folder_can_be_is_refused_naming_it_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_folder = dir.path().join("notes.txt");
    std::fs::write(&not_a_folder, "mine").unwrap();
    let path = not_a_folder.join("model.safetensors");
    let error = save(&path, &network(1)).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, ModelFileError::Io { .. }), "{message}");
    assert!(
        message.starts_with("cannot write ") && message.contains(&path.display().to_string()),
        "{message}"
    );
    assert_eq!(names(dir.path()), ["notes.txt"]);
    assert_eq!(std::fs::read_to_string(&not_a_folder).unwrap(), "mine");
}

#[test]
fn a_save_that_fails_at_the_rename_leaves_no_temporary_file_and_the_target_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    // A folder where the file should go: the temporary file is written, the rename fails.
    let path = dir.path().join("model.safetensors");
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("inside.txt"), "kept").unwrap();
    let error = save(&path, &network(1)).unwrap_err();
    assert!(error.to_string().contains(&path.display().to_string()), "{error}");
    assert_eq!(names(dir.path()), ["model.safetensors"], "no temporary file left");
    assert_eq!(std::fs::read_to_string(path.join("inside.txt")).unwrap(), "kept");
}

/// `program` about to run with its writes limited to `blocks` × 512 (or 1024) bytes: a disk that
/// fills up. SIGXFSZ is ignored, so a write past the limit fails with EFBIG instead of killing it.
fn with_full_disk(blocks: u32, program: &Path) -> std::process::Command {
    let mut command = std::process::Command::new("sh");
    command.arg("-c").arg(format!("trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\"")).arg(program);
    command
}

#[test]
fn full_data_a_full_disk_while_saving_a_trained_model_keeps_the_previous_file() {
    need_full_data();
    let dir = tempfile::tempdir().unwrap();
    let spec_path = dir.path().join("tiny.json");
    std::fs::write(&spec_path, serde_json::to_vec(&spec("tiny")).unwrap()).unwrap();
    let out = dir.path().join("model.safetensors");
    save(&out, &network(7)).unwrap();
    let previous = std::fs::read(&out).unwrap();
    // 16 blocks (8 KiB in 512-byte blocks, 16 KiB in 1 KiB ones) is less than the 31 KiB model.
    let output = with_full_disk(16, Path::new(env!("CARGO_BIN_EXE_atelier")))
        .args(["train", "--spec", "tiny.json", "--epochs", "1", "--data-dir", FULL_DATA])
        .args(["--out", "model.safetensors"])
        .current_dir(dir.path())
        .env_remove("ATELIER_DATA")
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot write") && stderr.contains("model.safetensors"), "{stderr}");
    assert!(stderr.contains("File too large") || stderr.contains("No space"), "{stderr}");
    common::assert_no_panic(&output);
    assert_eq!(std::fs::read(&out).unwrap(), previous, "the previous model is untouched");
    assert_eq!(names(dir.path()), ["model.safetensors", "tiny.json"], "no temporary file left");
}

/// Environment variable naming the run folder [`store_a_run_into_the_folder_in_the_environment`]
/// writes to; without it that helper does nothing.
const CHILD_RUNS_VAR: &str = "ATELIER_FAULTS_RUNS_DIR";

/// Stores one run where [`CHILD_RUNS_VAR`] says and prints the outcome: run by
/// [`a_full_disk_while_storing_a_run_keeps_the_earlier_runs`] in a child process whose writes are
/// limited, so the limit never touches this process.
#[test]
#[ignore = "a helper run in a child process by another test"]
fn store_a_run_into_the_folder_in_the_environment() {
    let Some(root) = std::env::var_os(CHILD_RUNS_VAR) else { return };
    let store = RunStore::at(PathBuf::from(root));
    match store.save(record("second"), &network(2)) {
        Ok(run) => println!("SAVED {}", run.id),
        Err(error) => println!("REFUSED {error:#}"),
    }
}

fn record(name: &str) -> RunRecord {
    let summary = TrainSummary {
        history: Vec::new(),
        stop_reason: StopReason::Completed,
        best_epoch: None,
        test_accuracy: Some(0.5),
        test_loss: Some(1.0),
        elapsed_secs: 1.0,
    };
    RunRecord::from_training(name, None, &spec(name), &TrainConfig::default(), &summary, None)
}

#[test]
fn a_full_disk_while_storing_a_run_keeps_the_earlier_runs() {
    let root = tempfile::tempdir().unwrap();
    let store = RunStore::at(root.path());
    let first = store.save(record("first"), &network(1)).unwrap();
    let output = with_full_disk(16, &std::env::current_exe().unwrap())
        .args(["--exact", "store_a_run_into_the_folder_in_the_environment", "--ignored", "--nocapture"])
        .env(CHILD_RUNS_VAR, root.path())
        .output()
        .unwrap();
    let stdout = text(&output.stdout);
    assert!(stdout.contains("REFUSED") && stdout.contains("model.safetensors"), "{stdout}");
    assert!(stdout.contains("File too large") || stdout.contains("No space"), "{stdout}");
    let list = store.list().unwrap();
    assert!(list.warnings.is_empty(), "{:?}", list.warnings);
    assert_eq!(list.runs.len(), 1);
    assert_eq!(list.runs[0].id, first.id);
    assert!(store.load_model(&first.id, &Device::Cpu).is_ok(), "the earlier run's model still loads");
    assert_eq!(names(root.path()), std::slice::from_ref(&first.id), "no hidden staging folder left");
}

#[test]
fn a_run_history_that_cannot_be_written_keeps_the_trained_model_current_and_saveable() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_folder = dir.path().join("file");
    std::fs::write(&not_a_folder, "x").unwrap();
    let worker = worker(&not_a_folder.join("runs"));
    worker.send(Command::LoadDataset(DataRequest::Sample)).unwrap();
    assert!(matches!(next_result(&worker), Event::DatasetLoaded(_)));
    worker.send(Command::Train(Box::new(tiny_request(1)))).unwrap();
    let Event::TrainingFinished(result) = next_result(&worker) else {
        panic!("expected the training result")
    };
    let error = result.run.as_ref().unwrap_err();
    assert!(
        error.to_string().contains(&not_a_folder.display().to_string()),
        "the error names the folder: {error}"
    );
    assert_eq!(result.model.origin, ModelOrigin::Unsaved);
    let saved = dir.path().join("kept.safetensors");
    worker.send(Command::SaveModel { path: saved.clone() }).unwrap();
    assert!(matches!(next_result(&worker), Event::ModelSaved { .. }));
    assert!(model_file::load_model(&saved, &Device::Cpu).is_ok());
}

#[test]
fn full_data_the_data_folder_vanishing_while_it_loads_is_an_error_naming_it_and_the_worker_goes_on() {
    need_full_data();
    let worker = worker(tempfile::tempdir().unwrap().path());
    let mut outcomes = (0, 0);
    for attempt in 0..8_u64 {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("fashion");
        std::fs::create_dir(&folder).unwrap();
        for entry in std::fs::read_dir(FULL_DATA).unwrap() {
            let entry = entry.unwrap();
            std::os::unix::fs::symlink(entry.path(), folder.join(entry.file_name())).unwrap();
        }
        worker.send(Command::LoadDataset(DataRequest::Folder(folder.clone()))).unwrap();
        // Remove it at a different moment each time: before, during and after the files are opened.
        std::thread::sleep(Duration::from_millis(attempt * attempt * 4));
        std::fs::remove_dir_all(&folder).unwrap();
        match next_result(&worker) {
            Event::DatasetLoaded(_) => outcomes.0 += 1,
            Event::Failed { job: Job::LoadDataset, error } => {
                outcomes.1 += 1;
                assert!(
                    error.to_string().contains(&folder.display().to_string()),
                    "names the folder: {error}"
                );
                assert_eq!(error.to_string().lines().count(), 1, "{error}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(outcomes.1 > 0, "at least the first removal lands before the files are read: {outcomes:?}");
    worker.send(Command::LoadDataset(DataRequest::Sample)).unwrap();
    assert!(matches!(next_result(&worker), Event::DatasetLoaded(_)), "the worker is still usable");
}

#[test]
fn two_model_saves_at_once_to_one_path_leave_one_whole_file_and_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let networks = [network(1), network(2)];
    let expected: Vec<Vec<u8>> = networks
        .iter()
        .map(|n| {
            let own = dir.path().join("own.safetensors");
            save(&own, n).unwrap();
            let loaded = model_file::read_raw(&own).unwrap().tensors;
            std::fs::remove_file(own).unwrap();
            loaded.iter().flat_map(|t| t.values.iter().flat_map(|v| v.to_le_bytes())).collect()
        })
        .collect();
    std::thread::scope(|scope| {
        for n in &networks {
            let path = &path;
            std::thread::Builder::new()
                .name("test-saver".to_owned())
                .spawn_scoped(scope, move || {
                    for _ in 0..20 {
                        save(path, n).unwrap();
                    }
                })
                .unwrap();
        }
    });
    let tensors = model_file::read_raw(&path).unwrap().tensors;
    let values: Vec<u8> =
        tensors.iter().flat_map(|t| t.values.iter().flat_map(|v| v.to_le_bytes())).collect();
    assert!(expected.contains(&values), "the file is one of the two models, whole");
    assert_eq!(names(dir.path()), ["model.safetensors"]);
}

#[test]
fn two_run_histories_saving_at_once_keep_every_run_under_its_own_id() {
    let root = tempfile::tempdir().unwrap();
    // Two stores on one folder: two windows, or the window and the command line.
    let stores = [RunStore::at(root.path()), RunStore::at(root.path())];
    // Both start each save at the same moment, so both pick the same free id.
    let barrier = std::sync::Barrier::new(2);
    let ids: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = stores
            .iter()
            .map(|store| {
                let barrier = &barrier;
                std::thread::Builder::new()
                    .name("test-store".to_owned())
                    .spawn_scoped(scope, move || {
                        let network = network(3);
                        let save = |_| {
                            barrier.wait();
                            store.save(record("same-name"), &network).unwrap().id
                        };
                        (0..6).map(save).collect::<Vec<_>>()
                    })
                    .unwrap()
            })
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().unwrap()).collect()
    });
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 12, "every save got its own id: {ids:?}");
    let list = stores[0].list().unwrap();
    assert!(list.warnings.is_empty(), "{:?}", list.warnings);
    assert_eq!(list.runs.len(), 12);
    assert_eq!(names(root.path()), unique, "no hidden folder left");
    for id in &unique {
        assert!(stores[0].load_model(id, &Device::Cpu).is_ok(), "{id} loads");
    }
}

#[test]
fn after_a_panic_in_a_job_the_worker_trains_again() {
    let runs = tempfile::tempdir().unwrap();
    let worker = worker(runs.path());
    worker.send(Command::LoadDataset(DataRequest::Sample)).unwrap();
    assert!(matches!(next_result(&worker), Event::DatasetLoaded(_)));
    worker.send(Command::Crash).unwrap();
    let Event::Failed { job: Job::SelfTest, error } = next_result(&worker) else {
        panic!("expected a failure")
    };
    assert!(
        error.to_string().contains("internal error") && error.to_string().contains("Atelier keeps running"),
        "{error}"
    );
    // The data loaded before the panic is still there, and a new training runs to the end.
    worker.send(Command::Train(Box::new(tiny_request(1)))).unwrap();
    let Event::TrainingFinished(result) = next_result(&worker) else {
        panic!("expected the training result")
    };
    assert_eq!(result.summary.stop_reason, StopReason::Completed);
    assert!(result.run.is_ok());
}

#[test]
fn a_panic_leaves_a_crash_report_in_the_user_data_folder() {
    let home = tempfile::tempdir().unwrap();
    let data_home = home.path().join("data");
    let output = common::command(home.path())
        .arg("presets")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", &data_home)
        .env(atelier::crash_report::TEST_PANIC_VAR, "main")
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(101), "a panic exits as a panic: {stderr}");
    let folder = data_home.join("atelier").join(atelier::crash_report::REPORT_FOLDER);
    let reports = names(&folder);
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(stderr.contains(&folder.join(&reports[0]).display().to_string()), "says where: {stderr}");
    let report = std::fs::read_to_string(folder.join(&reports[0])).unwrap();
    assert!(report.starts_with("Atelier "), "{report}");
    assert!(report.contains("message:  deliberate panic requested through ATELIER_TEST_PANIC"), "{report}");
    assert!(report.contains("thread:   main") && report.contains("location: src/"), "{report}");
    assert!(report.contains("backtrace:"), "{report}");

    // Without the variable nothing panics and no report is written.
    let output = common::command(home.path())
        .arg("presets")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", &data_home)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(names(&folder).len(), 1);
}

#[test]
fn a_run_whose_files_are_damaged_is_skipped_or_refused_and_the_others_stay() {
    let root = tempfile::tempdir().unwrap();
    let store = RunStore::at(root.path());
    let good = store.save(record("good"), &network(1)).unwrap();
    let cut = store.save(record("cut-model"), &network(2)).unwrap();
    let broken = store.save(record("broken-record"), &network(3)).unwrap();
    let model = store.model_path(&cut.id).unwrap();
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 3]).unwrap();
    std::fs::write(root.path().join(&broken.id).join("run.json"), "{\"name\": ").unwrap();

    let worker = worker(root.path());
    worker.send(Command::ListRuns).unwrap();
    let Event::RunsListed(listing) = next_result(&worker) else { panic!("expected the run list") };
    let mut listed: Vec<&str> = listing.runs.iter().map(|run| run.id.as_str()).collect();
    listed.sort_unstable();
    let mut expected = [good.id.as_str(), cut.id.as_str()];
    expected.sort_unstable();
    assert_eq!(listed, expected, "the damaged record is skipped, the others listed");
    assert_eq!(listing.warnings.len(), 1);
    assert!(listing.warnings[0].contains(&broken.id), "{:?}", listing.warnings);

    worker.send(Command::OpenRun { id: cut.id.clone() }).unwrap();
    let Event::Failed { job: Job::LoadModel, error } = next_result(&worker) else {
        panic!("expected a failure")
    };
    assert!(
        error.to_string().contains(&model.display().to_string()) && error.to_string().contains("truncated"),
        "{error}"
    );
    worker.send(Command::OpenRun { id: good.id.clone() }).unwrap();
    assert!(matches!(next_result(&worker), Event::ModelLoaded(_)), "the good run still opens");
}
