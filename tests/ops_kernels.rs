//! The custom kernels in `atelier::ops` against candle's built-ins (values and gradients, f32 and
//! f64, odd sizes, stride 2, `Same` padding) and against finite differences in f64.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod kernel_checks;

use atelier::data::seeded_rng;
use atelier::ops::{self, Padding, reference};
use candle_core::{DType, Device, Tensor, Var};
use kernel_checks::{
    Compare, check_against_reference, check_against_reference_on, check_finite_differences, conv_inputs,
    on_two_threads, random_vec, tensor,
};
use rand::Rng;

/// (input shape, filters, kernel, stride, padding): odd and even sizes, stride 2, `Same`, and
/// rows of 8-32 values (copied in blocks of eight) as well as shorter ones, down to 3×3 kernels
/// on images so small that no input column takes all three taps.
const CONV_CASES: [([usize; 4], usize, usize, usize, Padding); 12] = [
    ([2, 1, 8, 8], 4, 3, 1, Padding::Valid),
    ([3, 3, 7, 9], 5, 3, 1, Padding::Valid),
    ([2, 2, 9, 7], 3, 3, 2, Padding::Valid),
    ([2, 3, 7, 7], 4, 3, 1, Padding::Same),
    ([1, 2, 8, 9], 3, 5, 2, Padding::Same),
    ([2, 4, 5, 6], 6, 1, 1, Padding::Valid),
    ([1, 2, 6, 6], 2, 5, 1, Padding::Same),
    ([1, 2, 5, 30], 3, 3, 1, Padding::Same),
    ([2, 1, 4, 19], 2, 3, 1, Padding::Valid),
    ([2, 2, 3, 3], 2, 3, 1, Padding::Valid),
    ([1, 2, 2, 1], 2, 3, 1, Padding::Same),
    ([2, 1, 3, 2], 3, 3, 1, Padding::Same),
];

#[test]
fn conv2d_matches_candle_on_odd_sizes_strides_and_padding() {
    let mut rng = seeded_rng(1);
    for (case, (x, out, kernel, stride, padding)) in CONV_CASES.into_iter().enumerate() {
        let inputs = conv_inputs(&mut rng, x, out, kernel);
        let custom = move |t: &[Tensor]| ops::conv2d(&t[0], &t[1], &t[2], stride, padding);
        let reference = move |t: &[Tensor]| reference::conv2d(&t[0], &t[1], &t[2], stride, padding);
        let compare = if stride == 1 { Compare::OutputAndGradients } else { Compare::Output };
        check_against_reference_on(
            &format!("conv case {case}"),
            &custom,
            &reference,
            &inputs,
            case as u64,
            compare,
        );
        let custom_relu = move |t: &[Tensor]| ops::conv2d_relu(&t[0], &t[1], &t[2], stride, padding);
        let reference_relu =
            move |t: &[Tensor]| reference::conv2d(&t[0], &t[1], &t[2], stride, padding)?.relu();
        let what = format!("conv+relu case {case}");
        check_against_reference_on(&what, &custom_relu, &reference_relu, &inputs, 10 + case as u64, compare);
    }
}

#[test]
fn conv2d_gradients_match_finite_differences() {
    let mut rng = seeded_rng(2);
    for (case, (x, out, kernel, stride, padding)) in CONV_CASES.into_iter().enumerate().skip(1).take(4) {
        let inputs = conv_inputs(&mut rng, x, out, kernel);
        let layer = move |t: &[Tensor]| ops::conv2d(&t[0], &t[1], &t[2], stride, padding);
        check_finite_differences(&format!("conv case {case}"), &layer, &inputs, case as u64);
        let fused = move |t: &[Tensor]| ops::conv2d_relu(&t[0], &t[1], &t[2], stride, padding);
        check_finite_differences(&format!("conv+relu case {case}"), &fused, &inputs, case as u64);
    }
}

#[test]
fn first_layer_input_gets_no_gradient() {
    let mut rng = seeded_rng(3);
    let inputs = conv_inputs(&mut rng, [2, 1, 6, 6], 3, 3);
    let x = tensor(&inputs[0].0, &inputs[0].1, DType::F32); // a plain tensor: nothing needs its gradient
    let w = Var::from_tensor(&tensor(&inputs[1].0, &inputs[1].1, DType::F32)).unwrap();
    let b = Var::from_tensor(&tensor(&inputs[2].0, &inputs[2].1, DType::F32)).unwrap();
    let y = ops::conv2d_relu(&x, &w, &b, 1, Padding::Valid).unwrap();
    let flat = y.flatten_from(1).unwrap();
    let lw = Var::from_tensor(&tensor(
        &random_vec(&mut rng, 2 * flat.dim(1).unwrap()),
        &[2, flat.dim(1).unwrap()],
        DType::F32,
    ))
    .unwrap();
    let lb = Var::zeros(2, DType::F32, &Device::Cpu).unwrap();
    let loss = ops::linear(&flat, &lw, &lb).unwrap().sum_all().unwrap();
    let grads = loss.backward().unwrap();
    assert!(grads.get(&x).is_none(), "the input's gradient was computed although nothing needs it");
    assert!(grads.get(&w).is_some() && grads.get(&b).is_some() && grads.get(&lw).is_some());
}

#[test]
fn max_pool_matches_candle_and_finite_differences_on_odd_sizes() {
    let mut rng = seeded_rng(4);
    for (case, (shape, size)) in
        [([2, 3, 8, 8], 2), ([2, 2, 11, 11], 2), ([1, 3, 7, 10], 3), ([3, 1, 5, 4], 2)]
            .into_iter()
            .enumerate()
    {
        // Distinct values (a shuffled grid) so that the maximum of each window is unique and
        // finite differences never cross a tie.
        let len: usize = shape.iter().product();
        let mut data: Vec<f64> = (0..len).map(|i| i as f64 / len as f64 - 0.5).collect();
        for i in (1..len).rev() {
            data.swap(i, rng.random_range(0..=i));
        }
        let inputs = vec![(data, shape.to_vec())];
        let custom = move |t: &[Tensor]| ops::max_pool2d(&t[0], size);
        let reference = move |t: &[Tensor]| reference::max_pool2d(&t[0], size);
        check_against_reference(&format!("pool case {case}"), &custom, &reference, &inputs, case as u64);
        check_finite_differences(&format!("pool case {case}"), &custom, &inputs, case as u64);
    }
}

#[test]
fn max_pool_of_11_by_11_routes_each_gradient_to_its_maximum() {
    // The CNN pools an 11×11 map: the last row and column are dropped and get no gradient.
    let data: Vec<f32> = (0..121).map(|i| i as f32).collect();
    let x = Var::from_tensor(&Tensor::from_vec(data, (1, 1, 11, 11), &Device::Cpu).unwrap()).unwrap();
    let y = ops::max_pool2d(&x, 2).unwrap();
    assert_eq!(y.dims(), &[1, 1, 5, 5]);
    let grads = y.sum_all().unwrap().backward().unwrap();
    let g = grads.get(&x).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    for (i, v) in g.iter().enumerate() {
        let (row, col) = (i / 11, i % 11);
        let is_max = row % 2 == 1 && col % 2 == 1 && row < 10 && col < 10;
        assert_eq!(*v, if is_max { 1.0 } else { 0.0 }, "position {row},{col}");
    }
}

#[test]
fn linear_and_relu_match_candle_and_finite_differences() {
    let mut rng = seeded_rng(5);
    for (case, (batch, inputs_len, outputs)) in [(3, 7, 5), (1, 16, 1), (17, 33, 9)].into_iter().enumerate() {
        let inputs = vec![
            (random_vec(&mut rng, batch * inputs_len), vec![batch, inputs_len]),
            (random_vec(&mut rng, outputs * inputs_len), vec![outputs, inputs_len]),
            (random_vec(&mut rng, outputs), vec![outputs]),
        ];
        let custom = |t: &[Tensor]| ops::linear(&t[0], &t[1], &t[2]);
        let reference = |t: &[Tensor]| reference::linear(&t[0], &t[1], &t[2]);
        check_against_reference(&format!("linear case {case}"), &custom, &reference, &inputs, case as u64);
        check_finite_differences(&format!("linear case {case}"), &custom, &inputs, case as u64);
        let fused = |t: &[Tensor]| ops::linear_relu(&t[0], &t[1], &t[2]);
        let unfused = |t: &[Tensor]| reference::linear(&t[0], &t[1], &t[2])?.relu();
        check_against_reference(&format!("linear+relu case {case}"), &fused, &unfused, &inputs, case as u64);
        check_finite_differences(&format!("linear+relu case {case}"), &fused, &inputs, case as u64);
        let relu = |t: &[Tensor]| ops::relu(&t[0]);
        let candle_relu = |t: &[Tensor]| t[0].relu();
        check_against_reference(&format!("relu case {case}"), &relu, &candle_relu, &inputs[..1], case as u64);
    }
}

#[test]
fn fused_conv_relu_pool_matches_the_three_layers_and_finite_differences() {
    let mut rng = seeded_rng(8);
    // (input, filters, kernel, stride, padding, pool): the CNN's 11×11 → 5×5, odd sizes, stride 2.
    let cases = [
        ([3, 2, 13, 13], 4, 3, 1, Padding::Valid, 2),
        ([2, 3, 9, 8], 3, 3, 1, Padding::Same, 2),
        ([2, 2, 11, 10], 3, 3, 2, Padding::Valid, 2),
        ([1, 2, 10, 10], 2, 3, 1, Padding::Valid, 3),
    ];
    for (case, (x, out, kernel, stride, padding, pool)) in cases.into_iter().enumerate() {
        let inputs = conv_inputs(&mut rng, x, out, kernel);
        let fused = move |t: &[Tensor]| ops::conv2d_relu_pool(&t[0], &t[1], &t[2], stride, padding, pool);
        let layers = move |t: &[Tensor]| {
            reference::max_pool2d(&reference::conv2d(&t[0], &t[1], &t[2], stride, padding)?.relu()?, pool)
        };
        let compare = if stride == 1 { Compare::OutputAndGradients } else { Compare::Output };
        check_against_reference_on(
            &format!("conv+relu+pool case {case}"),
            &fused,
            &layers,
            &inputs,
            case as u64,
            compare,
        );
        check_finite_differences(&format!("conv+relu+pool case {case}"), &fused, &inputs, case as u64);
    }
}

#[test]
fn a_larger_batch_splits_over_threads_with_the_same_result() {
    on_two_threads(a_larger_batch_splits);
}

fn a_larger_batch_splits() {
    // 37 images: more than the 8 tasks of two threads, not a multiple of them.
    let mut rng = seeded_rng(6);
    let inputs = conv_inputs(&mut rng, [37, 3, 12, 12], 8, 3);
    let custom =
        |t: &[Tensor]| ops::max_pool2d(&ops::conv2d_relu(&t[0], &t[1], &t[2], 1, Padding::Valid)?, 2);
    let reference = |t: &[Tensor]| {
        reference::max_pool2d(&reference::conv2d(&t[0], &t[1], &t[2], 1, Padding::Valid)?.relu()?, 2)
    };
    check_against_reference("conv+relu+pool batch 37", &custom, &reference, &inputs, 6);
    let fused = |t: &[Tensor]| ops::conv2d_relu_pool(&t[0], &t[1], &t[2], 1, Padding::Valid, 2);
    check_against_reference("fused conv+relu+pool batch 37", &fused, &reference, &inputs, 6);
}

#[test]
fn images_grouped_into_one_product_give_the_same_result_with_a_partial_last_group() {
    on_two_threads(images_grouped);
}

fn images_grouped() {
    // 18×18 outputs: three images per product, so each task of 5 images (37 over the 8 tasks of
    // two threads) runs a group of 3 and one of 2 (37 images, not a multiple of either).
    let mut rng = seeded_rng(9);
    let inputs = conv_inputs(&mut rng, [37, 2, 20, 20], 4, 3);
    let conv = |t: &[Tensor]| ops::conv2d_relu(&t[0], &t[1], &t[2], 1, Padding::Valid);
    let candle = |t: &[Tensor]| reference::conv2d(&t[0], &t[1], &t[2], 1, Padding::Valid)?.relu();
    check_against_reference("grouped conv+relu batch 37", &conv, &candle, &inputs, 9);
    let fused = |t: &[Tensor]| ops::conv2d_relu_pool(&t[0], &t[1], &t[2], 1, Padding::Valid, 2);
    let layers = |t: &[Tensor]| {
        reference::max_pool2d(&reference::conv2d(&t[0], &t[1], &t[2], 1, Padding::Valid)?.relu()?, 2)
    };
    check_against_reference("grouped conv+relu+pool batch 37", &fused, &layers, &inputs, 9);
}

#[test]
fn fused_cross_entropy_matches_candle_with_and_without_smoothing() {
    let mut rng = seeded_rng(10);
    for (case, (batch, classes)) in [(1, 2), (7, 10), (33, 3)].into_iter().enumerate() {
        // Large logits too: the op must subtract the row maximum as the reference does.
        let logits: Vec<f64> = random_vec(&mut rng, batch * classes).iter().map(|v| v * 30.0).collect();
        let targets: Vec<u32> = (0..batch).map(|_| rng.random_range(0..classes as u32)).collect();
        let targets = Tensor::from_vec(targets, batch, &Device::Cpu).unwrap();
        for smoothing in [0.0, 0.1] {
            let inputs = vec![(logits.clone(), vec![batch, classes])];
            let (mine, theirs) = (targets.clone(), targets.clone());
            let custom = move |t: &[Tensor]| ops::cross_entropy(&t[0], &mine, smoothing)?.reshape(1);
            let reference =
                move |t: &[Tensor]| ops::cross_entropy_reference(&t[0], &theirs, smoothing)?.reshape(1);
            let what = format!("cross-entropy case {case} ε={smoothing}");
            check_against_reference(&what, &custom, &reference, &inputs, case as u64);
        }
    }
    let logits = Tensor::zeros((2, 3), DType::F32, &Device::Cpu).unwrap();
    let out_of_range = Tensor::new(&[0_u32, 3], &Device::Cpu).unwrap();
    assert!(ops::cross_entropy(&logits, &out_of_range, 0.0).is_err(), "class 3 of 3 must be refused");
}
