//! Max pooling (window = stride = `size`, floor mode) as a candle custom op that remembers where
//! each maximum came from, so the backward pass is one scatter and right for odd sizes.

use std::sync::OnceLock;

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::kernel::{self, Data, Float, Real};

/// The sizes of one pooling.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PoolGeometry {
    /// batch × channels
    pub planes: usize,
    pub height: usize,
    pub width: usize,
    pub size: usize,
    pub out_height: usize,
    pub out_width: usize,
}

impl PoolGeometry {
    /// Checks the shape `[batch, channels, h, w]` against the window.
    pub fn new(dims: &[usize], size: usize) -> Result<Self> {
        let &[batch, channels, height, width] = dims else {
            return Err(candle_core::Error::Msg(format!(
                "max_pool2d: expected [batch, c, h, w], got {dims:?}"
            )));
        };
        if size == 0 || height < size || width < size {
            return Err(candle_core::Error::Msg(format!(
                "max_pool2d: input {height}×{width} is smaller than the {size}×{size} window"
            )));
        }
        Ok(Self {
            planes: batch * channels,
            height,
            width,
            size,
            out_height: height / size,
            out_width: width / size,
        })
    }

    fn in_area(&self) -> usize {
        self.height * self.width
    }

    fn out_area(&self) -> usize {
        self.out_height * self.out_width
    }
}

/// Planes per parallel task: enough work per task to amortise the split.
fn planes_per_task(g: &PoolGeometry) -> usize {
    (16_384 / g.in_area().max(1)).max(1)
}

/// Forward: the pooled maxima and, for each, its index inside its input plane (the first
/// maximum in row-major order wins ties, like PyTorch).
pub(crate) fn forward<T: Real>(g: &PoolGeometry, x: &[T]) -> (Vec<T>, Vec<u32>) {
    let mut y = vec![T::ZERO; g.planes * g.out_area()];
    let mut argmax = vec![0_u32; g.planes * g.out_area()];
    let per_task = planes_per_task(g);
    y.par_chunks_mut(per_task * g.out_area())
        .zip(argmax.par_chunks_mut(per_task * g.out_area()))
        .zip(x.par_chunks(per_task * g.in_area()))
        .for_each(|((y_run, idx_run), x_run)| {
            let planes = y_run.chunks_exact_mut(g.out_area()).zip(idx_run.chunks_exact_mut(g.out_area()));
            for ((y_plane, idx_plane), x_plane) in planes.zip(x_run.chunks_exact(g.in_area())) {
                pool_plane(g, x_plane, y_plane, idx_plane);
            }
        });
    (y, argmax)
}

fn pool_plane<T: Real>(g: &PoolGeometry, x: &[T], y: &mut [T], argmax: &mut [u32]) {
    for oy in 0..g.out_height {
        for ox in 0..g.out_width {
            let first = oy * g.size * g.width + ox * g.size;
            let mut best = first;
            for dy in 0..g.size {
                let row = first + dy * g.width;
                for i in row..row + g.size {
                    // A NaN wins, so that a diverged input shows in the output.
                    if x[i] > x[best] || x[i].partial_cmp(&x[i]).is_none() {
                        best = i;
                    }
                }
            }
            let o = oy * g.out_width + ox;
            y[o] = x[best];
            argmax[o] = u32::try_from(best).unwrap_or(u32::MAX);
        }
    }
}

/// Backward: each output gradient goes to the position its maximum came from.
pub(crate) fn backward<T: Real>(g: &PoolGeometry, argmax: &[u32], dy: &[T]) -> Vec<T> {
    let mut dx = vec![T::ZERO; g.planes * g.in_area()];
    let per_task = planes_per_task(g);
    dx.par_chunks_mut(per_task * g.in_area())
        .zip(dy.par_chunks(per_task * g.out_area()))
        .zip(argmax.par_chunks(per_task * g.out_area()))
        .for_each(|((dx_run, dy_run), idx_run)| {
            let planes = dx_run.chunks_exact_mut(g.in_area()).zip(dy_run.chunks_exact(g.out_area()));
            for ((dx_plane, dy_plane), idx_plane) in planes.zip(idx_run.chunks_exact(g.out_area())) {
                for (&d, &i) in dy_plane.iter().zip(idx_plane) {
                    dx_plane[i as usize] += d;
                }
            }
        });
    dx
}

/// The candle custom op. The argmax indices are kept only when a backward pass may follow.
pub(crate) struct MaxPoolOp {
    pub size: usize,
    pub keep_indices: bool,
    pub argmax: OnceLock<Vec<u32>>,
}

impl CustomOp1 for MaxPoolOp {
    fn name(&self) -> &'static str {
        "atelier-max-pool2d"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = PoolGeometry::new(layout.dims(), self.size)?;
        let dims = layout.dims();
        let shape = Shape::from((dims[0], dims[1], g.out_height, g.out_width));
        let (out, argmax) = match kernel::float_kind(storage, self.name())? {
            Float::F32 => {
                let (y, idx) = forward::<f32>(&g, kernel::slice_of(storage, layout)?);
                (CpuStorage::F32(y), idx)
            }
            Float::F64 => {
                let (y, idx) = forward::<f64>(&g, kernel::slice_of(storage, layout)?);
                (CpuStorage::F64(y), idx)
            }
        };
        if self.keep_indices {
            // A fresh op is made for every call, so the cell is always empty here.
            let _ = self.argmax.set(argmax);
        }
        Ok((out, shape))
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        let g = PoolGeometry::new(x.dims(), self.size)?;
        let recomputed;
        let argmax = if let Some(stored) = self.argmax.get() {
            stored
        } else {
            let x_c = x.contiguous()?;
            let x_d = Data::new(&x_c);
            recomputed = match x.dtype() {
                candle_core::DType::F64 => forward::<f64>(&g, x_d.slice()?).1,
                _ => forward::<f32>(&g, x_d.slice()?).1,
            };
            &recomputed
        };
        let dy_c = dy.contiguous()?;
        let dy_d = Data::new(&dy_c);
        let dx = match x.dtype() {
            candle_core::DType::F64 => {
                kernel::tensor_from(backward::<f64>(&g, argmax, dy_d.slice()?), x.dims(), x)?
            }
            _ => kernel::tensor_from(backward::<f32>(&g, argmax, dy_d.slice()?), x.dims(), x)?,
        };
        Ok(Some(dx))
    }
}
