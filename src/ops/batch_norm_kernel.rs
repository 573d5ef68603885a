//! Batch-norm kernels as candle custom ops on the CPU (f32/f64): per-channel statistics (see
//! `batch_norm_stats`), the normalisation as one fused scale-and-shift pass, and a
//! backward pass of two passes (sums, then input gradient), where candle's generic ops made
//! ~20 broadcast passes over the activations.
//!
//! Tensors are read as `[batch, channels, spatial]` (spatial = h·w, or 1 for `[batch, features]`).

use std::sync::{Arc, OnceLock};

use super::batch_norm_stats::{ChannelStats, channel_stats, lane_sum};
use super::simd::vectorised;
use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp2, CustomOp3, DType, Layout, Result, Shape, Tensor, WithDType};
use rayon::prelude::*;

/// Elements per parallel task, so small tensors do not pay rayon's overhead per row.
const MIN_TASK_ELEMENTS: usize = 1 << 15;

/// `(batch, channels, spatial)` of a tensor layout.
fn dims3(layout: &Layout) -> Result<(usize, usize, usize)> {
    match layout.dims() {
        [batch, channels, rest @ ..] => Ok((*batch, *channels, rest.iter().product())),
        dims => candle_core::bail!("batch norm needs a [batch, channels, …] tensor, got {dims:?}"),
    }
}

/// The contiguous elements of a storage.
fn slice<'a, T: WithDType>(storage: &'a CpuStorage, layout: &Layout) -> Result<&'a [T]> {
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("batch norm kernels need contiguous tensors");
    };
    Ok(&storage.as_slice::<T>()?[start..end])
}

/// Rows of one image (`channels · spatial` elements) per parallel task.
fn rows_per_task(row: usize) -> usize {
    (MIN_TASK_ELEMENTS / row.max(1)).max(1)
}

/// `out[b, c, i] = a[c]·first[b, c, i] + p[c]·second[b, c, i] + q[c]` (`second` optional).
fn combine<T: WithDType>(
    first: &[T],
    second: Option<&[T]>,
    a: &[f64],
    p: &[f64],
    q: &[f64],
    spatial: usize,
) -> Vec<T> {
    let channels = a.len();
    let row = channels * spatial;
    let cast = |v: &[f64]| v.iter().map(|&x| T::from_f64(x)).collect::<Vec<T>>();
    let (a, p, q) = (cast(a), cast(p), cast(q));
    let mut out = vec![T::from_f64(0.0); first.len()];
    out.par_chunks_mut(row).with_min_len(rows_per_task(row)).enumerate().for_each(|(image, out_row)| {
        let base = image * row;
        for channel in 0..channels {
            let range = channel * spatial..(channel + 1) * spatial;
            let first = &first[base + range.start..base + range.end];
            let (ac, qc) = (a[channel], q[channel]);
            match second {
                Some(second) => {
                    let pc = p[channel];
                    let second = &second[base + range.start..base + range.end];
                    for ((o, &f), &s) in out_row[range].iter_mut().zip(first).zip(second) {
                        *o = ac * f + pc * s + qc;
                    }
                }
                None => {
                    for (o, &f) in out_row[range].iter_mut().zip(first) {
                        *o = ac * f + qc;
                    }
                }
            }
        }
    });
    out
}

/// Per channel: `(Σ f(x)·w, Σ w)` over batch and space, with `f(x) = (x - center)·scale`.
pub(super) fn channel_sums<T: WithDType>(
    x: &[T],
    weights: Option<&[T]>,
    center: &[f64],
    scale: &[f64],
    (batch, channels, spatial): (usize, usize, usize),
) -> Vec<(f64, f64)> {
    (0..channels)
        .into_par_iter()
        .map(|channel| {
            vectorised(
                #[inline(always)]
                || {
                    let (mut weighted, mut total) = (0.0, 0.0);
                    for image in 0..batch {
                        let start = (image * channels + channel) * spatial;
                        let xs = &x[start..start + spatial];
                        match weights {
                            Some(weights) => {
                                for (&v, &w) in xs.iter().zip(&weights[start..start + spatial]) {
                                    let w = w.to_f64();
                                    weighted += (v.to_f64() - center[channel]) * scale[channel] * w;
                                    total += w;
                                }
                            }
                            None => total += lane_sum(xs, |v| v),
                        }
                    }
                    (weighted, total)
                },
            )
        })
        .collect()
}

fn to_f64s(t: &Tensor) -> Result<Vec<f64>> {
    t.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()
}

/// Dispatches a kernel on the storage's dtype.
macro_rules! float_dispatch {
    ($storage:expr, $run:ident, $($arg:expr),*) => {
        match $storage.dtype() {
            DType::F32 => $run::<f32>($($arg),*),
            DType::F64 => $run::<f64>($($arg),*),
            dtype => candle_core::bail!("batch norm kernels handle f32 and f64, not {dtype:?}"),
        }
    };
}

/// Training-mode batch norm: `x`, `gamma`, `beta` → `y`; the statistics land in `stats`.
pub(crate) struct BatchNormTrain {
    pub(crate) eps: f64,
    pub(crate) stats: Arc<OnceLock<ChannelStats>>,
}

fn train_forward<T: WithDType>(
    op: &BatchNormTrain,
    (x, lx): (&CpuStorage, &Layout),
    (gamma, lg): (&CpuStorage, &Layout),
    (beta, lb): (&CpuStorage, &Layout),
) -> Result<(CpuStorage, Shape)> {
    let dims = dims3(lx)?;
    let xs = slice::<T>(x, lx)?;
    let gamma: Vec<f64> = slice::<T>(gamma, lg)?.iter().map(|v| v.to_f64()).collect();
    let beta: Vec<f64> = slice::<T>(beta, lb)?.iter().map(|v| v.to_f64()).collect();
    let stats = channel_stats(xs, dims, op.eps);
    let scale: Vec<f64> = gamma.iter().zip(&stats.inv_std).map(|(g, s)| g * s).collect();
    let shift: Vec<f64> = (0..dims.1).map(|c| beta[c] - stats.mean[c] * scale[c]).collect();
    let y = combine(xs, None, &scale, &[], &shift, dims.2);
    // Each op instance runs forward once; a second run would keep the first statistics.
    let _ = op.stats.set(stats);
    Ok((T::to_cpu_storage_owned(y), lx.shape().clone()))
}

impl CustomOp3 for BatchNormTrain {
    fn name(&self) -> &'static str {
        "atelier-batch-norm-train"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        float_dispatch!(s1, train_forward, self, (s1, l1), (s2, l2), (s3, l3))
    }

    fn bwd(
        &self,
        x: &Tensor,
        gamma: &Tensor,
        _beta: &Tensor,
        _y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let Some(stats) = self.stats.get() else {
            candle_core::bail!("batch norm backward before its forward pass");
        };
        let channels = stats.mean.len();
        let dy = dy.contiguous()?;
        // [2, c]: Σ dy·x̂ and Σ dy per channel.
        let sums = x.apply_op2_no_bwd(
            &dy,
            &ChannelSums { center: stats.mean.clone(), scale: stats.inv_std.clone() },
        )?;
        let sums64 = to_f64s(&sums)?;
        let (sum_dy_xhat, sum_dy) = sums64.split_at(channels);
        let gamma64 = to_f64s(gamma)?;
        #[allow(clippy::cast_precision_loss)]
        let count = (x.elem_count() / channels) as f64;
        // dx = k·(dy − Σdy/M − x̂·Σdy·x̂/M), k = γ/σ, x̂ = (x − μ)/σ, rewritten as a·dy + p·x + q.
        let mut a = Vec::with_capacity(channels);
        let mut p = Vec::with_capacity(channels);
        let mut q = Vec::with_capacity(channels);
        for c in 0..channels {
            let k = gamma64[c] * stats.inv_std[c];
            let slope = k * sum_dy_xhat[c] / count * stats.inv_std[c];
            a.push(k);
            p.push(-slope);
            q.push(-k * sum_dy[c] / count + slope * stats.mean[c]);
        }
        let dx = dy.apply_op2_no_bwd(x, &ChannelCombine { a, p, q })?;
        let dgamma = sums.get(0)?.to_dtype(gamma.dtype())?;
        let dbeta = sums.get(1)?.to_dtype(gamma.dtype())?;
        Ok((Some(dx), Some(dgamma), Some(dbeta)))
    }
}

/// `(x, w)` → `[2, c]`: per channel `Σ (x − center)·scale·w` and `Σ w`.
struct ChannelSums {
    center: Vec<f64>,
    scale: Vec<f64>,
}

fn sums_forward<T: WithDType>(
    op: &ChannelSums,
    (x, lx): (&CpuStorage, &Layout),
    (w, lw): (&CpuStorage, &Layout),
) -> Result<(CpuStorage, Shape)> {
    let dims = dims3(lx)?;
    let sums = channel_sums(slice::<T>(x, lx)?, Some(slice::<T>(w, lw)?), &op.center, &op.scale, dims);
    let out: Vec<T> =
        sums.iter().map(|s| T::from_f64(s.0)).chain(sums.iter().map(|s| T::from_f64(s.1))).collect();
    Ok((T::to_cpu_storage_owned(out), Shape::from((2, dims.1))))
}

impl CustomOp2 for ChannelSums {
    fn name(&self) -> &'static str {
        "atelier-channel-sums"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        float_dispatch!(s1, sums_forward, self, (s1, l1), (s2, l2))
    }
}

/// `(first, second)` → `a·first + p·second + q` per channel.
struct ChannelCombine {
    a: Vec<f64>,
    p: Vec<f64>,
    q: Vec<f64>,
}

fn combine_forward<T: WithDType>(
    op: &ChannelCombine,
    (first, lf): (&CpuStorage, &Layout),
    (second, ls): (&CpuStorage, &Layout),
) -> Result<(CpuStorage, Shape)> {
    let dims = dims3(lf)?;
    let out = combine(slice::<T>(first, lf)?, Some(slice::<T>(second, ls)?), &op.a, &op.p, &op.q, dims.2);
    Ok((T::to_cpu_storage_owned(out), lf.shape().clone()))
}

impl CustomOp2 for ChannelCombine {
    fn name(&self) -> &'static str {
        "atelier-channel-combine"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        float_dispatch!(s1, combine_forward, self, (s1, l1), (s2, l2))
    }
}

/// Evaluation-mode batch norm as a per-channel affine map: `x`, `scale`, `shift` → `x·scale + shift`.
pub(crate) struct ChannelAffine;

fn affine_forward<T: WithDType>(
    (x, lx): (&CpuStorage, &Layout),
    (scale, ls): (&CpuStorage, &Layout),
    (shift, lh): (&CpuStorage, &Layout),
) -> Result<(CpuStorage, Shape)> {
    let dims = dims3(lx)?;
    let scale: Vec<f64> = slice::<T>(scale, ls)?.iter().map(|v| v.to_f64()).collect();
    let shift: Vec<f64> = slice::<T>(shift, lh)?.iter().map(|v| v.to_f64()).collect();
    let y = combine(slice::<T>(x, lx)?, None, &scale, &[], &shift, dims.2);
    Ok((T::to_cpu_storage_owned(y), lx.shape().clone()))
}

impl CustomOp3 for ChannelAffine {
    fn name(&self) -> &'static str {
        "atelier-channel-affine"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        float_dispatch!(s1, affine_forward, (s1, l1), (s2, l2), (s3, l3))
    }

    fn bwd(
        &self,
        x: &Tensor,
        scale: &Tensor,
        _shift: &Tensor,
        _y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let channels = scale.elem_count();
        let dy = dy.contiguous()?;
        let zeros = vec![0.0; channels];
        let ones = vec![1.0; channels];
        // [2, c]: Σ dy·x and Σ dy per channel.
        let sums = x.apply_op2_no_bwd(&dy, &ChannelSums { center: zeros.clone(), scale: ones })?;
        let dx =
            dy.apply_op2_no_bwd(x, &ChannelCombine { a: to_f64s(scale)?, p: zeros.clone(), q: zeros })?;
        Ok((
            Some(dx),
            Some(sums.get(0)?.to_dtype(scale.dtype())?),
            Some(sums.get(1)?.to_dtype(scale.dtype())?),
        ))
    }
}
