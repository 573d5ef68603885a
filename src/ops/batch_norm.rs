//! Batch normalisation over channels (`[batch, c, h, w]`) or features (`[batch, c]`), as in
//! PyTorch's BatchNorm2d/BatchNorm1d: biased batch variance to normalise, unbiased for the running
//! estimate.

use std::sync::{Arc, OnceLock};

use candle_core::{DType, Result, Tensor};

use super::batch_norm_kernel::{BatchNormTrain, ChannelAffine};
use super::batch_norm_stats::ChannelStats;

/// Added to the variance before the square root (PyTorch's default).
pub const BATCH_NORM_EPS: f64 = 1e-5;

/// How fast the running statistics follow the batches (PyTorch's default).
pub const BATCH_NORM_MOMENTUM: f64 = 0.1;

/// The statistics of one training batch, detached from the graph, each `[c]`.
#[derive(Debug, Clone)]
pub struct BatchStats {
    /// Mean per channel.
    pub mean: Tensor,
    /// Unbiased variance per channel (what the running variance tracks).
    pub unbiased_variance: Tensor,
}

/// The reduced dims and the broadcast shape of a `[c]` parameter for `x`'s rank.
fn layout(x: &Tensor) -> Result<(Vec<usize>, Vec<usize>, usize)> {
    match x.dims() {
        &[batch, channels] => Ok((vec![0], vec![1, channels], batch)),
        &[batch, channels, height, width] => {
            Ok((vec![0, 2, 3], vec![1, channels, 1, 1], batch * height * width))
        }
        dims => candle_core::bail!("batch norm needs a 2-D or 4-D input, got shape {dims:?}"),
    }
}

/// Whether the custom kernels can run on `x` (CPU, f32 or f64).
fn kernels_fit(x: &Tensor) -> bool {
    x.device().is_cpu() && matches!(x.dtype(), DType::F32 | DType::F64)
}

/// Normalises with the batch's own statistics, then scales by `gamma` and shifts by `beta`
/// (both `[c]`). Returns the output and the batch statistics for the running estimate.
///
/// # Errors
/// An input that is not 2-D or 4-D, or parameters of the wrong size.
pub fn batch_norm_train(x: &Tensor, gamma: &Tensor, beta: &Tensor) -> Result<(Tensor, BatchStats)> {
    let (_, _, per_channel) = layout(x)?;
    if !kernels_fit(x) {
        return batch_norm_train_reference(x, gamma, beta);
    }
    let channels = x.dim(1)?;
    if gamma.dims() != [channels] || beta.dims() != [channels] {
        candle_core::bail!(
            "batch norm over {channels} channels got scale {:?} and shift {:?}",
            gamma.dims(),
            beta.dims()
        );
    }
    let stats = Arc::new(OnceLock::new());
    let op = BatchNormTrain { eps: BATCH_NORM_EPS, stats: Arc::clone(&stats) };
    let y = super::tape::apply3([&x.contiguous()?, &gamma.contiguous()?, &beta.contiguous()?], &[], op)?;
    let Some(stats) = stats.get() else { candle_core::bail!("batch norm kernel produced no statistics") };
    Ok((y, batch_stats(stats, per_channel, x)?))
}

/// The kernels' statistics as tensors like `x`'s, the variance made unbiased over the
/// `per_channel` values each channel had.
pub(crate) fn batch_stats(stats: &ChannelStats, per_channel: usize, x: &Tensor) -> Result<BatchStats> {
    let channels = stats.mean.len();
    #[allow(clippy::cast_precision_loss)]
    let correction = if per_channel > 1 { per_channel as f64 / (per_channel - 1) as f64 } else { 1.0 };
    let unbiased: Vec<f64> = stats.variance.iter().map(|v| v * correction).collect();
    Ok(BatchStats {
        mean: Tensor::from_vec(stats.mean.clone(), channels, x.device())?.to_dtype(x.dtype())?,
        unbiased_variance: Tensor::from_vec(unbiased, channels, x.device())?.to_dtype(x.dtype())?,
    })
}

/// [`batch_norm_train`] with candle's generic ops: the fallback off the CPU and the yardstick
/// of the tests.
///
/// # Errors
/// As [`batch_norm_train`].
pub fn batch_norm_train_reference(x: &Tensor, gamma: &Tensor, beta: &Tensor) -> Result<(Tensor, BatchStats)> {
    let (dims, param_shape, per_channel) = layout(x)?;
    // [1, c, 1, 1] (or [1, c])
    let mean = x.mean_keepdim(dims.as_slice())?;
    let centered = x.broadcast_sub(&mean)?;
    let variance = centered.sqr()?.mean_keepdim(dims.as_slice())?;
    let inv_std = (variance.clone() + BATCH_NORM_EPS)?.sqrt()?.recip()?;
    let y = centered
        .broadcast_mul(&inv_std)?
        .broadcast_mul(&gamma.reshape(param_shape.as_slice())?)?
        .broadcast_add(&beta.reshape(param_shape.as_slice())?)?;
    #[allow(clippy::cast_precision_loss)]
    let correction = if per_channel > 1 { per_channel as f64 / (per_channel - 1) as f64 } else { 1.0 };
    let stats = BatchStats {
        mean: mean.detach().flatten_all()?,
        unbiased_variance: (variance.detach().flatten_all()? * correction)?,
    };
    Ok((y, stats))
}

/// Normalises with running statistics (evaluation), each `[c]`.
///
/// # Errors
/// An input that is not 2-D or 4-D, or parameters of the wrong size.
pub fn batch_norm_eval(
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    running_mean: &Tensor,
    running_var: &Tensor,
) -> Result<Tensor> {
    let (_, param_shape, _) = layout(x)?;
    // Fold everything into one scale and one shift per channel: y = x·scale + shift.
    let scale = (running_var + BATCH_NORM_EPS)?.sqrt()?.recip()?.mul(gamma)?;
    let shift = beta.sub(&running_mean.mul(&scale)?)?;
    if kernels_fit(x) {
        return x.contiguous()?.apply_op3(&scale.contiguous()?, &shift.contiguous()?, ChannelAffine);
    }
    let shape = param_shape.as_slice();
    x.broadcast_mul(&scale.reshape(shape)?)?.broadcast_add(&shift.reshape(shape)?)
}

/// The running statistic after one batch: `(1 - momentum)·running + momentum·batch`.
///
/// # Errors
/// Shape or dtype mismatches.
pub fn running_update(running: &Tensor, batch: &Tensor) -> Result<Tensor> {
    (running * (1.0 - BATCH_NORM_MOMENTUM))? + (batch.to_dtype(running.dtype())? * BATCH_NORM_MOMENTUM)?
}
