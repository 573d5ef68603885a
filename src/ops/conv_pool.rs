//! Convolution + bias + ReLU + max-pool as one candle custom op. The full-size activation map
//! (e.g. [128, 32, 26, 26] in the CNN, 11 MB) then lives only in a per-thread scratch buffer: it
//! is never allocated as a tensor, never zero-filled and summed by candle's gradient bookkeeping,
//! and the backward pass rebuilds its gradient from the pooled argmax indices alone (a maximum
//! after ReLU is positive exactly when the gradient passes).

use std::sync::OnceLock;

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::conv::{self, Geometry};
use super::conv_columns::{group_buffers, group_len, im2col, product};
use super::kernel::{self, Data, Float, Real};
use super::pool;
use super::simd::vectorised;

/// Sizes of the pooled output.
#[derive(Debug, Clone, Copy)]
struct Pooled {
    size: usize,
    height: usize,
    width: usize,
}

impl Pooled {
    fn new(g: &Geometry, size: usize) -> Result<Self> {
        if size == 0 || g.out_height < size || g.out_width < size {
            return Err(candle_core::Error::Msg(format!(
                "max_pool2d: input {}×{} is smaller than the {size}×{size} window",
                g.out_height, g.out_width
            )));
        }
        Ok(Self { size, height: g.out_height / size, width: g.out_width / size })
    }

    fn area(&self) -> usize {
        self.height * self.width
    }
}

/// Forward: pooled maxima of `relu(conv(x) + b)` `[batch, out, ph, pw]` and their positions
/// inside each `[oh, ow]` plane.
fn forward<T: Real>(g: &Geometry, p: &Pooled, x: &[T], weight: &[T], bias: &[T]) -> (Vec<T>, Vec<u32>) {
    let (out_len, area) = (g.out_channels * p.area(), g.out_area());
    let mut y = vec![T::ZERO; g.batch * out_len];
    let mut argmax = vec![0_u32; g.batch * out_len];
    let (per_task, _) = conv::image_runs(g.batch);
    let group = group_len(g, per_task);
    y.par_chunks_mut(per_task * out_len)
        .zip(argmax.par_chunks_mut(per_task * out_len))
        .zip(x.par_chunks(per_task * g.in_len()))
        .for_each(|((y_run, idx_run), x_run)| {
            vectorised(
                #[inline(always)]
                || {
                    let mut scratch = group_buffers(g, group);
                    let (cols, full) = (&mut scratch.first, &mut scratch.second);
                    let groups = y_run.chunks_mut(group * out_len).zip(idx_run.chunks_mut(group * out_len));
                    for ((y_group, idx_group), x_group) in groups.zip(x_run.chunks(group * g.in_len())) {
                        let columns = x_group.len() / g.in_len() * area;
                        let (cols, full) =
                            (&mut cols[..g.patch_len() * columns], &mut full[..g.out_channels * columns]);
                        im2col(g, x_group, cols);
                        product(g, weight, bias, cols, full);
                        let images =
                            y_group.chunks_exact_mut(out_len).zip(idx_group.chunks_exact_mut(out_len));
                        for (i, (y_img, idx_img)) in images.enumerate() {
                            let planes =
                                y_img.chunks_exact_mut(p.area()).zip(idx_img.chunks_exact_mut(p.area()));
                            for (c, (y_plane, idx_plane)) in planes.enumerate() {
                                let plane = &full[c * columns + i * area..c * columns + (i + 1) * area];
                                pool_relu_plane(g, p, plane, y_plane, idx_plane);
                            }
                        }
                    }
                },
            );
        });
    (y, argmax)
}

/// Pools one `[oh, ow]` plane; ReLU after the max (max(relu(v)) = relu(max(v))), a NaN wins
/// its window and stays NaN.
#[inline(always)]
fn pool_relu_plane<T: Real>(g: &Geometry, p: &Pooled, plane: &[T], y: &mut [T], argmax: &mut [u32]) {
    let windows =
        pool::Windows { width: g.out_width, out_height: p.height, out_width: p.width, size: p.size };
    pool::pool_plane(&windows, plane, y, argmax, true);
}

/// Backward from the pooled gradient `dy`, the pooled output `y` and the argmax positions.
#[allow(clippy::too_many_arguments)]
fn backward<T: Real>(
    g: &Geometry,
    p: &Pooled,
    x: &[T],
    weight: &[T],
    y: &[T],
    argmax: &[u32],
    dy: &[T],
    want_x: bool,
) -> conv::Grads<T> {
    let (out_len, area) = (g.out_channels * p.area(), g.out_area());
    conv::backward_with(g, x, weight, want_x, |images, dfull, dbias| {
        let columns = images.len() * area;
        vectorised(
            #[inline(always)]
            || dfull.fill(T::ZERO),
        );
        // Each pooled gradient goes back to its window's maximum, if ReLU let it through.
        for (i, image) in images.enumerate() {
            let span = image * out_len..(image + 1) * out_len;
            let (y_img, idx_img, dy_img) = (&y[span.clone()], &argmax[span.clone()], &dy[span]);
            for (c, db) in dbias.iter_mut().enumerate() {
                let plane = &mut dfull[c * columns + i * area..c * columns + (i + 1) * area];
                let window = c * p.area()..(c + 1) * p.area();
                // A local sum: adding into `*db` each time is a store-to-load chain.
                let mut sum = T::ZERO;
                let pooled = y_img[window.clone()].iter().zip(&idx_img[window.clone()]).zip(&dy_img[window]);
                for ((&out, &at), &d) in pooled {
                    // Branch-free: where ReLU stopped the gradient, a 0 is written over the 0
                    // already there (the windows do not overlap).
                    let passed = if out > T::ZERO { d } else { T::ZERO };
                    if let Some(slot) = plane.get_mut(at as usize) {
                        *slot = passed;
                    }
                    sum += passed;
                }
                *db += sum;
            }
        }
    })
}

/// The candle custom op `(x, weight, bias) → max_pool(relu(conv(x, weight) + bias), size)`.
pub(crate) struct ConvReluPoolOp {
    pub stride: usize,
    pub pad: usize,
    pub pool: usize,
    pub keep_indices: bool,
    pub argmax: OnceLock<Vec<u32>>,
}

impl ConvReluPoolOp {
    fn shapes(&self, x: &[usize], w: &[usize], b: &[usize]) -> Result<(Geometry, Pooled)> {
        let g = Geometry::new(x, w, b, self.stride, self.pad)?;
        let p = Pooled::new(&g, self.pool)?;
        Ok((g, p))
    }

    fn run_backward<T: Real>(
        &self,
        x: &Tensor,
        weight: &Tensor,
        bias: &Tensor,
        y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (g, p) = self.shapes(x.dims(), weight.dims(), bias.dims())?;
        let Some(argmax) = self.argmax.get() else {
            return Err(candle_core::Error::Msg(
                "conv2d_relu_pool: backward without a recorded forward".into(),
            ));
        };
        let want_x = kernel::needs_grad(x);
        let (x_c, w_c, dy_c, y_c) =
            (x.contiguous()?, weight.contiguous()?, dy.contiguous()?, y.contiguous()?);
        let (x_d, w_d, dy_d, y_d) = (Data::new(&x_c), Data::new(&w_c), Data::new(&dy_c), Data::new(&y_c));
        let grads = backward(
            &g,
            &p,
            x_d.slice::<T>()?,
            w_d.slice::<T>()?,
            y_d.slice::<T>()?,
            argmax,
            dy_d.slice::<T>()?,
            want_x,
        );
        kernel::layer_grad_tensors(grads.x, grads.weight, grads.bias, (x, weight, bias))
    }
}

impl CustomOp3 for ConvReluPoolOp {
    fn name(&self) -> &'static str {
        "atelier-conv2d-relu-pool"
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
        let (g, p) = self.shapes(l1.dims(), l2.dims(), l3.dims())?;
        let shape = Shape::from((g.batch, g.out_channels, p.height, p.width));
        let (x, w, b) = (s1, s2, s3);
        let (storage, argmax) = match kernel::float_kind(s1, self.name())? {
            Float::F32 => {
                let (y, idx) = forward::<f32>(
                    &g,
                    &p,
                    kernel::slice_of(x, l1)?,
                    kernel::slice_of(w, l2)?,
                    kernel::slice_of(b, l3)?,
                );
                (CpuStorage::F32(y), idx)
            }
            Float::F64 => {
                let (y, idx) = forward::<f64>(
                    &g,
                    &p,
                    kernel::slice_of(x, l1)?,
                    kernel::slice_of(w, l2)?,
                    kernel::slice_of(b, l3)?,
                );
                (CpuStorage::F64(y), idx)
            }
        };
        if self.keep_indices {
            let _ = self.argmax.set(argmax);
        }
        Ok((storage, shape))
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        bias: &Tensor,
        y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        match x.dtype() {
            candle_core::DType::F64 => self.run_backward::<f64>(x, weight, bias, y, dy),
            _ => self.run_backward::<f32>(x, weight, bias, y, dy),
        }
    }
}
