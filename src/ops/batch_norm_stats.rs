//! Batch norm's statistics over `[batch, channels, spatial]`: per channel in two passes over the
//! map (the standalone batch-norm op), or from each plane's moments taken while the plane was in
//! cache (the fused convolution + batch norm, [`stats_from_planes`]).

use super::batch_norm_kernel::channel_sums;
use super::simd::vectorised;
use candle_core::WithDType;
use rayon::prelude::*;

/// The batch statistics of one forward pass, kept for its backward pass.
#[derive(Debug)]
pub(crate) struct ChannelStats {
    /// Mean per channel.
    pub(crate) mean: Vec<f64>,
    /// Biased variance per channel.
    pub(crate) variance: Vec<f64>,
    /// `1 / sqrt(variance + eps)` per channel.
    pub(crate) inv_std: Vec<f64>,
}

/// `Σ f(v)` over one plane in the values' own type with sixteen running sums, which vectorise (a
/// single running sum is a chain of dependent additions, ~4 cycles per value: a tenth of a
/// `cnn-bn` step), returned as f64 for the sums over planes. A plane is at most a few thousand
/// values, so f32 partial sums lose nothing batch norm could notice.
#[inline(always)]
pub(super) fn lane_sum<T: WithDType>(xs: &[T], f: impl Fn(T) -> T) -> f64 {
    let mut lanes = [T::from_f64(0.0); 16];
    let chunks = xs.chunks_exact(16);
    let tail: f64 = chunks.remainder().iter().map(|&v| f(v).to_f64()).sum();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += f(v);
        }
    }
    lanes.iter().map(|v| v.to_f64()).sum::<f64>() + tail
}

/// Mean and biased variance per channel (two passes, for accuracy).
pub(crate) fn channel_stats<T: WithDType>(x: &[T], dims: (usize, usize, usize), eps: f64) -> ChannelStats {
    let (batch, channels, spatial) = dims;
    #[allow(clippy::cast_precision_loss)]
    let count = (batch * spatial) as f64;
    let zeros = vec![0.0; channels];
    let ones = vec![1.0; channels];
    let mean: Vec<f64> =
        channel_sums(x, None, &zeros, &ones, dims).iter().map(|&(_, sum)| sum / count).collect();
    let variance: Vec<f64> = (0..channels)
        .into_par_iter()
        .map(|channel| {
            vectorised(
                #[inline(always)]
                || {
                    let center = T::from_f64(mean[channel]);
                    let squares: f64 = (0..batch)
                        .map(|image| {
                            let start = (image * channels + channel) * spatial;
                            lane_sum(&x[start..start + spatial], |v| (v - center) * (v - center))
                        })
                        .sum();
                    squares / count
                },
            )
        })
        .collect();
    let inv_std = variance.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
    ChannelStats { mean, variance, inv_std }
}

/// One plane's share of its channel's statistics: `Σ v` and `Σ (v − m)²` around the plane's own
/// mean `m`, taken while the plane is in cache (see [`stats_from_planes`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PlaneMoments {
    pub(crate) sum: f64,
    pub(crate) squares: f64,
}

/// The [`PlaneMoments`] of one plane: two passes over it, both in cache.
#[inline(always)]
pub(crate) fn plane_moments<T: WithDType>(plane: &[T]) -> PlaneMoments {
    let sum = lane_sum(plane, |v| v);
    #[allow(clippy::cast_precision_loss)]
    let center = T::from_f64(sum / plane.len().max(1) as f64);
    PlaneMoments { sum, squares: lane_sum(plane, |v| (v - center) * (v - center)) }
}

/// The statistics of `[batch, channels, spatial]` from its planes' moments (`[batch, channels]`
/// in order): the mean from the sums, the variance as `Σ squares + n·(m − mean)²` over planes
/// (each term ≥ 0: no cancellation), added in image order whatever split made them.
pub(crate) fn stats_from_planes(
    moments: &[PlaneMoments],
    (batch, channels, spatial): (usize, usize, usize),
    eps: f64,
) -> ChannelStats {
    #[allow(clippy::cast_precision_loss)]
    let (count, n) = ((batch * spatial) as f64, spatial as f64);
    let mut mean = vec![0.0; channels];
    for image in moments.chunks_exact(channels) {
        for (total, m) in mean.iter_mut().zip(image) {
            *total += m.sum;
        }
    }
    mean.iter_mut().for_each(|m| *m /= count);
    let mut variance = vec![0.0; channels];
    for image in moments.chunks_exact(channels) {
        for ((total, m), &channel_mean) in variance.iter_mut().zip(image).zip(&mean) {
            let offset = m.sum / n - channel_mean;
            *total += m.squares + n * offset * offset;
        }
    }
    variance.iter_mut().for_each(|v| *v /= count);
    let inv_std = variance.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
    ChannelStats { mean, variance, inv_std }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_from_plane_moments_are_those_of_the_whole_map() {
        // [3 images, 2 channels, 7 values], the channels far apart in mean and spread, and one
        // batch of a single plane per channel.
        let values: Vec<f64> = (0..42_u32)
            .map(|i| f64::from(i % 7) * if i % 14 < 7 { 0.5 } else { 40.0 } + f64::from(i / 14))
            .collect();
        for (dims, values) in [((3, 2, 7), &values[..]), ((1, 2, 7), &values[..14])] {
            let moments: Vec<PlaneMoments> = values.chunks_exact(dims.2).map(plane_moments).collect();
            let got = stats_from_planes(&moments, dims, 1e-5);
            let want = channel_stats(values, dims, 1e-5);
            for (g, w) in
                [(&got.mean, &want.mean), (&got.variance, &want.variance), (&got.inv_std, &want.inv_std)]
            {
                for (g, w) in g.iter().zip(w) {
                    assert!((g - w).abs() <= 1e-12 * (1.0 + w.abs()), "{dims:?}: got {g}, want {w}");
                }
            }
        }
    }
}
