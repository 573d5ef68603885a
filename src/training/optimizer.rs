//! Adam, AdamW and SGD with momentum over candle `Var`s, with the learning rate passed to every
//! step (so schedules and a user's override apply at once) and state kept across pauses.

use candle_core::backprop::GradStore;
use std::cell::RefCell;

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, InplaceOp2, Layout, Result, Var};

use super::config::OptimizerKind;

const ADAM_BETA1: f64 = 0.9;
const ADAM_BETA2: f64 = 0.999;
const ADAM_EPSILON: f64 = 1e-8;

/// Per-parameter state, as plain buffers: Adam's two moments, or SGD's velocity.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    /// Adam's (and AdamW's) moving averages of the gradient and of its square.
    Adam {
        /// First moment, one value per weight.
        first_moment: Vec<f32>,
        /// Second moment, one value per weight.
        second_moment: Vec<f32>,
    },
    /// SGD's momentum buffer.
    Sgd {
        /// Velocity, one value per weight.
        velocity: Vec<f32>,
    },
}

/// Everything an optimizer remembers between steps, as plain data: what a continued run needs
/// to take the very step an uninterrupted run would have taken.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerState {
    /// Steps taken so far (Adam's bias correction depends on it).
    pub steps_taken: i32,
    /// One slot per variable, in the order of `Network::trainable_vars`.
    pub slots: Vec<Slot>,
}

/// Why an [`OptimizerState`] does not fit an optimizer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the saved optimizer state does not fit this model and optimizer: {0}")]
pub struct StateMismatch(String);

/// An optimizer over a fixed list of variables.
///
/// The update runs as one pass over plain `f32` buffers per variable rather than a chain of
/// tensor operations: a dozen candle ops per parameter (each allocating) cost as much as the
/// dense network's forward and backward passes together.
#[derive(Debug)]
pub struct Optimizer {
    kind: OptimizerKind,
    weight_decay: f64,
    vars: Vec<Var>,
    slots: Vec<Slot>,
    steps_taken: i32,
}

impl Optimizer {
    /// An optimizer of `kind` for `vars`, with zeroed state.
    ///
    /// # Errors
    /// Allocation failures from candle.
    pub fn new(kind: OptimizerKind, weight_decay: f64, vars: Vec<Var>) -> Result<Self> {
        let slots = vars
            .iter()
            .map(|var| {
                let len = var.elem_count();
                match kind {
                    OptimizerKind::Adam | OptimizerKind::AdamW => {
                        Slot::Adam { first_moment: vec![0.0; len], second_moment: vec![0.0; len] }
                    }
                    OptimizerKind::Sgd { .. } => Slot::Sgd { velocity: vec![0.0; len] },
                }
            })
            .collect();
        Ok(Self { kind, weight_decay, vars, slots, steps_taken: 0 })
    }

    /// How many steps have been taken.
    #[must_use]
    pub fn steps_taken(&self) -> i32 {
        self.steps_taken
    }

    /// A copy of the state (moments or velocities, and the step count).
    #[must_use]
    pub fn state(&self) -> OptimizerState {
        OptimizerState { steps_taken: self.steps_taken, slots: self.slots.clone() }
    }

    /// Replaces the state with `state`, after checking that it has one slot of this optimizer's
    /// kind and of the right length per variable; on refusal nothing changes.
    ///
    /// # Errors
    /// [`StateMismatch`] naming what does not fit.
    pub fn restore(&mut self, state: OptimizerState) -> std::result::Result<(), StateMismatch> {
        if state.slots.len() != self.slots.len() {
            return Err(StateMismatch(format!(
                "{} saved variables for {}",
                state.slots.len(),
                self.slots.len()
            )));
        }
        for (index, (saved, var)) in state.slots.iter().zip(&self.vars).enumerate() {
            let len = var.elem_count();
            let fits = match (saved, self.kind) {
                (Slot::Adam { first_moment, second_moment }, OptimizerKind::Adam | OptimizerKind::AdamW) => {
                    first_moment.len() == len && second_moment.len() == len
                }
                (Slot::Sgd { velocity }, OptimizerKind::Sgd { .. }) => velocity.len() == len,
                _ => false,
            };
            if !fits {
                return Err(StateMismatch(format!(
                    "variable {index} ({len} weights) has another kind or size"
                )));
            }
        }
        self.steps_taken = state.steps_taken;
        self.slots = state.slots;
        Ok(())
    }

    /// One update of every variable that has a gradient in `grads`, in place: each variable's
    /// buffer is rewritten in one pass with its moments, no tensor is allocated.
    ///
    /// # Errors
    /// Shape or dtype errors from candle.
    #[allow(clippy::cast_possible_truncation)]
    pub fn step(&mut self, grads: &GradStore, learning_rate: f64) -> Result<()> {
        self.steps_taken = self.steps_taken.saturating_add(1);
        // Classic L2 regularisation goes through the gradient; AdamW decays the weights directly.
        let (coupled_decay, decoupled_decay) = match self.kind {
            OptimizerKind::AdamW => (0.0, (learning_rate * self.weight_decay) as f32),
            OptimizerKind::Adam | OptimizerKind::Sgd { .. } => (self.weight_decay as f32, 0.0),
        };
        let rule = match self.kind {
            OptimizerKind::Adam | OptimizerKind::AdamW => Rule::Adam {
                beta1: ADAM_BETA1 as f32,
                beta2: ADAM_BETA2 as f32,
                step_size: (learning_rate / (1.0 - ADAM_BETA1.powi(self.steps_taken))) as f32,
                bias2: (1.0 - ADAM_BETA2.powi(self.steps_taken)) as f32,
                epsilon: ADAM_EPSILON as f32,
                coupled_decay,
                decoupled_decay,
            },
            OptimizerKind::Sgd { momentum } => {
                Rule::Sgd { momentum: momentum as f32, learning_rate: learning_rate as f32, coupled_decay }
            }
        };
        for (var, slot) in self.vars.iter().zip(&mut self.slots) {
            let Some(grad) = grads.get(var.as_tensor()) else { continue };
            let grad = grad.contiguous()?;
            var.as_tensor().inplace_op2(&grad, &Update { rule, slot: RefCell::new(slot) })?;
        }
        Ok(())
    }
}

/// The per-step constants of an update.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Adam {
        beta1: f32,
        beta2: f32,
        step_size: f32,
        bias2: f32,
        epsilon: f32,
        coupled_decay: f32,
        decoupled_decay: f32,
    },
    Sgd {
        momentum: f32,
        learning_rate: f32,
        coupled_decay: f32,
    },
}

impl Rule {
    /// Updates one weight `w` with its gradient `g` and its state (Adam's two moments, or SGD's
    /// velocity in `first`).
    #[inline(always)]
    fn apply(self, w: &mut f32, g: f32, first: &mut f32, second: &mut f32) {
        match self {
            Rule::Adam { beta1, beta2, step_size, bias2, epsilon, coupled_decay, decoupled_decay } => {
                let (m, v) = (first, second);
                let g = g + coupled_decay * *w;
                *m = beta1 * *m + (1.0 - beta1) * g;
                *v = beta2 * *v + (1.0 - beta2) * g * g;
                *w = *w * (1.0 - decoupled_decay) - step_size * *m / ((*v / bias2).sqrt() + epsilon);
            }
            Rule::Sgd { momentum, learning_rate, coupled_decay } => {
                let b = first;
                // PyTorch's convention: velocity = momentum·velocity + gradient.
                *b = momentum * *b + g + coupled_decay * *w;
                *w -= learning_rate * *b;
            }
        }
    }
}

/// The in-place candle op that applies a [`Rule`] to one variable.
struct Update<'a> {
    rule: Rule,
    slot: RefCell<&'a mut Slot>,
}

fn contiguous<T>(data: &[T], layout: &Layout) -> Result<std::ops::Range<usize>> {
    match layout.contiguous_offsets() {
        Some((start, end)) if end <= data.len() => Ok(start..end),
        _ => candle_core::bail!("optimizer: expected a contiguous parameter and gradient"),
    }
}

impl InplaceOp2 for Update<'_> {
    fn name(&self) -> &'static str {
        "atelier-optimizer-step"
    }

    #[allow(clippy::cast_possible_truncation)]
    fn cpu_fwd(&self, dst: &mut CpuStorage, dst_l: &Layout, src: &CpuStorage, src_l: &Layout) -> Result<()> {
        let mut slot = self.slot.borrow_mut();
        match (dst, src) {
            (CpuStorage::F32(w), CpuStorage::F32(g)) => {
                let (range, g) = (contiguous(w, dst_l)?, &g[contiguous(g, src_l)?]);
                let w = &mut w[range];
                match &mut **slot {
                    // Training's common case, with its own SIMD build.
                    Slot::Adam { first_moment, second_moment }
                        if w.len() == g.len() && w.len() == first_moment.len() =>
                    {
                        adam_f32(self.rule, w, g, first_moment, second_moment);
                        Ok(())
                    }
                    slot => update_all(self.rule, w, g, slot, |v| v, |v| v),
                }
            }
            (CpuStorage::F64(w), CpuStorage::F64(g)) => {
                let (range, g) = (contiguous(w, dst_l)?, &g[contiguous(g, src_l)?]);
                let w = &mut w[range];
                update_all(self.rule, w, g, &mut slot, |v| v as f32, f64::from)
            }
            (w, g) => candle_core::bail!(
                "optimizer: parameter {:?} and gradient {:?} must both be f32 or f64",
                w.dtype(),
                g.dtype()
            ),
        }
    }
}

/// Adam over `f32` buffers, compiled for AVX-512 when the CPU has it: as SSE (the baseline
/// x86-64 build) its square roots and divisions were 12% of a dense training step.
fn adam_f32(rule: Rule, weights: &mut [f32], grads: &[f32], first: &mut [f32], second: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F, checked just above.
        unsafe { adam_f32_avx512(rule, weights, grads, first, second) };
        return;
    }
    adam_f32_loop(rule, weights, grads, first, second);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn adam_f32_avx512(rule: Rule, weights: &mut [f32], grads: &[f32], first: &mut [f32], second: &mut [f32]) {
    adam_f32_loop(rule, weights, grads, first, second);
}

#[inline(always)]
fn adam_f32_loop(rule: Rule, weights: &mut [f32], grads: &[f32], first: &mut [f32], second: &mut [f32]) {
    for (((w, &g), m), v) in weights.iter_mut().zip(grads).zip(first).zip(second) {
        rule.apply(w, g, m, v);
    }
}

/// Applies `rule` to every weight of one variable, the state in `f32` whatever the weights' type.
fn update_all<W: Copy>(
    rule: Rule,
    weights: &mut [W],
    grads: &[W],
    slot: &mut Slot,
    to_f32: impl Fn(W) -> f32,
    from_f32: impl Fn(f32) -> W,
) -> Result<()> {
    let state_len = match slot {
        Slot::Adam { first_moment, .. } => first_moment.len(),
        Slot::Sgd { velocity } => velocity.len(),
    };
    if weights.len() != grads.len() || weights.len() != state_len {
        candle_core::bail!(
            "optimizer: gradient of {} values for a parameter of {}",
            grads.len(),
            weights.len()
        );
    }
    let step = |w: &mut W, g: W, m: &mut f32, v: &mut f32| {
        let mut value = to_f32(*w);
        rule.apply(&mut value, to_f32(g), m, v);
        *w = from_f32(value);
    };
    match slot {
        Slot::Adam { first_moment, second_moment } => {
            for (((w, &g), m), v) in weights.iter_mut().zip(grads).zip(first_moment).zip(second_moment) {
                step(w, g, m, v);
            }
        }
        Slot::Sgd { velocity } => {
            let mut unused = 0.0;
            for ((w, &g), b) in weights.iter_mut().zip(grads).zip(velocity) {
                step(w, g, b, &mut unused);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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

    /// One Adam update of 1003 weights (not a multiple of any vector width) by `path`.
    /// An Adam path: the rule, then weights, gradients and both moments.
    type AdamPath = fn(Rule, &mut [f32], &[f32], &mut [f32], &mut [f32]);

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
}
