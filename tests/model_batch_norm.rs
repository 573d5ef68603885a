//! The batch-norm kernels against candle's generic ops (values, statistics and gradients, f32 and
//! f64, images and flat features); finite-difference checks are in `gradient_checks.rs`.

// Test helpers outside #[test] functions panic on failure too, like the tests that call them.
#![allow(clippy::unwrap_used)]

use atelier::ops;
use candle_core::{DType, Device, Tensor, Var};

fn random(dims: &[usize], seed: u64, dtype: DType) -> Var {
    let count: usize = dims.iter().product();
    let values: Vec<f64> = (0..count)
        .map(|i| (ops::splitmix64(seed * 7919 + i as u64) >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 1.0)
        .collect();
    Var::from_tensor(&Tensor::from_vec(values, dims, &Device::Cpu).unwrap().to_dtype(dtype).unwrap()).unwrap()
}

fn max_difference(a: &Tensor, b: &Tensor) -> f64 {
    let a = a.to_dtype(DType::F64).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap();
    let b = b.to_dtype(DType::F64).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap();
    assert_eq!(a.len(), b.len());
    a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn kernels_match_candle_in_training_mode() {
    for (dtype, tolerance) in [(DType::F64, 1e-10), (DType::F32, 1e-4)] {
        for dims in [vec![16, 8, 7, 5], vec![9, 12], vec![3, 4, 13, 13]] {
            let x = random(&dims, 1, dtype);
            let gamma = random(&[dims[1]], 2, dtype);
            let beta = random(&[dims[1]], 3, dtype);
            let projection = random(&dims, 4, dtype);
            let (y, stats) = ops::batch_norm_train(&x, &gamma, &beta).unwrap();
            let (y_ref, stats_ref) = ops::batch_norm_train_reference(&x, &gamma, &beta).unwrap();
            let what = format!("{dtype:?} {dims:?}");
            assert!(max_difference(&y, &y_ref) < tolerance, "{what}: output");
            assert!(max_difference(&stats.mean, &stats_ref.mean) < tolerance, "{what}: mean");
            assert!(
                max_difference(&stats.unbiased_variance, &stats_ref.unbiased_variance) < tolerance,
                "{what}: var"
            );
            let grads = y.mul(&projection).unwrap().sum_all().unwrap().backward().unwrap();
            let grads_ref = y_ref.mul(&projection).unwrap().sum_all().unwrap().backward().unwrap();
            for (name, var) in [("x", &x), ("gamma", &gamma), ("beta", &beta)] {
                let difference = max_difference(grads.get(var).unwrap(), grads_ref.get(var).unwrap());
                assert!(difference < tolerance * 10.0, "{what}: d{name} differs by {difference}");
            }
        }
    }
}

#[test]
fn evaluation_mode_folds_running_statistics() {
    let x = random(&[4, 3, 5, 5], 10, DType::F32);
    let gamma = random(&[3], 11, DType::F32);
    let beta = random(&[3], 12, DType::F32);
    let mean = Tensor::new(&[0.5_f32, -0.2, 0.0], &Device::Cpu).unwrap();
    let var = Tensor::new(&[1.5_f32, 0.3, 2.0], &Device::Cpu).unwrap();
    let y = ops::batch_norm_eval(&x, &gamma, &beta, &mean, &var).unwrap();
    let shape = (1, 3, 1, 1);
    let expected = x
        .broadcast_sub(&mean.reshape(shape).unwrap())
        .unwrap()
        .broadcast_div(&(var.reshape(shape).unwrap() + ops::BATCH_NORM_EPS).unwrap().sqrt().unwrap())
        .unwrap()
        .broadcast_mul(&gamma.reshape(shape).unwrap())
        .unwrap()
        .broadcast_add(&beta.reshape(shape).unwrap())
        .unwrap();
    assert!(max_difference(&y, &expected) < 1e-5);
}
