//! The fused convolution → batch norm → ReLU (→ max-pool) op against the four layers one after the
//! other (values, gradients of every input, batch statistics; f32 and f64; odd sizes, batch 1,
//! stride 2, `Same` padding, no pooling) and against finite differences in f64; and its
//! inference form (batch norm folded into the convolution) against the layers in evaluation mode.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod kernel_checks;

use atelier::data::{SeededRng, seeded_rng};
use atelier::ops::{self, Padding, reference};
use candle_core::{DType, Result, Tensor, Var};
use kernel_checks::{
    Compare, assert_close, check_against_reference_on, check_finite_differences, conv_inputs, random_vec,
    tensor, values,
};

/// (input, filters, kernel, stride, padding, pool).
type Case = ([usize; 4], usize, usize, usize, Padding, Option<usize>);

/// `cnn-bn`'s padded first layer in small, odd sizes, batch 1, stride 2, a 3×3 pool, no pool
/// (also with rows longer than sixteen values, as `best`'s unpooled 14×14 convolution has).
const CASES: [Case; 7] = [
    ([3, 1, 8, 8], 4, 3, 1, Padding::Same, Some(2)),
    ([2, 3, 9, 7], 3, 3, 1, Padding::Valid, Some(2)),
    ([1, 2, 7, 8], 3, 3, 1, Padding::Same, Some(2)),
    ([2, 2, 11, 10], 3, 3, 2, Padding::Valid, Some(2)),
    ([2, 2, 10, 10], 2, 3, 1, Padding::Valid, Some(3)),
    ([2, 2, 6, 7], 3, 3, 1, Padding::Same, None),
    ([2, 2, 5, 19], 3, 3, 1, Padding::Same, None),
];

/// Convolution inputs plus batch norm's scale (some negative: the maxima then come from the
/// smallest convolution outputs) and shift.
fn inputs(rng: &mut SeededRng, case: &Case) -> Vec<(Vec<f64>, Vec<usize>)> {
    let (x, out, kernel, ..) = *case;
    let mut inputs = conv_inputs(rng, x, out, kernel);
    inputs.push((random_vec(rng, out), vec![out]));
    inputs.push((random_vec(rng, out), vec![out]));
    inputs
}

fn layers(t: &[Tensor], (stride, padding, pool): (usize, Padding, Option<usize>)) -> Result<Tensor> {
    let y = reference::conv2d(&t[0], &t[1], &t[2], stride, padding)?;
    let y = ops::batch_norm_train_reference(&y, &t[3], &t[4])?.0.relu()?;
    match pool {
        Some(size) => reference::max_pool2d(&y, size),
        None => Ok(y),
    }
}

fn fused(t: &[Tensor], (stride, padding, pool): (usize, Padding, Option<usize>)) -> Result<Tensor> {
    Ok(ops::conv2d_bn_relu_pool_train(&t[0], &t[1], &t[2], &t[3], &t[4], stride, padding, pool)?.0)
}

#[test]
fn fused_conv_batch_norm_relu_pool_matches_the_four_layers_and_finite_differences() {
    let mut rng = seeded_rng(21);
    for (index, case) in CASES.iter().enumerate() {
        let inputs = inputs(&mut rng, case);
        let (_, _, _, stride, padding, pool) = *case;
        let how = (stride, padding, pool);
        let what = format!("conv+bn+relu+pool case {index} {case:?}");
        // candle's own conv2d backward breaks on stride 2 (see ops_kernels): outputs only there.
        let compare = if stride == 1 { Compare::OutputAndGradients } else { Compare::Output };
        let custom = move |t: &[Tensor]| fused(t, how);
        let reference = move |t: &[Tensor]| layers(t, how);
        check_against_reference_on(&what, &custom, &reference, &inputs, index as u64, compare);
        check_finite_differences(&what, &custom, &inputs, index as u64);
    }
}

#[test]
fn the_batch_statistics_are_those_of_the_convolution_output() {
    let mut rng = seeded_rng(22);
    for case in &CASES {
        let (_, _, _, stride, padding, pool) = *case;
        for dtype in [DType::F64, DType::F32] {
            let t: Vec<Tensor> = inputs(&mut rng, case).iter().map(|(d, s)| tensor(d, s, dtype)).collect();
            let (_, stats) =
                ops::conv2d_bn_relu_pool_train(&t[0], &t[1], &t[2], &t[3], &t[4], stride, padding, pool)
                    .unwrap();
            let conv = reference::conv2d(&t[0], &t[1], &t[2], stride, padding).unwrap();
            let (_, want) = ops::batch_norm_train_reference(&conv, &t[3], &t[4]).unwrap();
            let tolerance = if dtype == DType::F64 { 1e-10 } else { 1e-5 };
            assert_close("mean", &values(&stats.mean), &values(&want.mean), tolerance);
            let (got, want) = (values(&stats.unbiased_variance), values(&want.unbiased_variance));
            assert_close("unbiased variance", &got, &want, tolerance);
        }
    }
}

#[test]
fn inference_folds_batch_norm_into_the_convolution_with_the_same_result() {
    let mut rng = seeded_rng(23);
    for case in &CASES {
        let (_, out, _, stride, padding, pool) = *case;
        let mut all = inputs(&mut rng, case);
        all.push((random_vec(&mut rng, out), vec![out]));
        // Running variances are positive.
        all.push((random_vec(&mut rng, out).iter().map(|v| v.abs() + 0.1).collect(), vec![out]));
        for (dtype, tolerance) in [(DType::F64, 1e-10), (DType::F32, 1e-5)] {
            let t: Vec<Tensor> = all.iter().map(|(d, s)| tensor(d, s, dtype)).collect();
            let got = ops::conv2d_bn_relu_pool_eval(
                &t[0],
                &t[1],
                &t[2],
                (&t[3], &t[4]),
                (&t[5], &t[6]),
                stride,
                padding,
                pool,
            )
            .unwrap();
            let y = reference::conv2d(&t[0], &t[1], &t[2], stride, padding).unwrap();
            let y = ops::batch_norm_eval(&y, &t[3], &t[4], &t[5], &t[6]).unwrap().relu().unwrap();
            let want = match pool {
                Some(size) => reference::max_pool2d(&y, size).unwrap(),
                None => y,
            };
            assert_eq!(got.dims(), want.dims());
            assert_close(&format!("eval {case:?} {dtype:?}"), &values(&got), &values(&want), tolerance);
        }
    }
}

/// Output and the gradients of `sum(output · upstream)` with respect to every input but the first,
/// which is a plain tensor (a first layer's pictures: nothing needs their gradient, so the op
/// skips the input gradient's product).
fn grads_without_input_gradient(
    layer: &kernel_checks::Layer,
    inputs: &[(Vec<f64>, Vec<usize>)],
    upstream: &[f64],
    dtype: DType,
) -> Vec<Vec<f64>> {
    let x = tensor(&inputs[0].0, &inputs[0].1, dtype);
    let vars: Vec<Var> = inputs[1..]
        .iter()
        .map(|(data, shape)| Var::from_tensor(&tensor(data, shape, dtype)).unwrap())
        .collect();
    let mut tensors = vec![x.clone()];
    tensors.extend(vars.iter().map(|v| v.as_tensor().clone()));
    let y = layer(&tensors).unwrap();
    let loss = (&y * &tensor(upstream, y.dims(), dtype)).unwrap().sum_all().unwrap();
    let grads = loss.backward().unwrap();
    assert!(grads.get(&x).is_none(), "the pictures got a gradient although nothing needs it");
    let mut out = vec![values(&y)];
    out.extend(tensors[1..].iter().map(|t| values(grads.get(t).expect("every parameter gets a gradient"))));
    out
}

#[test]
fn a_first_layer_gets_the_same_parameter_gradients_without_the_full_gradient_map() {
    // A first layer (the pictures need no gradient): batch 1, odd sizes, one and three input
    // channels, a 5×5 kernel, a 3×3 pool, stride 2, and a batch of 37 on two threads.
    let cases: [Case; 6] = [
        ([3, 1, 8, 8], 4, 3, 1, Padding::Same, Some(2)),
        ([1, 1, 9, 7], 3, 3, 1, Padding::Same, Some(2)),
        ([2, 3, 9, 7], 3, 3, 1, Padding::Valid, Some(2)),
        ([2, 1, 11, 10], 3, 5, 1, Padding::Same, Some(3)),
        ([2, 1, 11, 11], 3, 3, 2, Padding::Valid, Some(2)),
        ([37, 1, 12, 12], 5, 3, 1, Padding::Same, Some(2)),
    ];
    let mut rng = seeded_rng(24);
    for (index, case) in cases.iter().enumerate() {
        let inputs = inputs(&mut rng, case);
        let (_, _, _, stride, padding, pool) = *case;
        let how = (stride, padding, pool);
        let out_len = layers(&inputs.iter().map(|(d, s)| tensor(d, s, DType::F64)).collect::<Vec<_>>(), how)
            .unwrap()
            .elem_count();
        let upstream = random_vec(&mut rng, out_len);
        for (dtype, tolerance) in [(DType::F64, 1e-9), (DType::F32, 1e-4)] {
            let mut got = Vec::new();
            kernel_checks::on_two_threads(|| {
                got = grads_without_input_gradient(
                    &move |t: &[Tensor]| fused(t, how),
                    &inputs,
                    &upstream,
                    dtype,
                );
            });
            // The reference: the four layers with the same inputs (its gradients of the
            // pictures are not compared).
            let want = &kernel_checks::run_with_grads(
                &move |t: &[Tensor]| layers(t, how),
                &inputs,
                &upstream,
                dtype,
            );
            let want: Vec<&Vec<f64>> =
                want.iter().enumerate().filter(|(k, _)| *k != 1).map(|(_, v)| v).collect();
            for (k, (g, w)) in got.iter().zip(want).enumerate() {
                let part = ["output", "weight", "bias", "gamma", "beta"][k];
                assert_close(&format!("first layer case {index} {case:?} {dtype:?} {part}"), g, w, tolerance);
            }
        }
    }
}
