//! The hot layers as functions over candle tensors, so the model code does not care how they run.
//!
//! On the CPU with `f32` or `f64` tensors each function is a candle custom op with its own
//! backward pass (im2col + GEMM convolution, max-pool with argmax indices, fused bias and ReLU,
//! no input gradient for a first layer); anything else falls back to candle's built-ins
//! ([`mod@reference`]), which the tests also use as the yardstick.

mod activation;
mod batch_norm;
mod batch_norm_kernel;
mod batch_norm_stats;
mod conv;
mod conv_bn_pool;
mod conv_columns;
mod conv_narrow;
mod conv_pool;
mod cross_entropy;
mod dropout;
mod kernel;
mod linear;
mod loss;
mod pool;
mod process;
pub mod reference;
mod simd;
mod tape;

use std::sync::{Arc, OnceLock};

use candle_core::{DType, Result, Tensor};

use conv::{Activation, Conv2dOp};
use linear::LinearOp;
use pool::MaxPoolOp;

pub use batch_norm::{
    BATCH_NORM_EPS, BATCH_NORM_MOMENTUM, BatchStats, batch_norm_eval, batch_norm_train,
    batch_norm_train_reference, running_update,
};
pub use dropout::{dropout, dropout_mask, splitmix64};
pub use loss::{cross_entropy, cross_entropy_reference, log_softmax};
pub use process::init_process;
pub(crate) use tape::flatten;
pub use tape::{GradientSource, Gradients, Tape};

/// How a convolution treats the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Padding {
    /// No padding: the output shrinks by `kernel - 1`.
    Valid,
    /// Zero padding so that stride 1 keeps the size (odd kernels).
    Same,
}

impl Padding {
    /// Zero rows/columns added on each side for a `kernel`-wide window.
    #[must_use]
    pub fn amount(self, kernel: usize) -> usize {
        match self {
            Padding::Valid => 0,
            Padding::Same => kernel / 2,
        }
    }
}

/// Whether the custom kernels can run on `tensor` (CPU, f32 or f64).
fn custom_kernels_fit(tensor: &Tensor) -> bool {
    tensor.device().is_cpu() && matches!(tensor.dtype(), DType::F32 | DType::F64)
}

/// 2-D convolution: `x` `[batch, in, h, w]`, `weight` `[out, in, k, k]`, `bias` `[out]`.
///
/// # Errors
/// Shapes that do not fit together, or an input smaller than the kernel.
pub fn conv2d(x: &Tensor, weight: &Tensor, bias: &Tensor, stride: usize, padding: Padding) -> Result<Tensor> {
    conv2d_with(x, weight, bias, stride, padding, Activation::Identity)
}

/// [`conv2d`] followed by ReLU, in one pass forward and backward.
///
/// # Errors
/// As [`conv2d`].
pub fn conv2d_relu(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    stride: usize,
    padding: Padding,
) -> Result<Tensor> {
    conv2d_with(x, weight, bias, stride, padding, Activation::Relu)
}

/// [`conv2d`], ReLU and [`max_pool2d`] with a `pool`×`pool` window, as one op: the full-size
/// activation map never becomes a tensor, and the backward pass works from the pooled maxima.
///
/// # Errors
/// As [`conv2d`] and [`max_pool2d`].
pub fn conv2d_relu_pool(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    stride: usize,
    padding: Padding,
    pool: usize,
) -> Result<Tensor> {
    if !custom_kernels_fit(x) {
        return reference::max_pool2d(&reference::conv2d(x, weight, bias, stride, padding)?.relu()?, pool);
    }
    let pad = padding.amount(weight.dim(3)?);
    let keep_indices = x.track_op() || weight.track_op() || bias.track_op();
    // [batch, out, h' / pool, w' / pool]
    tape::apply3(
        [&x.contiguous()?, &weight.contiguous()?, &bias.contiguous()?],
        &[],
        conv_pool::ConvReluPoolOp { stride, pad, pool, keep_indices, argmax: OnceLock::new() },
    )
}

/// Convolution, batch norm with the batch's own statistics, ReLU, and max pooling when `pool` is
/// given, as one op for training: `[batch, out, h', w']` (pooled: `/ pool`) and the batch
/// statistics for the running estimates. The same values as the four layers one after the other.
///
/// # Errors
/// Shapes that do not fit, as for the four layers.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_bn_relu_pool_train(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    stride: usize,
    padding: Padding,
    pool: Option<usize>,
) -> Result<(Tensor, BatchStats)> {
    if !custom_kernels_fit(x) {
        let y = reference::conv2d(x, weight, bias, stride, padding)?;
        let (y, stats) = batch_norm_train_reference(&y, gamma, beta)?;
        let y = y.relu()?;
        let y = match pool {
            Some(size) => reference::max_pool2d(&y, size)?,
            None => y,
        };
        return Ok((y, stats));
    }
    let pad = padding.amount(weight.dim(3)?);
    // [3·out]: bias ‖ gamma ‖ beta (a custom op takes three tensors).
    let params = Tensor::cat(&[bias, gamma, beta], 0)?;
    let saved = Arc::new(OnceLock::new());
    let op =
        conv_bn_pool::ConvBnReluPoolOp { stride, pad, pool, eps: BATCH_NORM_EPS, saved: Arc::clone(&saved) };
    let y = tape::apply3([&x.contiguous()?, &weight.contiguous()?, &params], &[bias, gamma, beta], op)?;
    let Some(saved) = saved.get() else { candle_core::bail!("conv + batch norm produced no statistics") };
    let (batch, _, height, width) = x.dims4()?;
    let geometry = conv::Geometry::new(
        &[batch, x.dim(1)?, height, width],
        weight.dims(),
        &[weight.dim(0)?],
        stride,
        pad,
    )?;
    let stats = batch_norm::batch_stats(&saved.stats, batch * geometry.out_area(), x)?;
    Ok((y, stats))
}

/// Convolution, batch norm with running statistics, ReLU and optional max pooling, for
/// inference: batch norm is folded into the convolution (`w·s`, `(b − mean)·s + beta` with
/// `s = gamma / √(var + eps)`), which then runs as the fused convolution + ReLU (+ pool).
///
/// # Errors
/// Shapes that do not fit, as for the four layers.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_bn_relu_pool_eval(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    (gamma, beta): (&Tensor, &Tensor),
    (running_mean, running_var): (&Tensor, &Tensor),
    stride: usize,
    padding: Padding,
    pool: Option<usize>,
) -> Result<Tensor> {
    // [out]
    let scale = (running_var + BATCH_NORM_EPS)?.sqrt()?.recip()?.mul(gamma)?;
    let folded_weight = weight.broadcast_mul(&scale.reshape((scale.elem_count(), 1, 1, 1))?)?;
    let folded_bias = bias.sub(running_mean)?.mul(&scale)?.add(beta)?;
    match pool {
        Some(size) => conv2d_relu_pool(x, &folded_weight, &folded_bias, stride, padding, size),
        None => conv2d_relu(x, &folded_weight, &folded_bias, stride, padding),
    }
}

fn conv2d_with(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    stride: usize,
    padding: Padding,
    activation: Activation,
) -> Result<Tensor> {
    if !custom_kernels_fit(x) {
        let y = reference::conv2d(x, weight, bias, stride, padding)?;
        return match activation {
            Activation::Identity => Ok(y),
            Activation::Relu => y.relu(),
        };
    }
    let pad = padding.amount(weight.dim(3)?);
    // [batch, out, h', w']
    tape::apply3(
        [&x.contiguous()?, &weight.contiguous()?, &bias.contiguous()?],
        &[],
        Conv2dOp { stride, pad, activation },
    )
}

/// Max pooling with a `size`×`size` window and stride `size` (floor mode: a last row or column
/// that does not fill a window is dropped, and gets zero gradient).
///
/// # Errors
/// Inputs smaller than the window.
pub fn max_pool2d(x: &Tensor, size: usize) -> Result<Tensor> {
    if !custom_kernels_fit(x) {
        return reference::max_pool2d(x, size);
    }
    // [batch, c, h / size, w / size]
    tape::apply1(&x.contiguous()?, MaxPoolOp { size, keep_indices: x.track_op(), argmax: OnceLock::new() })
}

/// Fully connected layer: `x` `[batch, in]`, `weight` `[out, in]`, `bias` `[out]` → `[batch, out]`.
///
/// # Errors
/// Shape mismatches.
pub fn linear(x: &Tensor, weight: &Tensor, bias: &Tensor) -> Result<Tensor> {
    linear_with(x, weight, bias, Activation::Identity)
}

/// [`linear`] followed by ReLU, in one pass forward and backward.
///
/// # Errors
/// Shape mismatches.
pub fn linear_relu(x: &Tensor, weight: &Tensor, bias: &Tensor) -> Result<Tensor> {
    linear_with(x, weight, bias, Activation::Relu)
}

fn linear_with(x: &Tensor, weight: &Tensor, bias: &Tensor, activation: Activation) -> Result<Tensor> {
    if !custom_kernels_fit(x) {
        let y = reference::linear(x, weight, bias)?;
        return match activation {
            Activation::Identity => Ok(y),
            Activation::Relu => y.relu(),
        };
    }
    // [batch, out]
    tape::apply3([&x.contiguous()?, &weight.contiguous()?, &bias.contiguous()?], &[], LinearOp { activation })
}

/// ReLU with a one-pass backward.
///
/// # Errors
/// Only for tensors candle cannot read.
pub fn relu(x: &Tensor) -> Result<Tensor> {
    if !custom_kernels_fit(x) {
        return x.relu();
    }
    tape::apply1(&x.contiguous()?, activation::ReluOp)
}

/// Error of [`set_num_threads`].
#[derive(Debug, thiserror::Error)]
pub enum ThreadsError {
    /// Zero threads were asked for.
    #[error("the number of threads must be at least 1")]
    Zero,
    /// The global thread pool was already started with another size.
    #[error("could not set {requested} threads: {reason}")]
    AlreadyStarted {
        /// Threads asked for.
        requested: usize,
        /// Why rayon refused.
        reason: String,
    },
}

/// Sets how many threads training and inference use (default: all cores).
///
/// Every kernel here splits its work over rayon's global pool, and the matrix products hand
/// `gemm` the same pool, so this one number bounds all of them (no oversubscription: a kernel
/// that splits over images runs its products single-threaded). Call it once, before any work.
///
/// # Errors
/// Zero threads, or a thread pool already started with another size.
pub fn set_num_threads(threads: usize) -> std::result::Result<(), ThreadsError> {
    if threads == 0 {
        return Err(ThreadsError::Zero);
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("atelier-compute-{i}"))
        .build_global()
        .map_err(|error| ThreadsError::AlreadyStarted { requested: threads, reason: error.to_string() })
}
