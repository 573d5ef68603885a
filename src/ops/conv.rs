//! 2-D convolution as a candle custom op: im2col + one GEMM per group of images, groups split
//! over the cores, bias (and optionally ReLU) fused, and a backward pass that skips the input
//! gradient when nothing upstream needs it (the first layer).

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::conv_columns::{backward_group, group_buffers, group_len, im2col, product, sum_grads};
use super::kernel::{self, Data, Float, Real};
use super::simd::{lane_total, vectorised};

/// What runs after the convolution and bias, inside the same pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activation {
    /// Nothing: the output is the convolution plus bias.
    Identity,
    /// `max(0, ·)`; the backward pass masks the gradient where the output is 0.
    Relu,
}

/// The sizes of one convolution, all derived from the input and weight shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Geometry {
    pub batch: usize,
    pub in_channels: usize,
    pub height: usize,
    pub width: usize,
    pub out_channels: usize,
    pub kernel: usize,
    pub stride: usize,
    pub pad: usize,
    pub out_height: usize,
    pub out_width: usize,
}

impl Geometry {
    /// Checks the shapes and works out the output size.
    pub fn new(x: &[usize], weight: &[usize], bias: &[usize], stride: usize, pad: usize) -> Result<Self> {
        let fail = |why: String| Err(candle_core::Error::Msg(format!("conv2d: {why}")));
        let (&[batch, in_channels, height, width], &[out_channels, w_in, kernel, kernel_w]) = (x, weight)
        else {
            return fail(format!(
                "expected x [batch, in, h, w] and weight [out, in, k, k], got {x:?} and {weight:?}"
            ));
        };
        if w_in != in_channels || kernel != kernel_w || bias != [out_channels] || stride == 0 || kernel == 0 {
            return fail(format!(
                "shapes do not fit: x {x:?}, weight {weight:?}, bias {bias:?}, stride {stride}"
            ));
        }
        if height + 2 * pad < kernel || width + 2 * pad < kernel {
            return fail(format!("input {height}×{width} is smaller than the {kernel}×{kernel} kernel"));
        }
        let out_height = (height + 2 * pad - kernel) / stride + 1;
        let out_width = (width + 2 * pad - kernel) / stride + 1;
        Ok(Self {
            batch,
            in_channels,
            height,
            width,
            out_channels,
            kernel,
            stride,
            pad,
            out_height,
            out_width,
        })
    }

    /// Elements of one input image.
    pub fn in_len(&self) -> usize {
        self.in_channels * self.height * self.width
    }

    /// Output positions per channel.
    pub fn out_area(&self) -> usize {
        self.out_height * self.out_width
    }

    /// Elements of one output image.
    pub fn out_len(&self) -> usize {
        self.out_channels * self.out_area()
    }

    /// Rows of the im2col matrix (= columns of the weight matrix).
    pub fn patch_len(&self) -> usize {
        self.in_channels * self.kernel * self.kernel
    }

    /// The range of output columns `ox` whose input column `ox * stride + offset - pad` lies
    /// inside the image (the same formula serves rows).
    pub(crate) fn valid_range(&self, offset: usize, size: usize, out_size: usize) -> (usize, usize) {
        let first = self.pad.saturating_sub(offset).div_ceil(self.stride);
        let last_input = size + self.pad; // exclusive, in padded coordinates
        let end = if last_input > offset { (last_input - offset - 1) / self.stride + 1 } else { 0 };
        (first.min(out_size), end.min(out_size).max(first.min(out_size)))
    }
}

/// Splits `0..batch` into contiguous runs, one per task: (images per run, runs).
pub(crate) fn image_runs(batch: usize) -> (usize, usize) {
    let tasks = kernel::task_count(batch);
    let per_task = batch.div_ceil(tasks).max(1);
    (per_task, batch.div_ceil(per_task))
}

/// Forward: `y = act(conv(x, w) + b)`, `[batch, out, oh, ow]`.
pub(crate) fn forward<T: Real>(g: &Geometry, x: &[T], weight: &[T], bias: &[T], act: Activation) -> Vec<T> {
    forward_summarised(g, x, weight, bias, act, |_| ()).0
}

/// [`forward`], plus `summary(plane)` of each output plane (`[oh·ow]`, before the activation),
/// `[batch, out]` in order, taken while the plane is still in cache: batch norm's statistics
/// without another pass over the whole map.
pub(crate) fn forward_summarised<T: Real, S: Send>(
    g: &Geometry,
    x: &[T],
    weight: &[T],
    bias: &[T],
    act: Activation,
    summary: impl Fn(&[T]) -> S + Sync,
) -> (Vec<T>, Vec<S>) {
    let (out_len, area) = (g.out_len(), g.out_area());
    let total = g.batch * out_len;
    // Not zero-filled: every value is written below (a first convolution's output is 6.4 MB per
    // batch, and filling it cost ~3% of a `fast` step).
    let mut y: Vec<T> = Vec::with_capacity(total);
    let (per_task, _) = image_runs(g.batch);
    let group = group_len(g, per_task);
    let summaries: Vec<Vec<S>> = y.spare_capacity_mut()[..total]
        .par_chunks_mut(per_task * out_len)
        .zip(x.par_chunks(per_task * g.in_len()))
        .map(|(y_run, x_run)| {
            vectorised(
                #[inline(always)]
                || {
                    let mut scratch = group_buffers(g, group);
                    let (cols, full) = (&mut scratch.first, &mut scratch.second);
                    let mut summaries = Vec::with_capacity(y_run.len() / area.max(1));
                    for (y_group, x_group) in
                        y_run.chunks_mut(group * out_len).zip(x_run.chunks(group * g.in_len()))
                    {
                        let columns = x_group.len() / g.in_len() * area;
                        let (cols, full) =
                            (&mut cols[..g.patch_len() * columns], &mut full[..g.out_channels * columns]);
                        im2col(g, x_group, cols);
                        product(g, weight, bias, cols, full);
                        // [out, n·area] → [n, out, area]
                        for (i, y_img) in y_group.chunks_exact_mut(out_len).enumerate() {
                            for (c, row) in y_img.chunks_exact_mut(area).enumerate() {
                                let src = &full[c * columns + i * area..c * columns + (i + 1) * area];
                                match act {
                                    Activation::Identity => {
                                        for (d, &s) in row.iter_mut().zip(src) {
                                            d.write(s);
                                        }
                                    }
                                    // `s < 0` is false for NaN, which passes through.
                                    Activation::Relu => {
                                        for (d, &s) in row.iter_mut().zip(src) {
                                            d.write(if s < T::ZERO { T::ZERO } else { s });
                                        }
                                    }
                                }
                                summaries.push(summary(src));
                            }
                        }
                    }
                    summaries
                },
            )
        })
        .collect();
    // SAFETY: the runs above cover `0..total` (`batch` images of `out_len` values, split into
    // runs and groups of whole images), and each image's `out` rows of `area` values were all
    // written from the product, which has as many values per row.
    unsafe { y.set_len(total) };
    (y, summaries.into_iter().flatten().collect())
}

/// Gradients of one convolution.
pub(crate) struct Grads<T> {
    /// `[batch, in, h, w]`, when asked for.
    pub x: Option<Vec<T>>,
    /// `[out, in, k, k]`
    pub weight: Vec<T>,
    /// `[out]`
    pub bias: Vec<T>,
}

/// The backward pass shared by the convolutions: the batch is split over tasks and each task's
/// images into groups; `group_grad(images, dfull, dbias)` writes a group's output gradient
/// `[out, n·oh·ow]` into `dfull` (and adds its bias gradient), then the weight and input
/// gradients come from two grouped products.
pub(crate) fn backward_with<T: Real>(
    g: &Geometry,
    x: &[T],
    weight: &[T],
    want_x: bool,
    group_grad: impl Fn(std::ops::Range<usize>, &mut [T], &mut [T]) + Sync,
) -> Grads<T> {
    let area = g.out_area();
    let (per_task, runs) = image_runs(g.batch);
    let group = group_len(g, per_task);
    let mut dx = if want_x { vec![T::ZERO; g.batch * g.in_len()] } else { Vec::new() };
    let dx_runs: Vec<Option<&mut [T]>> = if want_x {
        dx.chunks_mut(per_task * g.in_len()).map(Some).collect()
    } else {
        (0..runs).map(|_| None).collect()
    };
    let weight_len = g.out_channels * g.patch_len();
    let (dweight, dbias) = dx_runs
        .into_par_iter()
        .enumerate()
        .map(|(run, mut dx_run)| {
            vectorised(
                #[inline(always)]
                || {
                    let mut dweight = vec![T::ZERO; weight_len];
                    let mut dbias = vec![T::ZERO; g.out_channels];
                    let mut scratch = group_buffers(g, group);
                    let (cols, dfull) = (&mut scratch.first, &mut scratch.second);
                    let run_images = run * per_task..((run + 1) * per_task).min(g.batch);
                    for (index, first) in run_images.clone().step_by(group).enumerate() {
                        let images = first..(first + group).min(run_images.end);
                        let columns = images.len() * area;
                        let dfull = &mut dfull[..g.out_channels * columns];
                        group_grad(images.clone(), dfull, &mut dbias);
                        let cols = &mut cols[..g.patch_len() * columns];
                        im2col(g, &x[images.start * g.in_len()..images.end * g.in_len()], cols);
                        let dx_group = dx_run.as_deref_mut().map(|dx_run| {
                            let local = index * group;
                            &mut dx_run[local * g.in_len()..(local + images.len()) * g.in_len()]
                        });
                        backward_group(g, weight, dfull, cols, &mut dweight, dx_group);
                    }
                    (dweight, dbias)
                },
            )
        })
        .reduce(|| (vec![T::ZERO; weight_len], vec![T::ZERO; g.out_channels]), sum_grads);
    Grads { x: want_x.then_some(dx), weight: dweight, bias: dbias }
}

/// Backward: from `dy` (and the output `y` when the ReLU is fused) to the three gradients.
pub(crate) fn backward<T: Real>(
    g: &Geometry,
    x: &[T],
    weight: &[T],
    y: Option<&[T]>,
    dy: &[T],
    want_x: bool,
) -> Grads<T> {
    let (out_len, area) = (g.out_len(), g.out_area());
    backward_with(g, x, weight, want_x, |images, dfull, dbias| {
        let columns = images.len() * area;
        // [n, out, area] → [out, n·area], masked by the fused ReLU.
        for (i, image) in images.enumerate() {
            let dy_img = &dy[image * out_len..(image + 1) * out_len];
            for (c, src) in dy_img.chunks_exact(area).enumerate() {
                let dst = &mut dfull[c * columns + i * area..c * columns + (i + 1) * area];
                match y {
                    Some(y) => {
                        let y_row = &y[image * out_len + c * area..image * out_len + (c + 1) * area];
                        for ((d, &s), &out) in dst.iter_mut().zip(src).zip(y_row) {
                            *d = if out > T::ZERO { s } else { T::ZERO };
                        }
                    }
                    None => dst.copy_from_slice(src),
                }
                dbias[c] += lane_total(dst);
            }
        }
    })
}

/// The candle custom op: `(x, weight, bias) → act(conv(x, weight) + bias)`.
pub(crate) struct Conv2dOp {
    pub stride: usize,
    pub pad: usize,
    pub activation: Activation,
}

impl Conv2dOp {
    fn geometry(&self, x: &[usize], w: &[usize], b: &[usize]) -> Result<Geometry> {
        Geometry::new(x, w, b, self.stride, self.pad)
    }

    fn run_backward<T: Real>(
        &self,
        x: &Tensor,
        weight: &Tensor,
        bias: &Tensor,
        y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let g = self.geometry(x.dims(), weight.dims(), bias.dims())?;
        let want_x = kernel::needs_grad(x);
        let (x_c, w_c, dy_c, y_c) =
            (x.contiguous()?, weight.contiguous()?, dy.contiguous()?, y.contiguous()?);
        let (x_d, w_d, dy_d, y_d) = (Data::new(&x_c), Data::new(&w_c), Data::new(&dy_c), Data::new(&y_c));
        let y_data = match self.activation {
            Activation::Identity => None,
            Activation::Relu => Some(y_d.slice::<T>()?),
        };
        let grads = backward(&g, x_d.slice::<T>()?, w_d.slice::<T>()?, y_data, dy_d.slice::<T>()?, want_x);
        kernel::layer_grad_tensors(grads.x, grads.weight, grads.bias, (x, weight, bias))
    }
}

impl CustomOp3 for Conv2dOp {
    fn name(&self) -> &'static str {
        "atelier-conv2d"
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
        let shape = Shape::from((g.batch, g.out_channels, g.out_height, g.out_width));
        let storage = match kernel::float_kind(s1, self.name())? {
            Float::F32 => CpuStorage::F32(forward::<f32>(
                &g,
                kernel::slice_of(s1, l1)?,
                kernel::slice_of(s2, l2)?,
                kernel::slice_of(s3, l3)?,
                self.activation,
            )),
            Float::F64 => CpuStorage::F64(forward::<f64>(
                &g,
                kernel::slice_of(s1, l1)?,
                kernel::slice_of(s2, l2)?,
                kernel::slice_of(s3, l3)?,
                self.activation,
            )),
        };
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
