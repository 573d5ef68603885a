//! Adam, AdamW and SGD with momentum over candle `Var`s, with the learning rate passed to every
//! step (so schedules and a user's override apply at once) and state kept across pauses.

use candle_core::backprop::GradStore;
use candle_core::{DType, Result, Tensor, Var};

use super::config::OptimizerKind;

const ADAM_BETA1: f64 = 0.9;
const ADAM_BETA2: f64 = 0.999;
const ADAM_EPSILON: f64 = 1e-8;

/// Per-parameter state, as plain buffers: Adam's two moments, or SGD's velocity.
#[derive(Debug)]
enum Slot {
    Adam { first_moment: Vec<f32>, second_moment: Vec<f32> },
    Sgd { velocity: Vec<f32> },
}

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

/// The values of `tensor` as `f32`, flattened.
fn values(tensor: &Tensor) -> Result<Vec<f32>> {
    tensor.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()
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

    /// One update of every variable that has a gradient in `grads`.
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
        let lr = learning_rate as f32;
        for (var, slot) in self.vars.iter().zip(&mut self.slots) {
            let Some(grad) = grads.get(var.as_tensor()) else { continue };
            let grad = values(grad)?;
            let mut theta = values(var.as_tensor())?;
            match slot {
                Slot::Adam { first_moment, second_moment } => {
                    let (beta1, beta2) = (ADAM_BETA1 as f32, ADAM_BETA2 as f32);
                    let step_size = (learning_rate / (1.0 - ADAM_BETA1.powi(self.steps_taken))) as f32;
                    let bias2 = (1.0 - ADAM_BETA2.powi(self.steps_taken)) as f32;
                    let epsilon = ADAM_EPSILON as f32;
                    for (((w, &g), m), v) in theta.iter_mut().zip(&grad).zip(first_moment).zip(second_moment)
                    {
                        let g = g + coupled_decay * *w;
                        *m = beta1 * *m + (1.0 - beta1) * g;
                        *v = beta2 * *v + (1.0 - beta2) * g * g;
                        *w = *w * (1.0 - decoupled_decay) - step_size * *m / ((*v / bias2).sqrt() + epsilon);
                    }
                }
                Slot::Sgd { velocity } => {
                    let momentum = match self.kind {
                        OptimizerKind::Sgd { momentum } => momentum as f32,
                        OptimizerKind::Adam | OptimizerKind::AdamW => 0.0,
                    };
                    for ((w, &g), b) in theta.iter_mut().zip(&grad).zip(velocity) {
                        // PyTorch's convention: velocity = momentum·velocity + gradient.
                        *b = momentum * *b + g + coupled_decay * *w;
                        *w -= lr * *b;
                    }
                }
            }
            let updated = Tensor::from_vec(theta, var.shape(), var.device())?.to_dtype(var.dtype())?;
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
