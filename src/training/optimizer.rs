//! Adam, AdamW and SGD with momentum over candle `Var`s, with the learning rate passed to every
//! step (so schedules and a user's override apply at once) and state kept across pauses.

use candle_core::backprop::GradStore;
use candle_core::{Result, Tensor, Var};

use super::config::OptimizerKind;

const ADAM_BETA1: f64 = 0.9;
const ADAM_BETA2: f64 = 0.999;
const ADAM_EPSILON: f64 = 1e-8;

/// Per-parameter state: Adam's two moments, or SGD's velocity.
#[derive(Debug)]
enum Slot {
    Adam { first_moment: Tensor, second_moment: Tensor },
    Sgd { velocity: Option<Tensor> },
}

/// An optimizer over a fixed list of variables.
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
                Ok(match kind {
                    OptimizerKind::Adam | OptimizerKind::AdamW => {
                        Slot::Adam { first_moment: var.zeros_like()?, second_moment: var.zeros_like()? }
                    }
                    OptimizerKind::Sgd { .. } => Slot::Sgd { velocity: None },
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { kind, weight_decay, vars, slots, steps_taken: 0 })
    }

    /// How many steps have been taken.
    #[must_use]
    pub fn steps_taken(&self) -> i32 {
        self.steps_taken
    }

    /// One update of every variable that has a gradient in `grads`.
    ///
    /// # Errors
    /// Shape or dtype errors from candle.
    pub fn step(&mut self, grads: &GradStore, learning_rate: f64) -> Result<()> {
        self.steps_taken = self.steps_taken.saturating_add(1);
        let bias1 = 1.0 - ADAM_BETA1.powi(self.steps_taken);
        let bias2 = 1.0 - ADAM_BETA2.powi(self.steps_taken);
        for (var, slot) in self.vars.iter().zip(&mut self.slots) {
            let Some(grad) = grads.get(var.as_tensor()) else { continue };
            let theta = var.as_tensor();
            // Classic L2 regularisation goes through the gradient; AdamW decays the weights directly.
            let coupled_decay = self.weight_decay > 0.0 && !matches!(self.kind, OptimizerKind::AdamW);
            let grad =
                if coupled_decay { (grad + theta.affine(self.weight_decay, 0.0)?)? } else { grad.clone() };
            let updated = match slot {
                Slot::Adam { first_moment, second_moment } => {
                    *first_moment =
                        (first_moment.affine(ADAM_BETA1, 0.0)? + grad.affine(1.0 - ADAM_BETA1, 0.0)?)?;
                    *second_moment = (second_moment.affine(ADAM_BETA2, 0.0)?
                        + grad.sqr()?.affine(1.0 - ADAM_BETA2, 0.0)?)?;
                    let denominator =
                        second_moment.affine(1.0 / bias2, 0.0)?.sqrt()?.affine(1.0, ADAM_EPSILON)?;
                    let update = first_moment.affine(learning_rate / bias1, 0.0)?.div(&denominator)?;
                    let decayed = if matches!(self.kind, OptimizerKind::AdamW) && self.weight_decay > 0.0 {
                        theta.affine(1.0 - learning_rate * self.weight_decay, 0.0)?
                    } else {
                        theta.clone()
                    };
                    (decayed - update)?
                }
                Slot::Sgd { velocity } => {
                    let momentum = match self.kind {
                        OptimizerKind::Sgd { momentum } => momentum,
                        OptimizerKind::Adam | OptimizerKind::AdamW => 0.0,
                    };
                    let next = match velocity.take() {
                        Some(previous) if momentum > 0.0 => (previous.affine(momentum, 0.0)? + &grad)?,
                        _ => grad,
                    };
                    let updated = (theta - next.affine(learning_rate, 0.0)?)?;
                    *velocity = Some(next);
                    updated
                }
            };
            var.set(&updated)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device};

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
    fn adamw_decays_weights_without_gradient_pull() {
        let w = Var::ones(1, DType::F32, &Device::Cpu).unwrap();
        let mut optimizer = Optimizer::new(OptimizerKind::AdamW, 0.5, vec![w.clone()]).unwrap();
        // (w - 1)² has a zero gradient at w = 1: only the decoupled decay moves w.
        let loss = w.as_tensor().affine(1.0, -1.0).unwrap().sqr().unwrap().sum_all().unwrap();
        optimizer.step(&loss.backward().unwrap(), 0.1).unwrap();
        assert!((w.as_tensor().to_vec1::<f32>().unwrap()[0] - 0.95).abs() < 1e-6);
    }
}
