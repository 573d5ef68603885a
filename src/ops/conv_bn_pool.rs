//! Convolution → batch norm (training mode) → ReLU (→ max-pool) as one candle custom op.
//!
//! Run as four ops, every full-size map of a batch-norm CNN (`[64, 32, 28, 28]`, 6.4 MB, for the
//! padded first convolution of `cnn-bn`) existed three times as a tensor (convolution, batch
//! norm, ReLU outputs), each walked again by the next op and zero-filled and summed by candle's
//! gradient bookkeeping in the backward pass. Here only the convolution's output is kept (the
//! normalisation needs the whole batch's statistics first), in a buffer candle never sees; the
//! statistics are taken from each plane as the convolution writes it; batch norm, ReLU and the
//! pooling are one pass per plane into a scratch plane, and the backward pass writes the
//! convolution's output gradient straight into the GEMM's buffer: the gradient through batch
//! norm is `a·dz + p·pre + q` per channel, where `dz` is non-zero only at the pooled maxima that
//! ReLU let through, so its two per-channel sums cost one pass over the *pooled* map (the
//! forward pass keeps `pre` at each maximum for them).
//!
//! The op takes `(x, weight, params)` where `params = [bias ‖ gamma ‖ beta]` (`[3·out]`), since
//! candle's custom ops take at most three tensors; the caller concatenates (a differentiable
//! op, so each parameter gets its share of the gradient).

use std::sync::{Arc, OnceLock};

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::batch_norm_stats::{ChannelStats, plane_moments, stats_from_planes};
use super::conv::{self, Activation, Geometry};
use super::kernel::{self, Data, Float, Real};
use super::pool::{self, Windows};
use super::simd::{lane_total, vectorised};

/// What the forward pass keeps for the backward pass (and hands the caller: the statistics).
#[derive(Debug)]
pub(crate) struct Saved {
    /// The convolution's output before batch norm, `[batch, out, oh, ow]`.
    pre: CpuStorage,
    /// Each pooled value's position in its `[oh, ow]` plane (empty without pooling).
    argmax: Vec<u32>,
    /// `pre` at each pooled value's position, `[batch, out, ph, pw]` (empty without pooling):
    /// the backward pass's sums read it instead of gathering from the whole map.
    pre_at_max: CpuStorage,
    /// The batch statistics of `pre`.
    pub(crate) stats: ChannelStats,
}

/// The candle custom op `(x, weight, [bias ‖ gamma ‖ beta]) → pool(relu(bn(conv(x) + bias)))`.
pub(crate) struct ConvBnReluPoolOp {
    pub stride: usize,
    pub pad: usize,
    /// The max-pool window, or `None` for convolution → batch norm → ReLU.
    pub pool: Option<usize>,
    pub eps: f64,
    pub saved: Arc<OnceLock<Saved>>,
}

/// The output's plane sizes: pooled, or the convolution's own.
fn out_plane(g: &Geometry, pool: Option<usize>) -> Result<(usize, usize)> {
    match pool {
        None => Ok((g.out_height, g.out_width)),
        Some(size) if size > 0 && g.out_height >= size && g.out_width >= size => {
            Ok((g.out_height / size, g.out_width / size))
        }
        Some(size) => Err(candle_core::Error::Msg(format!(
            "max_pool2d: input {}×{} is smaller than the {size}×{size} window",
            g.out_height, g.out_width
        ))),
    }
}

/// Splits `[bias ‖ gamma ‖ beta]`.
fn split_params<T>(params: &[T], channels: usize) -> Result<(&[T], &[T], &[T])> {
    if params.len() != 3 * channels {
        candle_core::bail!(
            "conv + batch norm over {channels} channels needs {} parameters, got {}",
            3 * channels,
            params.len()
        );
    }
    let (bias, rest) = params.split_at(channels);
    let (gamma, beta) = rest.split_at(channels);
    Ok((bias, gamma, beta))
}

/// Forward: the output `[batch, out, ph, pw]`, plus the pre-norm map, argmax and statistics.
fn forward<T: Real>(
    op: &ConvBnReluPoolOp,
    g: &Geometry,
    x: &[T],
    weight: &[T],
    params: &[T],
) -> Result<(Vec<T>, Saved)> {
    let channels = g.out_channels;
    let (bias, gamma, beta) = split_params(params, channels)?;
    let area = g.out_area();
    // The statistics come from each plane while the convolution has it in cache, not from two
    // more passes over the whole map.
    let (pre, moments) = conv::forward_summarised(g, x, weight, bias, Activation::Identity, plane_moments);
    let stats = stats_from_planes(&moments, (g.batch, channels, area), op.eps);
    let scale: Vec<T> =
        gamma.iter().zip(&stats.inv_std).map(|(gm, s)| T::from_f64(gm.to_f64() * s)).collect();
    let shift: Vec<T> =
        (0..channels).map(|c| T::from_f64(beta[c].to_f64() - stats.mean[c] * scale[c].to_f64())).collect();
    let (out_height, out_width) = out_plane(g, op.pool)?;
    let out_area = out_height * out_width;
    let mut y = vec![T::ZERO; g.batch * channels * out_area];
    let mut argmax = Vec::new();
    let mut pre_at_max = Vec::new();
    match op.pool {
        Some(size) => {
            argmax = vec![0_u32; y.len()];
            pre_at_max = vec![T::ZERO; y.len()];
            let windows = Windows { width: g.out_width, out_height, out_width, size };
            y.par_chunks_mut(channels * out_area)
                .zip(argmax.par_chunks_mut(channels * out_area))
                .zip(pre_at_max.par_chunks_mut(channels * out_area))
                .zip(pre.par_chunks(channels * area))
                .for_each(|(((y_img, at_img), pre_at_img), pre_img)| {
                    let mut plane = vec![T::ZERO; area];
                    vectorised(
                        #[inline(always)]
                        || {
                            for c in 0..channels {
                                let (s, t) = (scale[c], shift[c]);
                                let pre_plane = &pre_img[c * area..(c + 1) * area];
                                for (z, &v) in plane.iter_mut().zip(pre_plane) {
                                    *z = v * s + t;
                                }
                                let span = c * out_area..(c + 1) * out_area;
                                let at = &mut at_img[span.clone()];
                                pool::pool_plane(&windows, &plane, &mut y_img[span.clone()], at, true);
                                // Clamped: positions are in the plane anyway, and the reads need
                                // no bounds check.
                                for (v, &position) in pre_at_img[span].iter_mut().zip(&*at) {
                                    *v = pre_plane[(position as usize).min(area - 1)];
                                }
                            }
                        },
                    );
                });
        }
        None => {
            y.par_chunks_mut(area).zip(pre.par_chunks(area)).enumerate().for_each(|(plane, (y_p, pre_p))| {
                let c = plane % channels;
                let (s, t) = (scale[c], shift[c]);
                vectorised(
                    #[inline(always)]
                    || {
                        for (out, &v) in y_p.iter_mut().zip(pre_p) {
                            let z = v * s + t;
                            // `z < 0` is false for NaN, which passes through.
                            *out = if z < T::ZERO { T::ZERO } else { z };
                        }
                    },
                );
            });
        }
    }
    let pre_at_max = T::to_cpu_storage_owned(pre_at_max);
    Ok((y, Saved { pre: T::to_cpu_storage_owned(pre), argmax, pre_at_max, stats }))
}

/// Gradients of the op: `x` (when asked for), `weight`, and `[bias ‖ gamma ‖ beta]`.
struct Grads<T> {
    x: Option<Vec<T>>,
    weight: Vec<T>,
    params: Vec<T>,
}

/// Backward from the output gradient `dy`, the output `y` and what the forward pass saved
/// (`pre_at_max`: the pre-norm value behind each output, i.e. `pre` itself without pooling).
#[allow(clippy::too_many_arguments)]
fn backward<T: Real>(
    g: &Geometry,
    saved: &Saved,
    (pre, pre_at_max): (&[T], &[T]),
    x: &[T],
    weight: &[T],
    gamma: &[T],
    y: &[T],
    dy: &[T],
    want_x: bool,
) -> Grads<T> {
    let channels = g.out_channels;
    let area = g.out_area();
    let out_area = y.len() / (g.batch * channels).max(1);
    let stats = &saved.stats;
    // Per channel: Σ dz·x̂ and Σ dz, where dz (the gradient at batch norm's output) is the
    // output gradient where ReLU let it through. Each image's sums are added in image order, so
    // that the result does not depend on how the work was split (a resumed run must repeat an
    // uninterrupted one bit for bit).
    let per_image: Vec<Vec<(f64, f64)>> = (0..g.batch)
        .into_par_iter()
        .map(|image| {
            // A loop, not an iterator chain: the chain's fold was not inlined into the AVX2 copy.
            vectorised(
                #[inline(always)]
                || {
                    let mut sums = Vec::with_capacity(channels);
                    for c in 0..channels {
                        let plane = (image * channels + c) * out_area..(image * channels + c + 1) * out_area;
                        let (weighted, total) = plane_sums(
                            &y[plane.clone()],
                            &dy[plane.clone()],
                            &pre_at_max[plane],
                            T::from_f64(stats.mean[c]),
                        );
                        sums.push((weighted.to_f64() * stats.inv_std[c], total.to_f64()));
                    }
                    sums
                },
            )
        })
        .collect();
    let mut sums = vec![(0.0_f64, 0.0_f64); channels];
    for image in &per_image {
        for (total, part) in sums.iter_mut().zip(image) {
            total.0 += part.0;
            total.1 += part.1;
        }
    }
    // d pre = a·dz + p·pre + q per channel (see `BatchNormTrain::bwd`).
    #[allow(clippy::cast_precision_loss)]
    let count = (g.batch * area) as f64;
    let mut coefficients = Vec::with_capacity(channels);
    for c in 0..channels {
        let k = gamma[c].to_f64() * stats.inv_std[c];
        let slope = k * sums[c].0 / count * stats.inv_std[c];
        let q = -k * sums[c].1 / count + slope * stats.mean[c];
        coefficients.push((T::from_f64(k), T::from_f64(-slope), T::from_f64(q)));
    }
    let pooled = !saved.argmax.is_empty();
    let conv_grads = conv::backward_with(g, x, weight, want_x, |images, dfull, dbias| {
        vectorised(
            #[inline(always)]
            || {
                let columns = images.len() * area;
                for (i, image) in images.enumerate() {
                    for (c, db) in dbias.iter_mut().enumerate() {
                        let (a, p, q) = coefficients[c];
                        let plane = &mut dfull[c * columns + i * area..c * columns + (i + 1) * area];
                        let pre_plane =
                            &pre[(image * channels + c) * area..(image * channels + c + 1) * area];
                        let outputs =
                            (image * channels + c) * out_area..(image * channels + c + 1) * out_area;
                        let (y_plane, dy_plane) = (&y[outputs.clone()], &dy[outputs.clone()]);
                        if pooled {
                            for (d, &v) in plane.iter_mut().zip(pre_plane) {
                                *d = p * v + q;
                            }
                            // Each pooled value's gradient goes to the position it came from.
                            for (&at, (&out, &grad)) in
                                saved.argmax[outputs].iter().zip(y_plane.iter().zip(dy_plane))
                            {
                                let passed = relu_passed(out, grad);
                                plane[(at as usize).min(area - 1)] += a * passed;
                            }
                        } else {
                            // One pass that vectorises: every position is its own output.
                            for (d, ((&v, &out), &grad)) in
                                plane.iter_mut().zip(pre_plane.iter().zip(y_plane).zip(dy_plane))
                            {
                                let passed = relu_passed(out, grad);
                                *d = p * v + q + a * passed;
                            }
                        }
                        *db += lane_total(plane);
                    }
                }
            },
        );
    });
    let mut params = conv_grads.bias;
    params.extend(sums.iter().map(|s| T::from_f64(s.0)));
    params.extend(sums.iter().map(|s| T::from_f64(s.1)));
    Grads { x: conv_grads.x, weight: conv_grads.weight, params }
}

/// The output gradient `grad` where ReLU let the output `out` through (`out > 0`), else 0: a
/// select, which vectorises.
#[inline(always)]
fn relu_passed<T: Real>(out: T, grad: T) -> T {
    if out > T::ZERO { grad } else { T::ZERO }
}

/// Over one output plane: `(Σ dz·(pre − center), Σ dz)`, where `dz` is the output gradient where
/// ReLU let it through (`y > 0`) and `pre` the pre-norm value behind each output. Eight running
/// sums without a branch: one f64 sum with a branch on the data was a chain of dependent additions
/// the predictor kept missing. A plane is at most a few thousand values, so the partial sums in
/// the values' own type lose nothing.
#[inline(always)]
fn plane_sums<T: Real>(y: &[T], dy: &[T], pre: &[T], center: T) -> (T, T) {
    const LANES: usize = 8;
    let (mut weighted, mut total) = ([T::ZERO; LANES], [T::ZERO; LANES]);
    let whole = y.len() / LANES * LANES;
    let mut add = |k: usize, lane: usize| {
        let passed = relu_passed(y[k], dy[k]);
        weighted[lane] += passed * (pre[k] - center);
        total[lane] += passed;
    };
    for start in (0..whole).step_by(LANES) {
        for lane in 0..LANES {
            add(start + lane, lane);
        }
    }
    for k in whole..y.len() {
        add(k, 0);
    }
    let sum = |lanes: [T; LANES]| lanes.iter().fold(T::ZERO, |acc, &v| acc + v);
    (sum(weighted), sum(total))
}

impl ConvBnReluPoolOp {
    fn geometry(&self, x: &[usize], w: &[usize], params: &[usize]) -> Result<Geometry> {
        let channels = w.first().copied().unwrap_or(0);
        if params != [3 * channels] {
            candle_core::bail!("conv + batch norm: expected [{}] parameters, got {params:?}", 3 * channels);
        }
        Geometry::new(x, w, &[channels], self.stride, self.pad)
    }

    fn run_backward<T: Real>(
        &self,
        x: &Tensor,
        weight: &Tensor,
        params: &Tensor,
        y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let g = self.geometry(x.dims(), weight.dims(), params.dims())?;
        let Some(saved) = self.saved.get() else {
            candle_core::bail!("conv + batch norm: backward without a recorded forward");
        };
        let want_x = kernel::needs_grad(x);
        let (x_c, w_c, p_c, y_c, dy_c) =
            (x.contiguous()?, weight.contiguous()?, params.contiguous()?, y.contiguous()?, dy.contiguous()?);
        let (x_d, w_d, p_d, y_d, dy_d) =
            (Data::new(&x_c), Data::new(&w_c), Data::new(&p_c), Data::new(&y_c), Data::new(&dy_c));
        let (_, gamma, _) = split_params(p_d.slice::<T>()?, g.out_channels)?;
        let pre = T::cpu_storage_as_slice(&saved.pre)?;
        let pre_at_max =
            if saved.argmax.is_empty() { pre } else { T::cpu_storage_as_slice(&saved.pre_at_max)? };
        let grads = backward(
            &g,
            saved,
            (pre, pre_at_max),
            x_d.slice::<T>()?,
            w_d.slice::<T>()?,
            gamma,
            y_d.slice::<T>()?,
            dy_d.slice::<T>()?,
            want_x,
        );
        let dx = match grads.x {
            Some(dx) => Some(kernel::tensor_from(dx, x.dims(), x)?),
            None => None,
        };
        Ok((
            dx,
            Some(kernel::tensor_from(grads.weight, weight.dims(), weight)?),
            Some(kernel::tensor_from(grads.params, params.dims(), params)?),
        ))
    }

    fn run_forward<T: Real>(
        &self,
        g: &Geometry,
        (x, w, p): (&CpuStorage, &CpuStorage, &CpuStorage),
        (lx, lw, lp): (&Layout, &Layout, &Layout),
    ) -> Result<CpuStorage> {
        let (y, saved) = forward::<T>(
            self,
            g,
            kernel::slice_of(x, lx)?,
            kernel::slice_of(w, lw)?,
            kernel::slice_of(p, lp)?,
        )?;
        // Each op instance runs forward once; a second run would keep the first results.
        let _ = self.saved.set(saved);
        Ok(T::to_cpu_storage_owned(y))
    }
}

impl CustomOp3 for ConvBnReluPoolOp {
    fn name(&self) -> &'static str {
        "atelier-conv2d-bn-relu-pool"
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
        let g = self.geometry(l1.dims(), l2.dims(), l3.dims())?;
        let (height, width) = out_plane(&g, self.pool)?;
        let shape = Shape::from((g.batch, g.out_channels, height, width));
        let storage = match kernel::float_kind(s1, self.name())? {
            Float::F32 => self.run_forward::<f32>(&g, (s1, s2, s3), (l1, l2, l3))?,
            Float::F64 => self.run_forward::<f64>(&g, (s1, s2, s3), (l1, l2, l3))?,
        };
        Ok((storage, shape))
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        params: &Tensor,
        y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        match x.dtype() {
            candle_core::DType::F64 => self.run_backward::<f64>(x, weight, params, y, dy),
            _ => self.run_backward::<f32>(x, weight, params, y, dy),
        }
    }
}
