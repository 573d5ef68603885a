//! The training step's own backward pass (`ops::Tape`) against candle's: the same gradient for
//! every weight of every preset and of a network with each layer kind the tape covers, and a
//! refusal (so that training falls back to candle's) for networks it does not cover.

// Test helpers outside #[test] functions panic on failure too, like the tests that call them.
#![allow(clippy::unwrap_used)]

use atelier::model::{ForwardMode, LayerSpec, ModelSpec, Network, PresetId, Task};
use atelier::ops::{self, GradientSource, Padding, Tape};
use candle_core::{Device, Tensor};

mod common;

fn input(batch: usize, seed: u64) -> Tensor {
    common::seeded_pixels(batch, seed)
}

fn targets(batch: usize, classes: usize) -> Tensor {
    let values: Vec<u32> = (0..batch).map(|i| u32::try_from((i * 7 + 3) % classes).unwrap()).collect();
    Tensor::from_vec(values, batch, &Device::Cpu).unwrap()
}

/// Checks the tape's gradients of one training step against candle's, value for value (a
/// gradient that is −0 on one side and +0 on the other counts as equal: candle starts every sum
/// at +0).
fn assert_same_gradients(spec: &ModelSpec, batch: usize, smoothing: f32) {
    let name = &spec.name;
    let network = Network::new(spec, &Device::Cpu, 7).unwrap();
    let (x, y) = (input(batch, 3), targets(batch, spec.task.class_count()));
    let mode = ForwardMode::Train { step_seed: 11 };
    let step = || {
        let logits = network.forward(&x, mode)?;
        ops::cross_entropy(&logits, &y, smoothing)
    };
    let (loss, tape) = Tape::record(step).unwrap();
    let ours = tape.backward(&loss).unwrap().unwrap_or_else(|| panic!("{name}: the tape declined"));
    let theirs = step().unwrap().backward().unwrap();
    for (index, var) in network.trainable_vars().iter().enumerate() {
        let want =
            theirs.get(var.as_tensor()).unwrap_or_else(|| panic!("{name}: candle has no gradient {index}"));
        let got = ours
            .gradient(var.as_tensor())
            .unwrap_or_else(|| panic!("{name}: the tape has no gradient {index}"));
        assert_eq!(got.dims(), want.dims(), "{name}: variable {index}");
        let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(flat(got), flat(want), "{name}: variable {index}");
    }
}

#[test]
fn every_preset_gets_candles_gradients_from_the_tape() {
    for preset in PresetId::ALL {
        // An odd batch, and batch 1 (batch norm over one picture still has a 28×28 plane).
        for batch in [5, 1] {
            assert_same_gradients(&preset.spec(), batch, 0.1);
        }
    }
}

#[test]
fn each_layer_kind_the_tape_covers_gets_candles_gradients() {
    use LayerSpec::*;
    let spec = ModelSpec {
        name: "tape-kinds".into(),
        task: Task::AllClasses { count: 10 },
        layers: vec![
            // Conv → pool → ReLU as separate ops; conv → batch norm without ReLU; flatten;
            // dense → batch norm → ReLU; dropout; plain dense.
            Conv2d { filters: 3, kernel: 3, stride: 1, padding: Padding::Same },
            MaxPool { size: 2 },
            Relu,
            Conv2d { filters: 4, kernel: 3, stride: 2, padding: Padding::Valid },
            BatchNorm,
            Flatten,
            Dense { units: 9 },
            BatchNorm,
            Relu,
            Dropout { rate: 0.3 },
            Dense { units: 10 },
        ],
    };
    assert_same_gradients(&spec, 4, 0.0);
}

#[test]
fn a_layer_that_is_not_an_atelier_op_makes_the_tape_decline() {
    use LayerSpec::*;
    for activation in [Tanh, Sigmoid, LeakyRelu { negative_slope: 0.1 }] {
        let spec = ModelSpec {
            name: "with-candle-ops".into(),
            task: Task::AllClasses { count: 10 },
            layers: vec![Flatten, Dense { units: 8 }, activation, Dense { units: 10 }],
        };
        let network = Network::new(&spec, &Device::Cpu, 1).unwrap();
        let (x, y) = (input(3, 1), targets(3, 10));
        let (loss, tape) = Tape::record(|| {
            ops::cross_entropy(&network.forward(&x, ForwardMode::Train { step_seed: 1 })?, &y, 0.0)
        })
        .unwrap();
        assert!(tape.backward(&loss).unwrap().is_none(), "{activation:?}");
    }
    // Nor does a loss computed outside the tape.
    let network = Network::new(&PresetId::Dense.spec(), &Device::Cpu, 1).unwrap();
    let (logits, tape) =
        Tape::record(|| network.forward(&input(2, 1), ForwardMode::Train { step_seed: 1 })).unwrap();
    let loss = logits.sqr().unwrap().mean_all().unwrap();
    assert!(tape.backward(&loss).unwrap().is_none());
}
