//! The model-spec JSON parser and everything that reads a parsed spec (summary, validation,
//! parameter count, outline, display): errors, never panics or overflows. A small valid spec is
//! also built and run, in training and evaluation mode: shape inference must agree with candle.
#![no_main]

use atelier::model::{ForwardMode, ModelSpec, Network};
use candle_core::{Device, Tensor};
use libfuzzer_sys::fuzz_target;

/// Bigger networks are valid but too slow to build on every input.
const MAX_BUILT_PARAMS: usize = 200_000;

fuzz_target!(|bytes: &[u8]| {
    let Ok(spec) = serde_json::from_slice::<ModelSpec>(bytes) else { return };
    let _ = spec.summary();
    let _ = spec.param_count();
    let _ = spec.output_shape();
    let _ = spec.outline();
    for layer in &spec.layers {
        let _ = layer.to_string();
    }
    let _ = spec.task.to_string();
    if spec.validate().is_err() {
        return;
    }
    // Round trip: what we accept we can write and read back unchanged.
    let json = serde_json::to_string(&spec).expect("a valid spec serialises");
    let again: ModelSpec = serde_json::from_str(&json).expect("a written spec parses");
    assert_eq!(spec, again);
    if spec.param_count().is_ok_and(|count| count <= MAX_BUILT_PARAMS) {
        let network = Network::new(&spec, &Device::Cpu, 1).expect("a valid spec builds");
        assert_eq!(network.param_count(), spec.param_count().expect("counted"));
        let input = Tensor::zeros((2, 1, 28, 28), candle_core::DType::F32, &Device::Cpu).expect("input");
        for mode in [ForwardMode::Eval, ForwardMode::Train { step_seed: 7 }] {
            let logits = network.forward(&input, mode).expect("a valid spec runs");
            assert_eq!(logits.dims(), [2, spec.task.class_count()], "{spec:?}");
        }
    }
});
