//! Gradients of every layer checked against central finite differences, in f64 on the CPU with
//! small random shapes: the `ops` functions (dense, conv2d valid/same with stride 1 and 2,
//! max-pool on even and odd sizes, batch norm in training and evaluation, seeded dropout, ReLU,
//! cross-entropy) and whole networks in training mode through `Network::forward`.
//!
//! Each check compares `d(sum(output · R)) / d(input)` from candle's backward pass with
//! `(f(θ + h) - f(θ - h)) / 2h` for every element (or a fixed sample of large tensors). The error is
//! `max |analytic - numeric| / max |numeric|`; a correct layer gives ~1e-9, a real bug (candle's
//! max-pool backward on odd sizes gives 0.75) fails the 1e-5 threshold by orders of magnitude.

// Test helpers outside #[test] functions panic on failure too, like the tests that call them.
#![allow(clippy::unwrap_used)]

use atelier::model::{ForwardMode, LayerSpec, ModelSpec, Network};
use atelier::ops::{self, Padding};
use candle_core::{DType, Device, Result, Tensor, Var};

const STEP: f64 = 1e-5;
const TOLERANCE: f64 = 1e-5;

/// Deterministic values in `lo..hi` (SplitMix64).
fn random_values(count: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    (0..count)
        .map(|i| {
            let unit = (ops::splitmix64(seed.wrapping_mul(1_000_003).wrapping_add(i as u64)) >> 11) as f64
                / (1u64 << 53) as f64;
            lo + (hi - lo) * unit
        })
        .collect()
}

fn random_var(dims: &[usize], seed: u64) -> Var {
    let count = dims.iter().product();
    Var::from_vec(random_values(count, seed, -1.0, 1.0), dims, &Device::Cpu).unwrap()
}

fn values(t: &Tensor) -> Vec<f64> {
    t.flatten_all().unwrap().to_vec1::<f64>().unwrap()
}

/// Reduces any output to a scalar with a fixed random projection, so every output element's
/// gradient matters (a plain sum would hide errors that cancel, e.g. in batch norm).
fn projected(output: &Tensor) -> Result<Tensor> {
    if output.rank() == 0 {
        return Ok(output.clone());
    }
    let projection =
        Tensor::from_vec(random_values(output.elem_count(), 777, -1.0, 1.0), output.shape(), &Device::Cpu)?;
    output.mul(&projection)?.sum_all()
}

/// Worst relative gradient error over `vars`, checking at most `max_elements` per variable.
///
/// Each variable's error is relative to its own largest gradient, floored at 1e-3 of the largest
/// over all variables: some gradients are zero by design (a convolution bias followed by batch
/// norm), and their rounding noise must not count as an error.
fn gradient_error(vars: &[&Var], max_elements: usize, f: &dyn Fn() -> Result<Tensor>) -> f64 {
    let loss = projected(&f().unwrap()).unwrap();
    let grads = loss.backward().unwrap();
    let mut per_var = Vec::new();
    for (position, var) in vars.iter().enumerate() {
        let analytic =
            values(grads.get(var).unwrap_or_else(|| panic!("variable {position} got no gradient")));
        let base = values(var.as_tensor());
        let stride = base.len().div_ceil(max_elements).max(1);
        let (mut max_diff, mut max_numeric) = (0.0_f64, 0.0_f64);
        for element in (0..base.len()).step_by(stride) {
            let at = |delta: f64| {
                let mut shifted = base.clone();
                shifted[element] += delta;
                var.set(&Tensor::from_vec(shifted, var.shape(), &Device::Cpu).unwrap()).unwrap();
                projected(&f().unwrap()).unwrap().to_scalar::<f64>().unwrap()
            };
            let numeric = (at(STEP) - at(-STEP)) / (2.0 * STEP);
            max_diff = max_diff.max((numeric - analytic[element]).abs());
            max_numeric = max_numeric.max(numeric.abs()).max(analytic[element].abs());
        }
        var.set(&Tensor::from_vec(base, var.shape(), &Device::Cpu).unwrap()).unwrap();
        per_var.push((max_diff, max_numeric));
    }
    let scale = per_var.iter().map(|&(_, numeric)| numeric).fold(0.0, f64::max);
    assert!(scale > 1e-8, "all gradients are zero: the check would prove nothing");
    per_var.iter().map(|&(diff, numeric)| diff / numeric.max(1e-3 * scale)).fold(0.0, f64::max)
}

fn assert_gradients(what: &str, vars: &[&Var], f: &dyn Fn() -> Result<Tensor>) {
    let error = gradient_error(vars, usize::MAX, f);
    assert!(error < TOLERANCE, "{what}: relative gradient error {error:e}");
}

#[test]
fn dense_gradients() {
    let (x, w, b) = (random_var(&[3, 5], 1), random_var(&[4, 5], 2), random_var(&[4], 3));
    assert_gradients("linear", &[&x, &w, &b], &|| ops::linear(&x, &w, &b));
}

#[test]
fn conv2d_gradients_valid_and_same_stride_1_and_2() {
    let cases = [
        // (input dims, filters, kernel, stride, padding)
        ([2, 3, 7, 7], 4, 3, 1, Padding::Valid),
        ([2, 2, 6, 5], 3, 3, 1, Padding::Same),
        ([2, 2, 9, 8], 3, 3, 2, Padding::Valid),
        ([1, 2, 7, 8], 2, 5, 2, Padding::Same),
        ([2, 1, 6, 6], 2, 1, 1, Padding::Valid),
    ];
    for (seed, (dims, filters, kernel, stride, padding)) in cases.into_iter().enumerate() {
        let seed = 10 * seed as u64;
        let x = random_var(&dims, seed);
        let w = random_var(&[filters, dims[1], kernel, kernel], seed + 1);
        let b = random_var(&[filters], seed + 2);
        let what = format!("conv2d {dims:?} k{kernel} s{stride} {padding:?}");
        assert_gradients(&what, &[&x, &w, &b], &|| ops::conv2d(&x, &w, &b, stride, padding));
    }
}

#[test]
fn max_pool_gradients_on_even_and_odd_sizes() {
    for (seed, (dims, size)) in
        [([2, 3, 8, 8], 2), ([2, 3, 11, 11], 2), ([1, 2, 7, 10], 3), ([1, 2, 5, 4], 2)]
            .into_iter()
            .enumerate()
    {
        let x = random_var(&dims, 100 + seed as u64);
        let pooled = ops::max_pool2d(&x, size).unwrap();
        assert_eq!(pooled.dims(), [dims[0], dims[1], dims[2] / size, dims[3] / size], "floor mode");
        assert_gradients(&format!("max_pool2d {dims:?} size {size}"), &[&x], &|| ops::max_pool2d(&x, size));
    }
}

#[test]
fn max_pool_output_is_the_window_maximum() {
    // 5×5 input 0..25: floor-mode 2×2 windows drop the last row and column.
    let x = Tensor::arange(0.0_f64, 25.0, &Device::Cpu).unwrap().reshape((1, 1, 5, 5)).unwrap();
    assert_eq!(values(&ops::max_pool2d(&x, 2).unwrap()), [6.0, 8.0, 16.0, 18.0]);
}

#[test]
fn batch_norm_gradients_in_training_and_evaluation() {
    for (seed, dims) in [vec![4, 3, 3, 3], vec![5, 4]].into_iter().enumerate() {
        let seed = 200 + 10 * seed as u64;
        let channels = dims[1];
        let x = random_var(&dims, seed);
        let gamma =
            Var::from_vec(random_values(channels, seed + 1, 0.5, 1.5), channels, &Device::Cpu).unwrap();
        let beta = random_var(&[channels], seed + 2);
        assert_gradients(&format!("batch_norm_train {dims:?}"), &[&x, &gamma, &beta], &|| {
            Ok(ops::batch_norm_train(&x, &gamma, &beta)?.0)
        });
        let mean =
            Tensor::from_vec(random_values(channels, seed + 3, -0.5, 0.5), channels, &Device::Cpu).unwrap();
        let var =
            Tensor::from_vec(random_values(channels, seed + 4, 0.5, 2.0), channels, &Device::Cpu).unwrap();
        assert_gradients(&format!("batch_norm_eval {dims:?}"), &[&x, &gamma, &beta], &|| {
            ops::batch_norm_eval(&x, &gamma, &beta, &mean, &var)
        });
    }
}

#[test]
fn batch_norm_training_output_is_normalised() {
    let x = random_var(&[6, 2, 3, 3], 300);
    let ones = Tensor::ones(2, DType::F64, &Device::Cpu).unwrap();
    let zeros = Tensor::zeros(2, DType::F64, &Device::Cpu).unwrap();
    let (y, stats) = ops::batch_norm_train(&x, &ones, &zeros).unwrap();
    for channel in 0..2 {
        let c = values(&y.narrow(1, channel, 1).unwrap());
        let mean = c.iter().sum::<f64>() / c.len() as f64;
        let var = c.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / c.len() as f64;
        assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-3, "channel {channel}: mean {mean}, var {var}");
    }
    // Unbiased variance for the running estimate: n / (n - 1) times the biased one, n = 6·3·3.
    let raw = values(&x.narrow(1, 0, 1).unwrap());
    let mean = raw.iter().sum::<f64>() / 54.0;
    let unbiased = raw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 53.0;
    assert!((values(&stats.unbiased_variance)[0] - unbiased).abs() < 1e-12);
}

#[test]
fn dropout_and_relu_gradients() {
    let x = random_var(&[4, 6], 400);
    assert_gradients("dropout (fixed mask)", &[&x], &|| ops::dropout(&x, 0.4, 9));
    // Keep ReLU inputs away from the kink, where the finite difference straddles it.
    let spaced: Vec<f64> =
        random_values(24, 401, -1.0, 1.0).into_iter().map(|v| v + 0.05 * v.signum()).collect();
    let y = Var::from_vec(spaced, (4, 6), &Device::Cpu).unwrap();
    assert_gradients("relu", &[&y], &|| y.relu());
}

#[test]
fn cross_entropy_gradients_with_and_without_smoothing() {
    let logits = Var::from_vec(random_values(20, 500, -4.0, 4.0), (4, 5), &Device::Cpu).unwrap();
    let targets = Tensor::new(&[0_u32, 4, 2, 2], &Device::Cpu).unwrap();
    for smoothing in [0.0, 0.1] {
        assert_gradients(&format!("cross_entropy ε={smoothing}"), &[&logits], &|| {
            ops::cross_entropy(&logits, &targets, smoothing)
        });
    }
    // Softmax − one-hot, over the batch: the analytic form, checked directly once.
    let grads = ops::cross_entropy(&logits, &targets, 0.0).unwrap().backward().unwrap();
    let softmax = values(&candle_nn::ops::softmax(logits.as_tensor(), 1).unwrap());
    let grad = values(grads.get(&logits).unwrap());
    for (i, (g, p)) in grad.iter().zip(&softmax).enumerate() {
        let target = [0, 4, 2, 2][i / 5];
        let expected = (p - f64::from(u8::from(i % 5 == target))) / 4.0;
        assert!((g - expected).abs() < 1e-12);
    }
}

/// A whole network in training mode (batch norm on batch statistics, dropout with a fixed step
/// seed) through the loss: every layer kind, and an odd 11×11 map pooled like the CNN's.
#[test]
fn whole_network_gradients_in_training_mode() {
    use LayerSpec::*;
    let spec = ModelSpec {
        name: "gradient-check".into(),
        layers: vec![
            Conv2d { filters: 2, kernel: 3, stride: 1, padding: Padding::Valid },
            BatchNorm,
            LeakyRelu { negative_slope: 0.1 },
            MaxPool { size: 2 },
            Conv2d { filters: 3, kernel: 3, stride: 1, padding: Padding::Valid },
            Relu,
            MaxPool { size: 2 },
            Conv2d { filters: 2, kernel: 3, stride: 2, padding: Padding::Same },
            Sigmoid,
            Flatten,
            Dense { units: 8 },
            Relu,
            Dense { units: 6 },
            BatchNorm,
            Tanh,
            Dropout { rate: 0.3 },
            Dense { units: 10 },
        ],
        ..ModelSpec::default()
    };
    let summary = spec.summary().unwrap();
    assert_eq!(summary[4].output.to_string(), "3×11×11", "the second pool must see an odd map");
    let network = Network::with_dtype(&spec, &Device::Cpu, DType::F64, 11).unwrap();
    let x = Tensor::from_vec(random_values(3 * 784, 600, 0.0, 1.0), (3, 1, 28, 28), &Device::Cpu).unwrap();
    let targets = Tensor::new(&[3_u32, 7, 0], &Device::Cpu).unwrap();
    let vars = network.trainable_vars();
    let var_refs: Vec<&Var> = vars.iter().collect();
    let error = gradient_error(&var_refs, 12, &|| {
        let logits = network.forward(&x, ForwardMode::Train { step_seed: 5 })?;
        ops::cross_entropy(&logits, &targets, 0.05)
    });
    assert!(error < TOLERANCE, "whole network: relative gradient error {error:e}");
}

/// The loss value itself against the textbook formula (gradient checks cannot see a wrong
/// forward pass, only a backward pass that disagrees with it).
#[test]
fn cross_entropy_value_matches_the_formula() {
    let raw = random_values(15, 900, -30.0, 30.0);
    let logits = Tensor::from_vec(raw.clone(), (3, 5), &Device::Cpu).unwrap();
    let targets = [4_usize, 0, 2];
    let target_tensor = Tensor::new(&[4_u32, 0, 2], &Device::Cpu).unwrap();
    for smoothing in [0.0_f32, 0.2] {
        let eps = f64::from(smoothing);
        let mut expected = 0.0;
        for (row, &target) in targets.iter().enumerate() {
            let z = &raw[row * 5..row * 5 + 5];
            let max = z.iter().copied().fold(f64::MIN, f64::max);
            let log_sum = max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
            for (class, v) in z.iter().enumerate() {
                let weight = eps / 5.0 + if class == target { 1.0 - eps } else { 0.0 };
                expected += weight * (log_sum - v) / 3.0;
            }
        }
        let loss =
            ops::cross_entropy(&logits, &target_tensor, smoothing).unwrap().to_scalar::<f64>().unwrap();
        assert!((loss - expected).abs() < 1e-12, "ε={smoothing}: {loss} vs {expected}");
    }
}
