//! The hot layers as functions over candle tensors, so the model code does not care how they run.
//!
//! Today they call candle's built-ins (with the odd-size max-pool fix); the speed work replaces
//! their insides with custom ops that have their own backward passes, keeping these signatures.

use candle_core::{Result, Tensor};

mod batch_norm;
mod batch_norm_kernel;
mod dropout;
mod loss;

pub use batch_norm::{
    BATCH_NORM_EPS, BATCH_NORM_MOMENTUM, BatchStats, batch_norm_eval, batch_norm_train,
    batch_norm_train_reference, running_update,
};
pub use dropout::{dropout, dropout_mask, splitmix64};
pub use loss::{cross_entropy, log_softmax};

/// How a convolution treats the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Padding {
    /// No padding: the output shrinks by `kernel - 1`.
    Valid,
    /// Zero padding so that stride 1 keeps the size (odd kernels).
    Same,
}

/// 2-D convolution: `x` [batch, in, h, w], `weight` [out, in, k, k], `bias` [out].
///
/// # Errors
/// Shape mismatches, reported by candle.
pub fn conv2d(x: &Tensor, weight: &Tensor, bias: &Tensor, stride: usize, padding: Padding) -> Result<Tensor> {
    let kernel = weight.dim(3)?;
    let pad = match padding {
        Padding::Valid => 0,
        Padding::Same => kernel / 2,
    };
    let out_channels = bias.dim(0)?;
    // [batch, out, h', w']
    let y = x.conv2d(weight, pad, stride, 1, 1)?;
    y.broadcast_add(&bias.reshape((1, out_channels, 1, 1))?)
}

/// Max pooling with a `size`×`size` window and stride `size` (floor mode).
///
/// # Errors
/// Inputs smaller than the window, reported by candle.
pub fn max_pool2d(x: &Tensor, size: usize) -> Result<Tensor> {
    let (_, _, height, width) = x.dims4()?;
    // candle's backward upsamples the pooled map to the input size, which misplaces gradients
    // when the size is not a multiple of the window; cropping first gives the same floor-mode
    // output with correct gradients.
    let x = x.narrow(2, 0, height - height % size)?.narrow(3, 0, width - width % size)?;
    x.max_pool2d(size)
}

/// Fully connected layer: `x` [batch, in], `weight` [out, in], `bias` [out] → [batch, out].
///
/// # Errors
/// Shape mismatches, reported by candle.
pub fn linear(x: &Tensor, weight: &Tensor, bias: &Tensor) -> Result<Tensor> {
    x.matmul(&weight.t()?)?.broadcast_add(bias)
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
