//! Checks shared by the kernel tests: a custom op against candle's built-ins (values and
//! gradients, f32 and f64) and against finite differences in f64.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // set-up failures panic

use atelier::data::{SeededRng, seeded_rng};
use candle_core::{DType, Device, Result, Tensor, Var};
use rand::Rng;

pub fn random_vec(rng: &mut SeededRng, len: usize) -> Vec<f64> {
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

pub fn tensor(data: &[f64], shape: &[usize], dtype: DType) -> Tensor {
    Tensor::from_vec(data.to_vec(), shape, &Device::Cpu).unwrap().to_dtype(dtype).unwrap()
}

pub fn values(t: &Tensor) -> Vec<f64> {
    t.to_dtype(DType::F64).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap()
}

pub fn assert_close(what: &str, got: &[f64], want: &[f64], tolerance: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tolerance * (1.0 + w.abs()), "{what}[{i}]: got {g}, want {w}");
    }
}

/// A layer under test: inputs → output, written once for the custom op and once for the reference.
pub type Layer = dyn Fn(&[Tensor]) -> Result<Tensor>;

/// Output and the gradients of `sum(output · upstream)` with respect to every input.
pub fn run_with_grads(
    layer: &Layer,
    inputs: &[(Vec<f64>, Vec<usize>)],
    upstream: &[f64],
    dtype: DType,
) -> Vec<Vec<f64>> {
    let vars: Vec<Var> =
        inputs.iter().map(|(data, shape)| Var::from_tensor(&tensor(data, shape, dtype)).unwrap()).collect();
    let tensors: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
    let y = layer(&tensors).unwrap();
    let r = tensor(upstream, y.dims(), dtype);
    let loss = (&y * &r).unwrap().sum_all().unwrap();
    let grads = loss.backward().unwrap();
    let mut out = vec![values(&y)];
    for t in &tensors {
        out.push(values(grads.get(t).expect("every input gets a gradient")));
    }
    out
}

/// Which results [`check_against_reference`] compares.
#[derive(Clone, Copy, PartialEq)]
pub enum Compare {
    /// Output and every gradient.
    OutputAndGradients,
    /// The output only: candle's own conv2d backward breaks on stride 2 with odd sizes ("shape
    /// mismatch in add"), so there the gradients are checked against finite differences only.
    Output,
}

/// Compares the custom op with the reference in f32 and f64.
pub fn check_against_reference(
    what: &str,
    custom: &Layer,
    reference: &Layer,
    inputs: &[(Vec<f64>, Vec<usize>)],
    seed: u64,
) {
    check_against_reference_on(what, custom, reference, inputs, seed, Compare::OutputAndGradients);
}

pub fn check_against_reference_on(
    what: &str,
    custom: &Layer,
    reference: &Layer,
    inputs: &[(Vec<f64>, Vec<usize>)],
    seed: u64,
    compare: Compare,
) {
    let out_len = {
        let ts: Vec<Tensor> = inputs.iter().map(|(d, s)| tensor(d, s, DType::F64)).collect();
        reference(&ts).unwrap().elem_count()
    };
    let upstream = random_vec(&mut seeded_rng(seed), out_len);
    for (dtype, tolerance) in [(DType::F64, 1e-10), (DType::F32, 1e-4)] {
        if compare == Compare::Output {
            let ts: Vec<Tensor> = inputs.iter().map(|(d, s)| tensor(d, s, dtype)).collect();
            let (got, want) = (values(&custom(&ts).unwrap()), values(&reference(&ts).unwrap()));
            assert_close(&format!("{what} {dtype:?} output"), &got, &want, tolerance);
            continue;
        }
        let got = run_with_grads(custom, inputs, &upstream, dtype);
        let want = run_with_grads(reference, inputs, &upstream, dtype);
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            let part = if k == 0 { "output".to_string() } else { format!("grad of input {}", k - 1) };
            assert_close(&format!("{what} {dtype:?} {part}"), g, w, tolerance);
        }
    }
}

/// Central finite differences of `sum(layer(inputs) · upstream)` in f64 against the analytic
/// gradients of the custom op.
pub fn check_finite_differences(what: &str, layer: &Layer, inputs: &[(Vec<f64>, Vec<usize>)], seed: u64) {
    let loss_of = |inputs: &[(Vec<f64>, Vec<usize>)], upstream: &[f64]| -> f64 {
        let ts: Vec<Tensor> = inputs.iter().map(|(d, s)| tensor(d, s, DType::F64)).collect();
        let y = values(&layer(&ts).unwrap());
        y.iter().zip(upstream).map(|(a, b)| a * b).sum()
    };
    let out_len = {
        let ts: Vec<Tensor> = inputs.iter().map(|(d, s)| tensor(d, s, DType::F64)).collect();
        layer(&ts).unwrap().elem_count()
    };
    let upstream = random_vec(&mut seeded_rng(seed), out_len);
    let analytic = run_with_grads(layer, inputs, &upstream, DType::F64);
    let eps = 1e-6;
    for (k, (data, _)) in inputs.iter().enumerate() {
        let mut numeric = Vec::with_capacity(data.len());
        for i in 0..data.len() {
            let mut plus = inputs.to_vec();
            plus[k].0[i] += eps;
            let mut minus = inputs.to_vec();
            minus[k].0[i] -= eps;
            numeric.push((loss_of(&plus, &upstream) - loss_of(&minus, &upstream)) / (2.0 * eps));
        }
        assert_close(&format!("{what}: d/d input {k}"), &analytic[k + 1], &numeric, 1e-6);
    }
}

pub fn conv_inputs(
    rng: &mut SeededRng,
    x: [usize; 4],
    out: usize,
    kernel: usize,
) -> Vec<(Vec<f64>, Vec<usize>)> {
    let w = [out, x[1], kernel, kernel];
    vec![
        (random_vec(rng, x.iter().product()), x.to_vec()),
        (random_vec(rng, w.iter().product()), w.to_vec()),
        (random_vec(rng, out), vec![out]),
    ]
}

/// Runs `f` on a pool of two threads, whatever the machine: the kernels cut a batch into
/// `4 × threads` tasks, so the splits and groups these tests are named after happen only with a
/// known thread count (on 16 cores a batch of 37 would be one image per task, nothing grouped).
pub fn on_two_threads(f: impl FnOnce() + Send) {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .thread_name(|i| format!("test-pool-{i}"))
        .build()
        .unwrap()
        .install(f);
}
