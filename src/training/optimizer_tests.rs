use candle_core::{DType, Device, Tensor};

use super::*;

/// Minimises (w - 3)² from w = 0 and returns w after `steps`.
fn minimise(kind: OptimizerKind, learning_rate: f64, steps: usize) -> f32 {
    let w = Var::zeros(1, DType::F32, &Device::Cpu).unwrap();
    let mut optimizer = Optimizer::new(kind, 0.0, vec![w.clone()]).unwrap();
    for _ in 0..steps {
        let loss = w.as_tensor().affine(1.0, -3.0).unwrap().sqr().unwrap().sum_all().unwrap();
        optimizer.step(&loss.backward().unwrap(), learning_rate).unwrap();
    }
    w.as_tensor().to_vec1::<f32>().unwrap()[0]
}

#[test]
fn every_optimizer_finds_the_minimum_of_a_parabola() {
    for kind in [
        OptimizerKind::Adam,
        OptimizerKind::AdamW,
        OptimizerKind::Sgd { momentum: 0.9 },
        OptimizerKind::Sgd { momentum: 0.0 },
    ] {
        let w = minimise(kind, 0.05, 500);
        assert!((w - 3.0).abs() < 1e-2, "{kind:?} ended at {w}");
    }
}

#[test]
fn adam_first_step_moves_by_the_learning_rate() {
    // Bias correction makes Adam's first step ±lr whatever the gradient's size.
    assert!((minimise(OptimizerKind::Adam, 0.01, 1) - 0.01).abs() < 1e-6);
}

#[test]
fn sgd_step_is_learning_rate_times_gradient() {
    // Gradient of (w-3)² at 0 is -6.
    assert!((minimise(OptimizerKind::Sgd { momentum: 0.0 }, 0.1, 1) - 0.6).abs() < 1e-6);
}

#[test]
fn adamw_matches_candle_nn_over_several_steps() {
    use candle_nn::Optimizer as _;
    let start = Tensor::randn(0_f32, 1.0, (7, 5), &Device::Cpu).unwrap();
    let target = Tensor::randn(0_f32, 1.0, (7, 5), &Device::Cpu).unwrap();
    let (ours, theirs) = (Var::from_tensor(&start).unwrap(), Var::from_tensor(&start).unwrap());
    let (lr, decay) = (0.05, 0.01);
    let mut optimizer = Optimizer::new(OptimizerKind::AdamW, decay, vec![ours.clone()]).unwrap();
    let params = candle_nn::ParamsAdamW { lr, weight_decay: decay, ..Default::default() };
    let mut reference = candle_nn::AdamW::new(vec![theirs.clone()], params).unwrap();
    let loss_of = |w: &Var| (w.as_tensor() - &target).unwrap().sqr().unwrap().sum_all().unwrap();
    for _ in 0..6 {
        optimizer.step(&loss_of(&ours).backward().unwrap(), lr).unwrap();
        reference.backward_step(&loss_of(&theirs)).unwrap();
    }
    let diff = (ours.as_tensor() - theirs.as_tensor()).unwrap().abs().unwrap().max_all().unwrap();
    assert!(diff.to_scalar::<f32>().unwrap() < 1e-5, "ours and candle-nn's AdamW differ by {diff}");
    assert!(
        loss_of(&ours).to_scalar::<f32>().unwrap()
            < loss_of(&Var::from_tensor(&start).unwrap()).to_scalar::<f32>().unwrap()
    );
}

/// Deterministic values in -1..1 (no RNG crate: the test must not move with one).
fn values(len: usize, seed: u32) -> Vec<f32> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            f32::from(u16::try_from(state >> 16).unwrap()) / 32_768.0 - 1.0
        })
        .collect()
}

fn adam_rule() -> Rule {
    Rule::Adam {
        beta1: 0.9,
        beta2: 0.999,
        step_size: 0.01,
        bias2: 0.05,
        epsilon: 1e-8,
        coupled_decay: 1e-4,
        decoupled_decay: 1e-3,
    }
}

/// An Adam loop over (weights, gradients, first moments, second moments).
type AdamPath = fn(Rule, &mut [f32], &[f32], &mut [f32], &mut [f32]);

/// One Adam update of 1003 weights (not a multiple of any vector width) by `path`.
fn adam_by(path: AdamPath) -> [Vec<f32>; 3] {
    let (mut w, g, mut m, mut v) = (values(1003, 1), values(1003, 2), values(1003, 3), values(1003, 4));
    v.iter_mut().for_each(|x| *x = x.abs());
    path(adam_rule(), &mut w, &g, &mut m, &mut v);
    [w, m, v]
}

/// The same update through the generic per-value path (`update_all`), as the f64 case runs it.
fn adam_generic(rule: Rule, w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
    let mut slot = Slot::Adam { first_moment: m.to_vec(), second_moment: v.to_vec() };
    update_all(rule, w, g, &mut slot, |x| x, |x| x).unwrap();
    let Slot::Adam { first_moment, second_moment } = slot else { unreachable!() };
    m.copy_from_slice(&first_moment);
    v.copy_from_slice(&second_moment);
}

#[test]
fn the_portable_adam_loop_matches_the_generic_update_bit_for_bit() {
    assert_eq!(adam_by(adam_f32_loop), adam_by(adam_generic));
}

#[test]
#[cfg(target_arch = "x86_64")]
fn the_avx512_adam_loop_matches_the_portable_one_bit_for_bit_where_the_cpu_has_it() {
    fn avx512(rule: Rule, w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
        assert!(std::arch::is_x86_feature_detected!("avx512f"));
        // SAFETY: the CPU has AVX-512F, asserted just above.
        unsafe { adam_f32_avx512(rule, w, g, m, v) };
    }
    if std::arch::is_x86_feature_detected!("avx2") {
        fn avx2(rule: Rule, w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
            // SAFETY: the CPU has AVX2, checked by the caller.
            unsafe { adam_f32_avx2(rule, w, g, m, v) };
        }
        assert_eq!(adam_by(avx2), adam_by(adam_f32_loop));
    }
    if !std::arch::is_x86_feature_detected!("avx512f") {
        // This CPU cannot run the AVX-512 build; the dispatcher below takes the portable path.
        assert_eq!(adam_by(adam_f32), adam_by(adam_f32_loop));
        return;
    }
    assert_eq!(adam_by(avx512), adam_by(adam_f32_loop));
    assert_eq!(adam_by(adam_f32), adam_by(avx512), "the dispatcher takes the AVX-512 path");
}

#[test]
fn a_saved_state_restores_into_a_fresh_optimizer_and_a_mismatch_is_refused() {
    let w = Var::from_slice(&[1.0_f32, 2.0], 2, &Device::Cpu).unwrap();
    let mut optimizer = Optimizer::new(OptimizerKind::Adam, 0.0, vec![w.clone()]).unwrap();
    let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
    optimizer.step(&loss.backward().unwrap(), 0.1).unwrap();
    let state = optimizer.state();
    assert_eq!(state.steps_taken, 1);
    let mut fresh = Optimizer::new(OptimizerKind::Adam, 0.0, vec![w.clone()]).unwrap();
    fresh.restore(state.clone()).unwrap();
    assert_eq!(fresh.state(), state);
    let mut sgd = Optimizer::new(OptimizerKind::Sgd { momentum: 0.9 }, 0.0, vec![w]).unwrap();
    let error = sgd.restore(state).unwrap_err();
    assert!(error.to_string().contains("variable 0 (2 weights) has another kind or size"), "{error}");
}

#[test]
fn adamw_decays_weights_without_gradient_pull() {
    let w = Var::ones(1, DType::F32, &Device::Cpu).unwrap();
    let mut optimizer = Optimizer::new(OptimizerKind::AdamW, 0.5, vec![w.clone()]).unwrap();
    // (w - 1)² has a zero gradient at w = 1: only the decoupled decay moves w.
    let loss = w.as_tensor().affine(1.0, -1.0).unwrap().sqr().unwrap().sum_all().unwrap();
    optimizer.step(&loss.backward().unwrap(), 0.1).unwrap();
    assert!((w.as_tensor().to_vec1::<f32>().unwrap()[0] - 0.95).abs() < 1e-6);
}
