//! Building presets and custom specs into networks: parameter counts, forward shapes, seeded
//! initialisation, train/eval behaviour, and loading named tensors.

// Test helpers outside #[test] functions panic on failure too, like the tests that call them.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use atelier::model::{ForwardMode, LayerSpec, ModelError, ModelSpec, Network, PresetId, Task};
use atelier::ops::Padding;
use candle_core::{DType, Device, Tensor};

mod common;

fn input(batch: usize, seed: u64) -> Tensor {
    common::seeded_pixels(batch, seed)
}

fn values(t: &Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
}

#[test]
fn built_presets_have_the_reference_parameter_counts() {
    let expected = [
        (PresetId::BinaryDense, 100_738),
        (PresetId::Dense, 235_146),
        (PresetId::Cnn, 225_034),
        (PresetId::CnnBn, 315_594),
        (PresetId::Best, 352_650),
    ];
    for (id, count) in expected {
        let spec = id.spec();
        let network = Network::new(&spec, &Device::Cpu, 1).unwrap();
        assert_eq!(network.param_count(), count, "{id}");
        assert_eq!(spec.param_count().unwrap(), count, "{id}");
        let counted: usize = network.trainable_vars().iter().map(|v| v.elem_count()).sum();
        assert_eq!(counted, count, "{id}");
        let logits = network.forward(&input(3, 5), ForwardMode::Eval).unwrap();
        assert_eq!(logits.dims(), [3, spec.task.class_count()], "{id}");
    }
}

#[test]
fn same_seed_same_network_other_seed_other_network() {
    let spec = PresetId::Cnn.spec();
    let a = Network::new(&spec, &Device::Cpu, 42).unwrap();
    let b = Network::new(&spec, &Device::Cpu, 42).unwrap();
    let c = Network::new(&spec, &Device::Cpu, 43).unwrap();
    let x = input(4, 1);
    let la = values(&a.forward(&x, ForwardMode::Eval).unwrap());
    assert_eq!(la, values(&b.forward(&x, ForwardMode::Eval).unwrap()));
    assert_ne!(la, values(&c.forward(&x, ForwardMode::Eval).unwrap()));
    // PyTorch-style bounds: the first conv has fan-in 9, so weights lie in ±1/3.
    let first = values(a.trainable_vars()[0].as_tensor());
    assert!(first.iter().all(|w| w.abs() <= 1.0 / 3.0));
    assert!(first.iter().any(|w| w.abs() > 0.3), "weights should fill the range");
}

#[test]
fn dropout_follows_the_step_seed_and_is_off_in_eval() {
    let network = Network::new(&PresetId::Dense.spec(), &Device::Cpu, 3).unwrap();
    let x = input(8, 2);
    let train = |step_seed| values(&network.forward(&x, ForwardMode::Train { step_seed }).unwrap());
    assert_eq!(train(10), train(10));
    assert_ne!(train(10), train(11));
    let eval = values(&network.forward(&x, ForwardMode::Eval).unwrap());
    assert_eq!(eval, values(&network.forward(&x, ForwardMode::Eval).unwrap()));
    assert_ne!(eval, train(10));
}

#[test]
fn batch_norm_updates_running_statistics_only_in_training() {
    let network = Network::new(&PresetId::CnnBn.spec(), &Device::Cpu, 3).unwrap();
    let stats = |network: &Network| -> HashMap<String, Vec<f32>> {
        network
            .named_tensors()
            .unwrap()
            .into_iter()
            .filter(|(name, _)| name.contains("running"))
            .map(|(name, t)| (name, values(&t)))
            .collect()
    };
    let before = stats(&network);
    // Two running statistics for each of the three batch norms.
    assert_eq!(before.len(), 6);
    assert!(before["layers.1.running_mean"].iter().all(|&v| v == 0.0));
    assert!(before["layers.1.running_var"].iter().all(|&v| v == 1.0));
    network.forward(&input(16, 1), ForwardMode::Eval).unwrap();
    assert_eq!(stats(&network), before);

    let x = input(16, 1);
    network.forward(&x, ForwardMode::Train { step_seed: 0 }).unwrap();
    let after = stats(&network);
    // Running mean after one step = 0.1 · batch mean of the first conv's output, channel by channel.
    let conv = {
        let tensors: HashMap<String, Tensor> = network.named_tensors().unwrap().into_iter().collect();
        atelier::ops::conv2d(&x, &tensors["layers.0.weight"], &tensors["layers.0.bias"], 1, Padding::Same)
            .unwrap()
    };
    let batch_mean = values(&conv.mean((0, 2, 3)).unwrap());
    for (running, batch) in after["layers.1.running_mean"].iter().zip(&batch_mean) {
        assert!((running - 0.1 * batch).abs() < 1e-5, "{running} vs {batch}");
    }
    assert_ne!(after["layers.5.running_var"], before["layers.5.running_var"]);
}

#[test]
fn named_tensors_round_trip_and_bad_sets_are_refused_by_name() {
    let spec = PresetId::CnnBn.spec();
    let source = Network::new(&spec, &Device::Cpu, 1).unwrap();
    source.forward(&input(4, 9), ForwardMode::Train { step_seed: 1 }).unwrap();
    let target = Network::new(&spec, &Device::Cpu, 2).unwrap();
    let names: Vec<String> = source.named_tensors().unwrap().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        &names[..6],
        [
            "layers.0.weight",
            "layers.0.bias",
            "layers.1.weight",
            "layers.1.bias",
            "layers.1.running_mean",
            "layers.1.running_var",
        ]
    );
    assert_eq!(names.last().unwrap(), "layers.13.bias");
    let tensors: HashMap<String, Tensor> = source.named_tensors().unwrap().into_iter().collect();

    let mut missing = tensors.clone();
    missing.remove("layers.9.weight");
    let error = target.load_named(&missing).unwrap_err();
    assert!(matches!(error, ModelError::MissingTensor { .. }));
    assert_eq!(error.to_string(), "tensor `layers.9.weight` is missing");

    let mut extra = tensors.clone();
    extra.insert("layers.99.weight".into(), Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap());
    assert_eq!(
        target.load_named(&extra).unwrap_err().to_string(),
        "tensor `layers.99.weight` does not belong to this model"
    );

    let mut wrong = tensors.clone();
    wrong.insert("layers.9.weight".into(), Tensor::zeros((128, 1024), DType::F32, &Device::Cpu).unwrap());
    assert_eq!(
        target.load_named(&wrong).unwrap_err().to_string(),
        "tensor `layers.9.weight` has shape [128, 1024] but the model expects [128, 2304]"
    );

    let x = input(5, 3);
    target.load_named(&tensors).unwrap();
    assert_eq!(
        values(&target.forward(&x, ForwardMode::Eval).unwrap()),
        values(&source.forward(&x, ForwardMode::Eval).unwrap())
    );
}

#[test]
fn other_layer_kinds_build_and_run() {
    use LayerSpec::*;
    let spec = ModelSpec {
        name: "all-kinds".into(),
        task: Task::Binary { positive: 8, negative: 4 },
        layers: vec![
            Conv2d { filters: 4, kernel: 3, stride: 2, padding: Padding::Same },
            LeakyRelu { negative_slope: 0.1 },
            BatchNorm,
            Conv2d { filters: 6, kernel: 5, stride: 1, padding: Padding::Same },
            Tanh,
            MaxPool { size: 3 },
            GlobalAvgPool,
            Dense { units: 5 },
            BatchNorm,
            Sigmoid,
            Dropout { rate: 0.3 },
            Dense { units: 2 },
        ],
    };
    let rows = spec.summary().unwrap();
    assert_eq!(rows[0].output.to_string(), "4×14×14");
    assert_eq!(rows[5].output.to_string(), "6×4×4");
    let network = Network::new(&spec, &Device::Cpu, 0).unwrap();
    assert_eq!(network.param_count(), spec.param_count().unwrap());
    for mode in [ForwardMode::Eval, ForwardMode::Train { step_seed: 4 }] {
        let logits = network.forward(&input(3, 0), mode).unwrap();
        assert_eq!(logits.dims(), [3, 2]);
        assert!(values(&logits).iter().all(|v| v.is_finite()));
    }
}

#[test]
fn wrong_inputs_are_errors_not_panics() {
    let network = Network::new(&PresetId::Dense.spec(), &Device::Cpu, 0).unwrap();
    let flat = Tensor::zeros((2, 784), DType::F32, &Device::Cpu).unwrap();
    assert!(
        network.forward(&flat, ForwardMode::Eval).unwrap_err().to_string().contains("[batch, 1, 28, 28]")
    );
    let doubles = Tensor::zeros((2, 1, 28, 28), DType::F64, &Device::Cpu).unwrap();
    assert!(network.forward(&doubles, ForwardMode::Eval).is_err());
    let bad =
        ModelSpec { layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: 3 }], ..ModelSpec::default() };
    assert!(matches!(Network::new(&bad, &Device::Cpu, 0), Err(ModelError::Spec(_))));
}
