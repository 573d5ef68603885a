//! The run history as the Runs panel uses it: save, list (newest first, damaged entries skipped
//! with a warning), rename, delete, and open a run's model.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too: a failure is a test failure

use atelier::model::{ForwardMode, LayerSpec, ModelSpec, Network, PresetId, Task};
use atelier::runs::{RUN_FILE, RunRecord, RunStore, RunsError};
use atelier::training::{EpochMetrics, StopReason, TrainConfig, TrainSummary};
use candle_core::{Device, Tensor};

fn spec(name: &str) -> ModelSpec {
    ModelSpec {
        name: name.to_owned(),
        task: Task::all(10),
        layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: 10 }],
    }
}

fn summary(epochs: usize) -> TrainSummary {
    let history = (1..=epochs)
        .map(|epoch| EpochMetrics {
            epoch,
            train_loss: 1.0 / epoch as f64,
            train_accuracy: 0.8 + 0.01 * epoch as f64,
            validation_loss: Some(1.1 / epoch as f64),
            validation_accuracy: Some(0.78 + 0.01 * epoch as f64),
            learning_rate: 1e-3,
            elapsed_secs: epoch as f64,
            images_per_sec: 1000.0,
        })
        .collect();
    TrainSummary {
        stop_reason: StopReason::Completed,
        history,
        elapsed_secs: epochs as f64,
        test_accuracy: Some(0.81),
        test_loss: Some(0.5),
        best_epoch: Some(3),
    }
}

fn save(store: &RunStore, name: &str) -> (RunRecord, Network) {
    let spec = spec(name);
    let network = Network::new(&spec, &Device::Cpu, 3).unwrap();
    let record = RunRecord::from_training(
        name,
        Some(PresetId::Dense),
        &spec,
        &TrainConfig::default(),
        &summary(3),
        None,
    );
    (store.save(record, &network).unwrap(), network)
}

#[test]
fn a_saved_run_lists_with_its_curves_and_params() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::at(dir.path().join("runs"));
    assert!(store.list().unwrap().runs.is_empty(), "a missing folder is an empty history");
    let (saved, _) = save(&store, "first");
    let list = store.list().unwrap();
    assert!(list.warnings.is_empty());
    assert_eq!(list.runs, vec![saved.clone()]);
    let run = &list.runs[0];
    assert_eq!(run.params, 7850);
    assert_eq!(run.curves.len(), 3);
    assert_eq!(run.preset, Some(PresetId::Dense));
    assert!(run.id.contains("first"), "{}", run.id);
    assert!((run.overfitting_gap().unwrap() - 0.02).abs() < 1e-9);
    assert_eq!(run.best_epoch, Some(3));
    assert!(store.model_path(&run.id).unwrap().is_file());
}

#[test]
fn runs_list_newest_first_and_ids_never_collide() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::at(dir.path());
    let (a, _) = save(&store, "same");
    let (b, _) = save(&store, "same");
    assert_ne!(a.id, b.id);
    let ids: Vec<String> = store.list().unwrap().runs.into_iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 2);
    // Same second: the later id sorts first.
    if a.created == b.created {
        assert_eq!(ids, vec![b.id, a.id]);
    }
}

#[test]
fn a_damaged_entry_is_skipped_with_a_warning_and_the_others_stay() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::at(dir.path());
    let (good, _) = save(&store, "good");
    let (bad, _) = save(&store, "bad");
    std::fs::write(dir.path().join(&bad.id).join(RUN_FILE), b"{ half a file").unwrap();
    std::fs::create_dir(dir.path().join("stray-folder")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"not a run").unwrap();
    let list = store.list().unwrap();
    assert_eq!(list.runs.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), vec![good.id]);
    assert_eq!(list.warnings.len(), 2, "{:?}", list.warnings);
    assert!(list.warnings.iter().all(|w| matches!(w, RunsError::Corrupt { .. })));
    assert!(list.warnings.iter().any(|w| w.to_string().contains(&bad.id)));
}

#[test]
fn rename_persists_and_keeps_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::at(dir.path());
    let (run, _) = save(&store, "cnn");
    let renamed = store.rename(&run.id, "  CNN, 2 epochs ").unwrap();
    assert_eq!(renamed.name, "CNN, 2 epochs");
    assert_eq!(store.get(&run.id).unwrap().name, "CNN, 2 epochs");
    assert_eq!(store.list().unwrap().runs[0].id, run.id);
}

#[test]
fn delete_removes_the_run_and_its_model() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::at(dir.path());
    let (keep, _) = save(&store, "keep");
    let (gone, _) = save(&store, "gone");
    store.delete(&gone.id).unwrap();
    assert!(!dir.path().join(&gone.id).exists());
    assert_eq!(store.list().unwrap().runs.len(), 1);
    assert!(matches!(store.delete(&gone.id), Err(RunsError::NotFound { .. })));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing left behind");
    assert!(store.get(&keep.id).is_ok());
}

#[test]
fn a_run_model_loads_with_the_same_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::at(dir.path());
    let (run, network) = save(&store, "model");
    let loaded = store.load_model(&run.id, &Device::Cpu).unwrap();
    let x = Tensor::ones((2, 1, 28, 28), candle_core::DType::F32, &Device::Cpu).unwrap();
    let expected: Vec<Vec<f32>> = network.forward(&x, ForwardMode::Eval).unwrap().to_vec2().unwrap();
    let actual: Vec<Vec<f32>> = loaded.network.forward(&x, ForwardMode::Eval).unwrap().to_vec2().unwrap();
    assert_eq!(actual, expected);
    assert_eq!(loaded.metadata.train_config, Some(TrainConfig::default()));
}

#[test]
fn ids_that_escape_the_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::at(dir.path().join("runs"));
    for id in ["", "..", "../x", "a/b", ".saving-x"] {
        assert!(matches!(store.delete(id), Err(RunsError::InvalidId { .. })), "{id:?}");
    }
    assert!(matches!(store.get("missing"), Err(RunsError::NotFound { .. })));
}
