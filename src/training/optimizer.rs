//! Adam, AdamW and SGD with momentum over candle `Var`s, with the learning rate passed to every
//! step (so schedules and a user's override apply at once) and state kept across pauses.

use std::cell::RefCell;

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, InplaceOp2, Layout, Result, Var};

use super::config::OptimizerKind;
use crate::ops::GradientSource;

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
    pub fn step(&mut self, grads: &impl GradientSource, learning_rate: f64) -> Result<()> {
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
            let Some(grad) = grads.gradient(var.as_tensor()) else { continue };
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
                        adam_f32_split(self.rule, w, g, first_moment, second_moment);
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

/// Variables with at least this many weights are updated by all of the pool's threads.
const SPLIT_MIN_WEIGHTS: usize = 1 << 14;
/// Pieces per thread of a split variable: small enough that a thread that starts late still
/// gets its share (with one piece each the training thread did two thirds of the work).
const PIECES_PER_THREAD: usize = 4;

/// [`adam_f32`] over the pool's threads for large variables, one piece each (elementwise, so the
/// same values as one pass): the update streams four arrays of ~1 MB through the cache, and for
/// `dense` it was 18% of a step on one core while the other waited.
fn adam_f32_split(rule: Rule, weights: &mut [f32], grads: &[f32], first: &mut [f32], second: &mut [f32]) {
    let threads = rayon::current_num_threads();
    if threads <= 1 || weights.len() < SPLIT_MIN_WEIGHTS {
        adam_f32(rule, weights, grads, first, second);
        return;
    }
    let piece = weights.len().div_ceil(threads * PIECES_PER_THREAD).next_multiple_of(16);
    rayon::scope(|scope| {
        let pieces = weights
            .chunks_mut(piece)
            .zip(grads.chunks(piece))
            .zip(first.chunks_mut(piece))
            .zip(second.chunks_mut(piece));
        for (((w, g), m), v) in pieces {
            scope.spawn(move |_| adam_f32(rule, w, g, m, v));
        }
    });
}

/// Adam over `f32` buffers, compiled for AVX-512 or AVX2 when the CPU has it: as SSE (the
/// baseline x86-64 build) its square roots and divisions were 12% of a dense training step.
/// (Without the `avx512` feature the AVX-512 copy is skipped, as on a CPU without it.)
fn adam_f32(rule: Rule, weights: &mut [f32], grads: &[f32], first: &mut [f32], second: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if cfg!(feature = "avx512") && std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            unsafe { adam_f32_avx512(rule, weights, grads, first, second) };
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { adam_f32_avx2(rule, weights, grads, first, second) };
            return;
        }
    }
    adam_f32_loop(rule, weights, grads, first, second);
}

/// The same loop compiled for AVX2 (8 lanes; no FMA contraction, so bit-identical).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn adam_f32_avx2(rule: Rule, weights: &mut [f32], grads: &[f32], first: &mut [f32], second: &mut [f32]) {
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
#[path = "optimizer_tests.rs"]
mod tests;
