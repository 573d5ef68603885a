//! Every way `ModelSpec::validate` refuses a spec, with the message a user reads.

// Test helpers outside #[test] functions panic on failure too, like the tests that call them.
#![allow(clippy::unwrap_used)]

use atelier::model::{LayerProblem, LayerSpec, ModelSpec, PresetId, SpecError, Task};
use atelier::ops::Padding;

use LayerSpec::{BatchNorm, Conv2d, Dense, Dropout, Flatten, GlobalAvgPool, LeakyRelu, MaxPool, Relu};

fn spec(layers: Vec<LayerSpec>) -> ModelSpec {
    ModelSpec { layers, ..ModelSpec::default() }
}

fn conv(filters: usize, kernel: usize) -> LayerSpec {
    Conv2d { filters, kernel, stride: 1, padding: Padding::Valid }
}

fn refusal(layers: Vec<LayerSpec>) -> String {
    spec(layers).validate().unwrap_err().to_string()
}

#[test]
fn pooling_a_map_too_small_names_the_layer() {
    // 28 → 26 → 13 → 11 → 5 → 2 → 1: the fourth pool sees 1×1.
    let message = refusal(vec![
        conv(4, 3),
        MaxPool { size: 2 },
        conv(4, 3),
        MaxPool { size: 2 },
        MaxPool { size: 2 },
        MaxPool { size: 2 },
        MaxPool { size: 2 },
        Flatten,
        Dense { units: 10 },
    ]);
    assert_eq!(message, "layer 6 MaxPool 2: input is 1×1, smaller than the 2×2 window");
}

#[test]
fn dense_on_an_image_asks_for_flatten() {
    assert_eq!(
        refusal(vec![Dense { units: 10 }]),
        "layer 0 Dense 10: input is an image (1×28×28); add Flatten before it"
    );
}

#[test]
fn image_layers_after_flatten_are_refused() {
    assert_eq!(
        refusal(vec![Flatten, conv(8, 3), Flatten, Dense { units: 10 }]),
        "layer 1 Conv2d 8 3×3 valid: input is flat (784 values); it needs an image, so it must come before Flatten"
    );
    let pool = refusal(vec![Flatten, MaxPool { size: 2 }, Dense { units: 10 }]);
    assert!(pool.starts_with("layer 1 MaxPool 2: input is flat"), "{pool}");
    let average = refusal(vec![Flatten, GlobalAvgPool, Dense { units: 10 }]);
    assert!(average.starts_with("layer 1 GlobalAvgPool: input is flat"), "{average}");
}

#[test]
fn dropout_rate_must_be_in_zero_to_one() {
    for rate in [1.0, 1.5, -0.1, f32::NAN] {
        let message = refusal(vec![Flatten, Dropout { rate }, Dense { units: 10 }]);
        assert!(
            message.starts_with(&format!("layer 1 Dropout {rate}: rate {rate} is outside 0 ≤ rate < 1")),
            "{message}"
        );
    }
    spec(vec![Flatten, Dropout { rate: 0.0 }, Dense { units: 10 }]).validate().unwrap();
}

#[test]
fn zero_sizes_are_refused() {
    assert_eq!(refusal(vec![Flatten, Dense { units: 0 }]), "layer 1 Dense 0: units must be at least 1");
    assert_eq!(refusal(vec![conv(0, 3)]), "layer 0 Conv2d 0 3×3 valid: filters must be at least 1");
    assert_eq!(refusal(vec![conv(4, 0)]), "layer 0 Conv2d 4 0×0 valid: kernel must be at least 1");
    let strided = Conv2d { filters: 4, kernel: 3, stride: 0, padding: Padding::Valid };
    assert_eq!(refusal(vec![strided]), "layer 0 Conv2d 4 3×3 valid stride 0: stride must be at least 1");
    assert_eq!(refusal(vec![MaxPool { size: 0 }]), "layer 0 MaxPool 0: size must be at least 1");
}

#[test]
fn kernels_must_fit_and_same_padding_needs_an_odd_kernel() {
    assert_eq!(
        refusal(vec![conv(4, 29)]),
        "layer 0 Conv2d 4 29×29 valid: input is 28×28, smaller than the 29×29 window"
    );
    let even = Conv2d { filters: 4, kernel: 4, stride: 1, padding: Padding::Same };
    assert_eq!(refusal(vec![even]), "layer 0 Conv2d 4 4×4 same: same padding needs an odd kernel, not 4×4");
}

#[test]
fn the_output_must_have_one_value_per_class() {
    assert_eq!(
        refusal(vec![Flatten, Dense { units: 128 }, Relu]),
        "the model outputs 128 values but the task (all 10 classes) has 10 classes; end it with Dense 10"
    );
    assert_eq!(
        refusal(vec![conv(8, 3)]),
        "the model ends with an image (8×26×26); end it with Flatten and Dense 10"
    );
    assert_eq!(refusal(vec![]), "the model has no layers; it needs at least Flatten and Dense 10");
    let binary = ModelSpec {
        task: Task::Binary { positive: 8, negative: 4 },
        ..spec(vec![Flatten, Dense { units: 10 }])
    };
    assert_eq!(
        binary.validate().unwrap_err().to_string(),
        "the model outputs 10 values but the task (class 4 vs class 8) has 2 classes; end it with Dense 2"
    );
    let same = ModelSpec {
        task: Task::Binary { positive: 8, negative: 8 },
        ..spec(vec![Flatten, Dense { units: 2 }])
    };
    assert_eq!(
        same.validate().unwrap_err().to_string(),
        "a binary task needs two different classes, but both are class 8"
    );
}

#[test]
fn absurd_sizes_are_refused_before_allocating() {
    let wide = refusal(vec![Flatten, Dense { units: 100_000 }, Dense { units: 10 }]);
    assert_eq!(wide, "the model has 79,500,010 parameters; the limit is 50,000,000");
    let huge = Conv2d { filters: 5_000, kernel: 3, stride: 1, padding: Padding::Same };
    assert_eq!(
        refusal(vec![huge]),
        "layer 0 Conv2d 5000 3×3 same: its output has 3,920,000 values per image; the limit is 1,000,000"
    );
    let slope = refusal(vec![LeakyRelu { negative_slope: f32::INFINITY }]);
    assert_eq!(slope, "layer 0 LeakyReLU inf: negative slope inf is not a finite number");
}

#[test]
fn summary_works_on_unfinished_models_but_validate_does_not() {
    let unfinished =
        spec(vec![conv(8, 3), BatchNorm, Relu, MaxPool { size: 2 }, Flatten, Dense { units: 64 }]);
    let rows = unfinished.summary().unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[1].params, 16);
    assert_eq!(rows[4].output.to_string(), "1352");
    assert_eq!(unfinished.param_count(), Ok(80 + 16 + 1352 * 64 + 64));
    assert!(unfinished.validate().is_err());
    let error = spec(vec![Dense { units: 3 }]).summary().unwrap_err();
    assert!(matches!(error, SpecError::Layer { index: 0, problem: LayerProblem::NeedsFlatInput { .. }, .. }));
}

#[test]
fn presets_validate() {
    for id in PresetId::ALL {
        id.spec().validate().unwrap_or_else(|error| panic!("{id}: {error}"));
    }
}
