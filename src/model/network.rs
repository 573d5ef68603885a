//! A [`ModelSpec`] built into candle variables: seeded initialisation, the forward pass in
//! training or evaluation mode, and the named tensors a model file stores.

use std::collections::{HashMap, HashSet};

use candle_core::{DType, Device, Tensor, Var};
use rand::Rng;

use super::ModelError;
use super::shape::Shape;
use super::spec::{LayerSpec, ModelSpec};
use crate::data::{SeededRng, seeded_rng};
use crate::ops::{self, Padding};

/// How a forward pass treats dropout and batch normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForwardMode {
    /// Inference: no dropout; batch norm uses its running statistics.
    Eval,
    /// Training: dropout masks come from `step_seed` (one seed per optimisation step, so a step can
    /// be replayed exactly); batch norm uses the batch's statistics and updates its running ones.
    Train {
        /// Seed of this step's dropout masks.
        step_seed: u64,
    },
}

/// One built layer; parameter layers hold handles to the variables listed in `Network::tensors`.
#[derive(Debug)]
enum Layer {
    Dense { weight: Var, bias: Var },
    Conv2d { weight: Var, bias: Var, stride: usize, padding: Padding },
    MaxPool { size: usize },
    GlobalAvgPool,
    BatchNorm { gamma: Var, beta: Var, running_mean: Var, running_var: Var },
    Dropout { rate: f32 },
    Flatten,
    Relu,
    LeakyRelu { negative_slope: f32 },
    Tanh,
    Sigmoid,
}

/// Whether the optimizer updates a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Trainable,
    RunningStatistic,
}

#[derive(Debug)]
struct NamedVar {
    name: String,
    var: Var,
    role: Role,
}

/// A network ready to run: built from a validated spec, its variables on one device.
///
/// `forward` takes `&self`: batch-norm running statistics are updated in place (candle variables
/// have interior mutability), so one network can serve training and inference alike.
#[derive(Debug)]
pub struct Network {
    spec: ModelSpec,
    layers: Vec<Layer>,
    tensors: Vec<NamedVar>,
    device: Device,
    dtype: DType,
}

/// Uniform values in `[-bound, bound)` as a variable of `shape`.
fn uniform_var(
    rng: &mut SeededRng,
    shape: &[usize],
    bound: f64,
    dtype: DType,
    device: &Device,
) -> candle_core::Result<Var> {
    let count = shape.iter().product::<usize>();
    let values: Vec<f64> = (0..count).map(|_| rng.random_range(-bound..bound)).collect();
    Var::from_tensor(&Tensor::from_vec(values, shape, device)?.to_dtype(dtype)?)
}

impl Network {
    /// Builds `spec` in f32 on `device`, initialised from `seed` like PyTorch's defaults:
    /// weights and biases of dense and convolution layers uniform in ±1/√fan_in (Kaiming-uniform
    /// with a = √5); batch norm scale 1, shift 0, running mean 0, running variance 1.
    ///
    /// # Errors
    /// An invalid spec ([`ModelError::Spec`]) or a device that cannot hold the tensors.
    pub fn new(spec: &ModelSpec, device: &Device, seed: u64) -> Result<Self, ModelError> {
        Self::with_dtype(spec, device, DType::F32, seed)
    }

    /// As [`Network::new`] in another float dtype (f64 for gradient checks).
    ///
    /// # Errors
    /// As [`Network::new`].
    pub fn with_dtype(
        spec: &ModelSpec,
        device: &Device,
        dtype: DType,
        seed: u64,
    ) -> Result<Self, ModelError> {
        spec.validate()?;
        let rows = spec.summary()?;
        let mut rng = seeded_rng(seed);
        let mut layers = Vec::with_capacity(spec.layers.len());
        let mut tensors = Vec::new();
        let mut input = Shape::INPUT;
        for (row, layer_spec) in rows.iter().zip(&spec.layers) {
            let i = row.index;
            let mut add = |suffix: &str, var: &Var, role| {
                tensors.push(NamedVar { name: format!("layers.{i}.{suffix}"), var: var.clone(), role });
            };
            let layer = match *layer_spec {
                LayerSpec::Dense { units } => {
                    let fan_in = input.values();
                    #[allow(clippy::cast_precision_loss)]
                    let bound = 1.0 / (fan_in as f64).sqrt();
                    let weight = uniform_var(&mut rng, &[units, fan_in], bound, dtype, device)?;
                    let bias = uniform_var(&mut rng, &[units], bound, dtype, device)?;
                    add("weight", &weight, Role::Trainable);
                    add("bias", &bias, Role::Trainable);
                    Layer::Dense { weight, bias }
                }
                LayerSpec::Conv2d { filters, kernel, stride, padding } => {
                    let Shape::Image { channels, .. } = input else {
                        return Err(ModelError::Internal {
                            reason: format!("layer {i}: conv2d on a flat input"),
                        });
                    };
                    let fan_in = channels * kernel * kernel;
                    #[allow(clippy::cast_precision_loss)]
                    let bound = 1.0 / (fan_in as f64).sqrt();
                    let weight =
                        uniform_var(&mut rng, &[filters, channels, kernel, kernel], bound, dtype, device)?;
                    let bias = uniform_var(&mut rng, &[filters], bound, dtype, device)?;
                    add("weight", &weight, Role::Trainable);
                    add("bias", &bias, Role::Trainable);
                    Layer::Conv2d { weight, bias, stride, padding }
                }
                LayerSpec::BatchNorm => {
                    let channels = match input {
                        Shape::Image { channels, .. } => channels,
                        Shape::Flat { features } => features,
                    };
                    let gamma = Var::ones(channels, dtype, device)?;
                    let beta = Var::zeros(channels, dtype, device)?;
                    let running_mean = Var::zeros(channels, dtype, device)?;
                    let running_var = Var::ones(channels, dtype, device)?;
                    add("weight", &gamma, Role::Trainable);
                    add("bias", &beta, Role::Trainable);
                    add("running_mean", &running_mean, Role::RunningStatistic);
                    add("running_var", &running_var, Role::RunningStatistic);
                    Layer::BatchNorm { gamma, beta, running_mean, running_var }
                }
                LayerSpec::MaxPool { size } => Layer::MaxPool { size },
                LayerSpec::GlobalAvgPool => Layer::GlobalAvgPool,
                LayerSpec::Dropout { rate } => Layer::Dropout { rate },
                LayerSpec::Flatten => Layer::Flatten,
                LayerSpec::Relu => Layer::Relu,
                LayerSpec::LeakyRelu { negative_slope } => Layer::LeakyRelu { negative_slope },
                LayerSpec::Tanh => Layer::Tanh,
                LayerSpec::Sigmoid => Layer::Sigmoid,
            };
            layers.push(layer);
            input = row.output;
        }
        Ok(Self { spec: spec.clone(), layers, tensors, device: device.clone(), dtype })
    }

    /// The spec this network was built from.
    #[must_use]
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// The device holding the variables.
    #[must_use]
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The dtype of the variables (and of the inputs `forward` expects).
    #[must_use]
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Test-time augmentation's answer: the mean of `probabilities` (the softmax of this network
    /// on the plain pictures, evaluation mode, `[batch, classes]`) and the softmaxes on the
    /// `other_looks` at the same pictures (`TestTimeAugmentation::other_looks`). The one place
    /// that arithmetic lives: inference and a training run's test pass both come here, so the
    /// report saved after training is what the model answers later.
    ///
    /// # Errors
    /// An input of another shape or dtype, or a failure inside candle.
    pub fn mean_over_looks(
        &self,
        probabilities: &Tensor,
        other_looks: impl IntoIterator<Item = candle_core::Result<Tensor>>,
    ) -> candle_core::Result<Tensor> {
        let mut sum = probabilities.clone();
        let mut looks = 1u32;
        for x in other_looks {
            sum = (sum + candle_nn::ops::softmax_last_dim(&self.forward(&x?, ForwardMode::Eval)?)?)?;
            looks += 1;
        }
        if looks == 1 { Ok(sum) } else { sum / f64::from(looks) }
    }

    /// Logits `[batch, classes]` for `x` `[batch, 1, 28, 28]` (pixels in `0.0..=1.0`, the
    /// network's dtype). In [`ForwardMode::Train`] this also updates batch-norm running statistics.
    ///
    /// # Errors
    /// An input of another shape or dtype, or a failure inside candle.
    pub fn forward(&self, x: &Tensor, mode: ForwardMode) -> candle_core::Result<Tensor> {
        let expected = Shape::INPUT.dims_with_batch(x.dims().first().copied().unwrap_or(0));
        if x.dims() != expected.as_slice() {
            candle_core::bail!("the network expects input of shape [batch, 1, 28, 28], got {:?}", x.dims());
        }
        if x.dtype() != self.dtype {
            candle_core::bail!("the network holds {:?} weights but the input is {:?}", self.dtype, x.dtype());
        }
        let mut x = x.clone();
        let mut index = 0;
        while index < self.layers.len() {
            let (output, used) = self.forward_from(index, &x, mode)?;
            x = output;
            index += used;
        }
        Ok(x)
    }

    /// Runs the layer at `index`, or the run of layers starting there that one fused op covers;
    /// returns the output and how many layers it ran. Fused: Conv2d → BatchNorm → ReLU (→
    /// MaxPool), Conv2d → ReLU (→ MaxPool) and Dense → ReLU; each is one pass with no full-size
    /// intermediate tensors.
    fn forward_from(
        &self,
        index: usize,
        x: &Tensor,
        mode: ForwardMode,
    ) -> candle_core::Result<(Tensor, usize)> {
        let pool_after = |rest: &[Layer]| match rest.first() {
            Some(Layer::MaxPool { size }) => Some(*size),
            _ => None,
        };
        let fused = match &self.layers[index..] {
            [
                Layer::Conv2d { weight, bias, stride, padding },
                Layer::BatchNorm { gamma, beta, running_mean, running_var },
                Layer::Relu,
                rest @ ..,
            ] => {
                let pool = pool_after(rest);
                // [batch, filters, h', w'] (pooled: / size)
                let y = match mode {
                    ForwardMode::Eval => ops::conv2d_bn_relu_pool_eval(
                        x,
                        weight,
                        bias,
                        (gamma, beta),
                        (&running_mean.as_detached_tensor(), &running_var.as_detached_tensor()),
                        *stride,
                        *padding,
                        pool,
                    )?,
                    ForwardMode::Train { .. } => {
                        let (y, stats) = ops::conv2d_bn_relu_pool_train(
                            x, weight, bias, gamma, beta, *stride, *padding, pool,
                        )?;
                        update_running(running_mean, running_var, &stats)?;
                        y
                    }
                };
                Some((y, 3 + usize::from(pool.is_some())))
            }
            [Layer::Conv2d { weight, bias, stride, padding }, Layer::Relu, rest @ ..] => {
                Some(match pool_after(rest) {
                    Some(size) => (ops::conv2d_relu_pool(x, weight, bias, *stride, *padding, size)?, 3),
                    None => (ops::conv2d_relu(x, weight, bias, *stride, *padding)?, 2),
                })
            }
            // [batch, units]
            [Layer::Dense { weight, bias }, Layer::Relu, ..] => Some((ops::linear_relu(x, weight, bias)?, 2)),
            _ => None,
        };
        match fused {
            Some(done) => Ok(done),
            None => Ok((self.forward_layer(index, x, mode)?, 1)),
        }
    }

    /// Runs the single layer at `index`.
    fn forward_layer(&self, index: usize, x: &Tensor, mode: ForwardMode) -> candle_core::Result<Tensor> {
        let x = x.clone();
        Ok(match &self.layers[index] {
            // [batch, units]
            Layer::Dense { weight, bias } => ops::linear(&x, weight, bias)?,
            // [batch, filters, h', w']
            Layer::Conv2d { weight, bias, stride, padding } => {
                ops::conv2d(&x, weight, bias, *stride, *padding)?
            }
            // [batch, c, h / size, w / size]
            Layer::MaxPool { size } => ops::max_pool2d(&x, *size)?,
            // [batch, c]
            Layer::GlobalAvgPool => x.mean((2, 3))?,
            Layer::BatchNorm { gamma, beta, running_mean, running_var } => match mode {
                ForwardMode::Eval => ops::batch_norm_eval(
                    &x,
                    gamma,
                    beta,
                    &running_mean.as_detached_tensor(),
                    &running_var.as_detached_tensor(),
                )?,
                ForwardMode::Train { .. } => {
                    let (y, stats) = ops::batch_norm_train(&x, gamma, beta)?;
                    update_running(running_mean, running_var, &stats)?;
                    y
                }
            },
            Layer::Dropout { rate } => match mode {
                ForwardMode::Eval => x,
                ForwardMode::Train { step_seed } => {
                    // A different mask per layer within the step.
                    let seed =
                        ops::splitmix64(step_seed ^ (index as u64).wrapping_mul(0xA076_1D64_78BD_642F));
                    ops::dropout(&x, *rate, seed)?
                }
            },
            // [batch, c·h·w]
            Layer::Flatten => ops::flatten(&x)?,
            Layer::Relu => ops::relu(&x)?,
            // x - (1 - slope)·min(x, 0), i.e. slope·x for negatives.
            Layer::LeakyRelu { negative_slope } => {
                (x.relu()? - (x.neg()?.relu()? * f64::from(*negative_slope))?)?
            }
            Layer::Tanh => x.tanh()?,
            Layer::Sigmoid => candle_nn::ops::sigmoid(&x)?,
        })
    }

    /// The variables the optimizer updates, in a stable order (layer order; weight before bias).
    #[must_use]
    pub fn trainable_vars(&self) -> Vec<Var> {
        self.tensors.iter().filter(|t| t.role == Role::Trainable).map(|t| t.var.clone()).collect()
    }

    /// Trainable parameters; equals `spec().param_count()`.
    #[must_use]
    pub fn param_count(&self) -> usize {
        self.tensors.iter().filter(|t| t.role == Role::Trainable).map(|t| t.var.elem_count()).sum()
    }

    /// Every tensor a model file stores, in a stable order, under stable names:
    /// `layers.{i}.weight`, `layers.{i}.bias`, and for batch norm also `layers.{i}.running_mean`
    /// and `layers.{i}.running_var` (`i` = position in `spec.layers`). The tensors are copies
    /// detached from the graph: they keep their values while training goes on (a snapshot for
    /// early stopping or saving).
    ///
    /// # Errors
    /// Out of memory while copying.
    pub fn named_tensors(&self) -> candle_core::Result<Vec<(String, Tensor)>> {
        self.tensors.iter().map(|t| Ok((t.name.clone(), t.var.as_detached_tensor().copy()?))).collect()
    }

    /// The names of [`Network::named_tensors`], in order.
    #[must_use]
    pub fn tensor_names(&self) -> Vec<String> {
        self.tensors.iter().map(|t| t.name.clone()).collect()
    }

    /// Replaces every tensor's values (converted to the network's dtype and device). Checks first
    /// that `tensors` holds exactly the expected names and shapes, so nothing changes on refusal.
    ///
    /// # Errors
    /// [`ModelError::MissingTensor`], [`ModelError::UnexpectedTensor`] or
    /// [`ModelError::ShapeMismatch`] naming the tensor; [`ModelError::Tensor`] if converting fails.
    pub fn load_named(&self, tensors: &HashMap<String, Tensor>) -> Result<(), ModelError> {
        let known: HashSet<&str> = self.tensors.iter().map(|t| t.name.as_str()).collect();
        let mut extra: Vec<&String> = tensors.keys().filter(|name| !known.contains(name.as_str())).collect();
        extra.sort();
        if let Some(name) = extra.first() {
            return Err(ModelError::UnexpectedTensor { name: (*name).clone() });
        }
        let mut sources = Vec::with_capacity(self.tensors.len());
        for target in &self.tensors {
            let Some(source) = tensors.get(&target.name) else {
                return Err(ModelError::MissingTensor { name: target.name.clone() });
            };
            if source.dims() != target.var.dims() {
                return Err(ModelError::ShapeMismatch {
                    name: target.name.clone(),
                    expected: target.var.dims().to_vec(),
                    found: source.dims().to_vec(),
                });
            }
            let converted = source
                .to_device(&self.device)
                .and_then(|t| t.to_dtype(self.dtype))
                .and_then(|t| t.copy())
                .map_err(|source| ModelError::Tensor { name: target.name.clone(), source })?;
            sources.push(converted);
        }
        for (target, source) in self.tensors.iter().zip(&sources) {
            target
                .var
                .set(source)
                .map_err(|source| ModelError::Tensor { name: target.name.clone(), source })?;
        }
        Ok(())
    }
}

/// Moves batch norm's running statistics one step towards this batch's.
fn update_running(running_mean: &Var, running_var: &Var, stats: &ops::BatchStats) -> candle_core::Result<()> {
    running_mean.set(&ops::running_update(&running_mean.as_detached_tensor(), &stats.mean)?)?;
    running_var.set(&ops::running_update(&running_var.as_detached_tensor(), &stats.unbiased_variance)?)
}
