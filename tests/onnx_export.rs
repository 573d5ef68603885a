//! ONNX export: every preset and random valid specs (strided and same-padded convolutions, batch
//! norm on images and on vectors, global average pooling, every activation) exported, read back from
//! disk by tract and compared with Atelier's logits within 1e-4; the file's metadata; a mismatch
//! refused; the command line's success and its failures on an unwritable destination.
#![allow(clippy::unwrap_used, clippy::expect_used)] // set-up failures panic

mod common;

use std::collections::HashMap;

use atelier::data::{LoadedData, load_sample};
use atelier::model::{LayerSpec, ModelSpec, Network, PresetId, Task};
use atelier::model_file::ModelMetadata;
use atelier::model_file::onnx::{self, OnnxExportError, TOLERANCE};
use atelier::ops::Padding;
use candle_core::{Device, Tensor};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tract_onnx::prelude::Framework as _;

fn sample() -> LoadedData {
    load_sample().unwrap()
}

/// The sample's test pictures (500), as the export checks them.
fn check_images(data: &LoadedData) -> Vec<&[u8]> {
    (0..data.test.len()).map(|i| data.test.image(i)).collect()
}

/// A network of `spec` whose batch-norm layers have non-trivial scale, shift and running
/// statistics (a fresh network's are 1, 0, 0, 1, which would hide a wrong formula or order).
fn network(spec: &ModelSpec, seed: u64) -> Network {
    let network = Network::new(spec, &Device::Cpu, seed).unwrap();
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let batch_norm: Vec<String> = (spec.layers.iter().enumerate())
        .filter(|(_, layer)| matches!(layer, LayerSpec::BatchNorm))
        .map(|(index, _)| format!("layers.{index}."))
        .collect();
    let tensors: HashMap<String, Tensor> = network
        .named_tensors()
        .unwrap()
        .into_iter()
        .map(|(name, tensor)| {
            if !batch_norm.iter().any(|prefix| name.starts_with(prefix)) {
                return (name, tensor);
            }
            // Scale and variance positive, shift and mean around zero.
            let positive = name.ends_with("weight") || name.ends_with("running_var");
            let range = if positive { 0.5..2.0 } else { -0.5..0.5 };
            let values: Vec<f32> =
                (0..tensor.elem_count()).map(|_| rng.random_range(range.clone())).collect();
            (name, Tensor::from_vec(values, tensor.dims(), &Device::Cpu).unwrap())
        })
        .collect();
    network.load_named(&tensors).unwrap();
    network
}

/// Exports `spec` into a temporary folder, then reads the file back from disk and runs it again
/// with tract, on a different number of pictures than the export's own check (the batch is symbolic).
fn export_and_reread(spec: &ModelSpec, seed: u64, data: &LoadedData) -> onnx::Verification {
    let network = network(spec, seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.onnx");
    let images = check_images(data);
    let export = onnx::export_onnx(&path, &network, &ModelMetadata::for_network(&network), &images).unwrap();
    assert_eq!(export.verification.images, images.len());
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), export.bytes);
    onnx::verify(&bytes, &network, &images[..37]).unwrap()
}

#[test]
fn every_preset_exports_and_the_runtime_agrees_within_the_tolerance() {
    let data = sample();
    for (seed, preset) in PresetId::ALL.into_iter().enumerate() {
        let check = export_and_reread(&preset.spec(), seed as u64, &data);
        assert!(check.max_logit_difference <= TOLERANCE, "{preset:?}: {check:?}");
        eprintln!("{preset:?}: {check:?}");
    }
}

/// One random layer for an image input (`image`) or a flat one.
fn random_layer(rng: &mut StdRng, image: bool) -> LayerSpec {
    let activation = match rng.random_range(0..5) {
        0 => LayerSpec::Relu,
        1 => LayerSpec::LeakyRelu { negative_slope: rng.random_range(0.01..0.3) },
        2 => LayerSpec::Tanh,
        3 => LayerSpec::Sigmoid,
        _ => LayerSpec::Dropout { rate: 0.3 },
    };
    if !image {
        return match rng.random_range(0..3) {
            0 => LayerSpec::Dense { units: rng.random_range(4..24) },
            1 => LayerSpec::BatchNorm,
            _ => activation,
        };
    }
    match rng.random_range(0..5) {
        0 | 1 => LayerSpec::Conv2d {
            filters: rng.random_range(2..9),
            kernel: [1, 3, 5][rng.random_range(0..3)],
            stride: rng.random_range(1..3),
            padding: if rng.random_bool(0.5) { Padding::Same } else { Padding::Valid },
        },
        2 => LayerSpec::BatchNorm,
        3 => LayerSpec::MaxPool { size: 2 },
        _ => activation,
    }
}

/// A random valid spec: image layers, then GlobalAvgPool or Flatten, then flat layers and the
/// output layer. Invalid draws (an image shrunk below a window) are drawn again.
fn random_spec(rng: &mut StdRng) -> ModelSpec {
    loop {
        let mut layers: Vec<LayerSpec> =
            (0..rng.random_range(1..6)).map(|_| random_layer(rng, true)).collect();
        layers.push(if rng.random_bool(0.5) { LayerSpec::GlobalAvgPool } else { LayerSpec::Flatten });
        layers.extend((0..rng.random_range(0..4)).map(|_| random_layer(rng, false)));
        layers.push(LayerSpec::Dense { units: 10 });
        let spec = ModelSpec { name: "random".to_owned(), task: Task::all(10), layers };
        if spec.validate().is_ok() {
            return spec;
        }
    }
}

#[test]
fn random_valid_specs_export_and_the_runtime_agrees() {
    let data = sample();
    let mut rng = StdRng::seed_from_u64(19);
    let mut covered = HashMap::<&str, usize>::new();
    for seed in 0..24 {
        let spec = random_spec(&mut rng);
        let mut image = true;
        for layer in &spec.layers {
            let kind = match layer {
                LayerSpec::Conv2d { stride: 2, padding: Padding::Same, .. } => "conv stride 2 same",
                LayerSpec::BatchNorm if image => "batch norm 2-D",
                LayerSpec::BatchNorm => "batch norm 1-D",
                other => other.kind_name(),
            };
            *covered.entry(kind).or_default() += 1;
            if matches!(layer, LayerSpec::Flatten | LayerSpec::GlobalAvgPool) {
                image = false;
            }
        }
        let check = export_and_reread(&spec, seed, &data);
        assert!(
            check.max_logit_difference <= TOLERANCE,
            "{}: {check:?}",
            serde_json::to_string(&spec).unwrap()
        );
    }
    for kind in [
        "conv stride 2 same",
        "batch norm 2-D",
        "batch norm 1-D",
        "GlobalAvgPool",
        "MaxPool",
        "ReLU",
        "LeakyReLU",
        "Tanh",
        "Sigmoid",
        "Dropout",
    ] {
        assert!(covered.get(kind).copied().unwrap_or(0) > 0, "no random spec had {kind}: {covered:?}");
    }
}

#[test]
fn the_file_describes_its_input_outputs_classes_and_origin() {
    let spec = PresetId::BinaryDense.spec();
    let network = network(&spec, 3);
    let mut metadata = ModelMetadata::for_network(&network);
    metadata.dataset.fingerprint = "sha256:abc".to_owned();
    let bytes = onnx::encode(&network, &metadata).unwrap();
    let proto = tract_onnx::onnx().proto_model_for_read(&mut &bytes[..]).unwrap();
    assert_eq!(proto.opset_import.len(), 1);
    assert_eq!(proto.opset_import[0].version, onnx::OPSET_VERSION);
    let props: HashMap<&str, &str> =
        proto.metadata_props.iter().map(|entry| (entry.key.as_str(), entry.value.as_str())).collect();
    // The binary preset's outputs: Sneaker (0), Ankle boot (1), by name.
    assert_eq!(props["class_names"], r#"["Sneaker","Ankle boot"]"#);
    assert_eq!(props["dataset_fingerprint"], "sha256:abc");
    assert_eq!(props["dataset_name"], "Fashion-MNIST");
    assert!(props["input"].contains("pixel / 255"), "{props:?}");
    assert_eq!(props["atelier_version"], env!("CARGO_PKG_VERSION"));
    let graph = proto.graph.unwrap();
    let names = |values: &[tract_onnx::pb::ValueInfoProto]| -> Vec<String> {
        values.iter().map(|value| value.name.clone()).collect()
    };
    assert_eq!(names(&graph.input), ["image"]);
    assert_eq!(names(&graph.output), ["logits", "probabilities"]);
    let ops: Vec<&str> = graph.node.iter().map(|node| node.op_type.as_str()).collect();
    assert!(!ops.contains(&"Dropout"), "{ops:?}");
    assert_eq!(ops.last(), Some(&"Softmax"));
}

#[test]
fn a_file_that_disagrees_with_the_network_is_refused_and_not_written() {
    let data = sample();
    let images = check_images(&data);
    let spec = PresetId::Dense.spec();
    let exported = network(&spec, 1);
    let other = network(&spec, 2);
    let bytes = onnx::encode(&exported, &ModelMetadata::for_network(&exported)).unwrap();
    let error = onnx::verify(&bytes, &other, &images).unwrap_err();
    assert!(matches!(error, OnnxExportError::Mismatch { output: "logits", image: 0, .. }), "{error}");
    assert!(error.to_string().contains("nothing was written"), "{error}");
    let error = onnx::verify(b"not an onnx file", &exported, &images).unwrap_err();
    assert!(matches!(error, OnnxExportError::Runtime { .. }), "{error}");
}

/// A saved cnn-bn model in `dir`. The commands below check it on the data the app finds (the full
/// test split where installed, else the bundled sample's): 300 pictures either way.
fn saved_model(dir: &std::path::Path) -> std::path::PathBuf {
    let spec = PresetId::CnnBn.spec();
    let network = network(&spec, 7);
    let model = dir.join("model.safetensors");
    atelier::model_file::save_model(&model, &network, &ModelMetadata::for_network(&network)).unwrap();
    model
}

#[test]
fn the_command_line_exports_a_model_and_says_how_it_checked_out() {
    let dir = tempfile::tempdir().unwrap();
    let model = saved_model(dir.path());
    let out = dir.path().join("model.onnx");
    let output =
        common::command(dir.path()).arg("export").arg(&model).arg("--onnx").arg(&out).output().unwrap();
    let stdout = common::text(&output.stdout);
    assert!(output.status.success(), "{}", common::text(&output.stderr));
    assert!(stdout.contains(&format!("wrote {}", out.display())), "{stdout}");
    assert!(stdout.contains(&format!("on {} test pictures", onnx::CHECK_IMAGES)), "{stdout}");
    tract_onnx::onnx().model_for_path(&out).unwrap();
}

#[test]
fn an_unwritable_destination_is_one_clear_error_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = saved_model(dir.path());
    // Root ignores permission bits: a path under a regular file cannot be written by anyone.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"a file").unwrap();
    let out = blocker.join("model.onnx");
    let output = common::command(dir.path())
        .args([std::ffi::OsStr::new("export"), model.as_os_str(), "--onnx".as_ref(), out.as_os_str()])
        .output()
        .unwrap();
    common::assert_one_line_failure(&output, &out);
    assert!(common::text(&output.stderr).contains("cannot write"), "{}", common::text(&output.stderr));

    // A disk that fills up while writing (the file-size limit of the child): nothing is left behind.
    let out = dir.path().join("full.onnx");
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_atelier"))
        .args([std::ffi::OsStr::new("export"), model.as_os_str(), "--onnx".as_ref(), out.as_os_str()])
        .current_dir(dir.path())
        .output()
        .unwrap();
    common::assert_one_line_failure(&output, &out);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["model.safetensors", "not-a-folder"], "no partial or temporary file");
}
