//! The model file as a user meets it: save then load gives the same predictions bit for bit, and
//! every kind of bad file gives a clear error that names it.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too: a failure is a test failure

use std::path::{Path, PathBuf};

use atelier::evaluation::{ClassificationReport, ConfusionMatrix};
use atelier::model::{ForwardMode, LayerSpec, ModelError, ModelSpec, Network, PresetId, Task};
use atelier::model_file::{
    self, FORMAT_VERSION, ModelFileError, ModelMetadata, keys, load_model, read_metadata, save_model,
};
use candle_core::{Device, Tensor};

/// A small network with every kind of stored tensor: conv, batch norm (running statistics), dense.
fn small_spec() -> ModelSpec {
    ModelSpec {
        name: "tiny-cnn-bn".to_owned(),
        task: Task::all(10),
        layers: vec![
            LayerSpec::Conv2d { filters: 4, kernel: 3, stride: 1, padding: atelier::ops::Padding::Valid },
            LayerSpec::BatchNorm,
            LayerSpec::Relu,
            LayerSpec::MaxPool { size: 2 },
            LayerSpec::Flatten,
            LayerSpec::Dense { units: 16 },
            LayerSpec::Relu,
            LayerSpec::Dense { units: 10 },
        ],
    }
}

/// Deterministic inputs `[batch, 1, 28, 28]` in `0..1`.
fn inputs(batch: usize) -> Tensor {
    let values: Vec<f32> = (0..batch * 784).map(|i| ((i * 7919) % 256) as f32 / 255.0).collect();
    Tensor::from_vec(values, (batch, 1, 28, 28), &Device::Cpu).unwrap()
}

fn logits(network: &Network, x: &Tensor) -> Vec<Vec<f32>> {
    network.forward(x, ForwardMode::Eval).unwrap().to_vec2().unwrap()
}

/// A network whose weights differ from a fresh one and whose batch-norm statistics have moved.
fn trained_network() -> Network {
    let network = Network::new(&small_spec(), &Device::Cpu, 7).unwrap();
    network.forward(&inputs(8), ForwardMode::Train { step_seed: 3 }).unwrap();
    network
}

fn saved(dir: &Path) -> (PathBuf, Network) {
    let network = trained_network();
    let path = dir.join("model.safetensors");
    save_model(&path, &network, &ModelMetadata::for_network(&network)).unwrap();
    (path, network)
}

fn names_file(error: &ModelFileError, path: &Path) {
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "message does not name the file: {message}");
    assert!(!message.contains('\n'), "message is one line: {message}");
}

#[test]
fn save_then_load_gives_bit_identical_logits() {
    let dir = tempfile::tempdir().unwrap();
    let (path, network) = saved(dir.path());
    let loaded = load_model(&path, &Device::Cpu).unwrap();
    let x = inputs(5);
    assert_eq!(logits(&loaded.network, &x), logits(&network, &x));
    // Loading builds the network from another seed, so equality comes from the file.
    let fresh = Network::new(&small_spec(), &Device::Cpu, 0).unwrap();
    assert_ne!(logits(&fresh, &x), logits(&network, &x));
    assert_eq!(loaded.metadata.spec, small_spec());
}

#[test]
fn the_cnn_preset_round_trips_too() {
    let dir = tempfile::tempdir().unwrap();
    let network = Network::new(&PresetId::Cnn.spec(), &Device::Cpu, 11).unwrap();
    let path = dir.path().join("cnn.safetensors");
    save_model(&path, &network, &ModelMetadata::for_network(&network)).unwrap();
    let loaded = load_model(&path, &Device::Cpu).unwrap();
    assert_eq!(loaded.network.param_count(), 225_034);
    assert_eq!(logits(&loaded.network, &inputs(2)), logits(&network, &inputs(2)));
}

#[test]
fn metadata_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let network = trained_network();
    let confusion = ConfusionMatrix::from_predictions(10, &[0, 1, 2], &[0, 1, 3]).unwrap();
    let names: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    let mut metadata = ModelMetadata::for_network(&network);
    metadata.report = Some(ClassificationReport::from_confusion(&confusion, &names).unwrap());
    let config = atelier::training::TrainConfig { epochs: 3, learning_rate: 0.01, ..Default::default() };
    metadata.train_config = Some(config);
    metadata.dataset.fingerprint = "sha256:abc".to_owned();
    let path = dir.path().join("m.safetensors");
    save_model(&path, &network, &metadata).unwrap();

    let read = read_metadata(&path).unwrap();
    assert_eq!(read.train_config, metadata.train_config);
    assert_eq!(read.dataset, metadata.dataset);
    assert_eq!(read.dataset.name, "Fashion-MNIST");
    assert_eq!(read.output_names()[9], "Ankle boot");
    let report = read.report.unwrap();
    assert_eq!(report.confusion, confusion);
    assert_eq!((report.correct, report.total), (2, 3));
    // RFC 3339 UTC, e.g. 2026-11-28T11:32:43Z.
    assert_eq!(read.created.len(), 20, "{}", read.created);
    assert!(read.created.ends_with('Z'));
    let raw = model_file::read_raw(&path).unwrap();
    assert_eq!(raw.metadata[keys::FORMAT_VERSION], FORMAT_VERSION.to_string());
    assert!(raw.tensors.iter().any(|t| t.name == "layers.1.running_var"));
}

#[test]
fn a_truncated_file_is_named_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = saved(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let error = load_model(&path, &Device::Cpu).unwrap_err();
    assert!(matches!(error, ModelFileError::Truncated { .. }), "{error}");
    assert!(error.to_string().contains("truncated"));
    names_file(&error, &path);
}

#[test]
fn pictures_random_bytes_and_empty_files_are_not_models() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("photo.png");
    image::RgbImage::new(28, 28).save(&png).unwrap();
    let noise = dir.path().join("noise.safetensors");
    std::fs::write(
        &noise,
        (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<_>>(),
    )
    .unwrap();
    let empty = dir.path().join("empty.safetensors");
    std::fs::write(&empty, b"").unwrap();
    for path in [png, noise, empty] {
        let error = load_model(&path, &Device::Cpu).unwrap_err();
        assert!(matches!(error, ModelFileError::NotAModel { .. }), "{}: {error}", path.display());
        names_file(&error, &path);
    }
}

#[test]
fn a_missing_file_names_the_path() {
    let path = Path::new("/nonexistent/folder/model.safetensors");
    let error = load_model(path, &Device::Cpu).unwrap_err();
    assert!(matches!(error, ModelFileError::Io { .. }));
    names_file(&error, path);
}

/// Saves the small model, lets `change` edit its raw contents, and loads the result.
fn load_edited(
    change: impl FnOnce(&mut model_file::RawModelFile),
) -> (PathBuf, ModelFileError, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = saved(dir.path());
    let mut raw = model_file::read_raw(&path).unwrap();
    change(&mut raw);
    model_file::write_raw(&path, &raw).unwrap();
    let error = load_model(&path, &Device::Cpu).unwrap_err();
    names_file(&error, &path);
    (path, error, dir)
}

fn model_error(error: &ModelFileError) -> &ModelError {
    match error {
        ModelFileError::Architecture { source, .. } => source,
        other => panic!("expected an architecture error, got {other}"),
    }
}

#[test]
fn a_missing_tensor_is_named() {
    let (_, error, _dir) = load_edited(|raw| raw.tensors.retain(|t| t.name != "layers.5.bias"));
    assert!(
        matches!(model_error(&error), ModelError::MissingTensor { name } if name == "layers.5.bias"),
        "{error}"
    );
}

#[test]
fn an_extra_tensor_is_named() {
    let (_, error, _dir) = load_edited(|raw| {
        raw.tensors.push(model_file::RawTensor {
            name: "layers.9.weight".to_owned(),
            shape: vec![1],
            values: vec![0.0],
        });
    });
    assert!(error.to_string().contains("layers.9.weight"), "{error}");
    assert!(matches!(model_error(&error), ModelError::UnexpectedTensor { .. }));
}

#[test]
fn a_wrongly_shaped_tensor_is_named() {
    let (_, error, _dir) = load_edited(|raw| {
        let tensor = raw.tensors.iter_mut().find(|t| t.name == "layers.7.weight").unwrap();
        tensor.shape = vec![10, 8];
        tensor.values.truncate(80);
    });
    assert!(
        matches!(model_error(&error), ModelError::ShapeMismatch { name, .. } if name == "layers.7.weight"),
        "{error}"
    );
}

#[test]
fn weights_of_another_architecture_are_refused() {
    // The spec says `dense`, the tensors are the small CNN's.
    let (_, error, _dir) = load_edited(|raw| {
        raw.metadata.insert(keys::SPEC.to_owned(), serde_json::to_string(&PresetId::Dense.spec()).unwrap());
    });
    assert!(matches!(error, ModelFileError::Architecture { .. }), "{error}");
    assert!(error.to_string().contains("layers."), "names a tensor: {error}");
}

#[test]
fn older_and_newer_format_versions_get_their_own_message() {
    let (_, older, _dir) = load_edited(|raw| {
        raw.metadata.insert(keys::FORMAT_VERSION.to_owned(), "0".to_owned());
    });
    assert!(matches!(older, ModelFileError::OlderVersion { found: 0, .. }));
    assert!(older.to_string().contains("older Atelier"), "{older}");
    let (_, newer, _dir) = load_edited(|raw| {
        raw.metadata.insert(keys::FORMAT_VERSION.to_owned(), (FORMAT_VERSION + 1).to_string());
    });
    assert!(matches!(newer, ModelFileError::NewerVersion { .. }));
    assert!(newer.to_string().contains("update Atelier"), "{newer}");
}

#[test]
fn a_plain_safetensors_file_is_not_an_atelier_model() {
    let (_, error, _dir) = load_edited(|raw| raw.metadata.clear());
    assert!(matches!(error, ModelFileError::NotAtelierModel { .. }), "{error}");
}

#[test]
fn a_broken_spec_is_reported_as_metadata() {
    let (_, error, _dir) = load_edited(|raw| {
        raw.metadata.insert(keys::SPEC.to_owned(), "{not json".to_owned());
    });
    assert!(matches!(error, ModelFileError::Metadata { key: "spec", .. }), "{error}");
}

#[test]
fn a_failed_save_leaves_the_previous_file_and_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let (path, network) = saved(dir.path());
    let before = std::fs::read(&path).unwrap();
    // A spec that disagrees with the network is refused before anything is written.
    let mut metadata = ModelMetadata::for_network(&network);
    metadata.spec.name = "other".to_owned();
    assert!(save_model(&path, &network, &metadata).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // Saving again replaces the file in one step and leaves nothing else in the folder.
    save_model(&path, &network, &ModelMetadata::for_network(&network)).unwrap();
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("model.safetensors")]);
}
