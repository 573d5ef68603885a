//! Max pooling (window = stride = `size`, floor mode) as a candle custom op that remembers where
//! each maximum came from, so the backward pass is one scatter and right for odd sizes.

use std::sync::OnceLock;

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::kernel::{self, Data, Float, Real};
use super::simd::vectorised;

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
            let windows =
                Windows { width: g.width, out_height: g.out_height, out_width: g.out_width, size: g.size };
            vectorised(
                #[inline(always)]
                || {
                    for ((y_plane, idx_plane), x_plane) in planes.zip(x_run.chunks_exact(g.in_area())) {
                        pool_plane(&windows, x_plane, y_plane, idx_plane, false);
                    }
                },
            );
        });
    (y, argmax)
}

/// The windows of one plane: input rows `width` long, `out_height × out_width` windows of
/// `size × size` (floor mode).
pub(crate) struct Windows {
    pub width: usize,
    pub out_height: usize,
    pub out_width: usize,
    pub size: usize,
}

/// Pools one plane into `y` and `argmax` (each maximum's index in the plane; the first maximum
/// in reading order wins ties, like PyTorch, and a NaN wins its window so that a diverged input
/// shows), with ReLU applied to the maxima when `relu` (max(relu(v)) = relu(max(v))).
#[inline(always)]
pub(crate) fn pool_plane<T: Real>(w: &Windows, plane: &[T], y: &mut [T], argmax: &mut [u32], relu: bool) {
    let clamp = |v: T| if relu && v < T::ZERO { T::ZERO } else { v };
    if w.size == 2 {
        pool_plane_2x2(w, plane, y, argmax, relu);
        return;
    }
    for oy in 0..w.out_height {
        for ox in 0..w.out_width {
            let o = oy * w.out_width + ox;
            let (best, at) = window_max(plane, oy * w.size * w.width + ox * w.size, w.size, w.width);
            (y[o], argmax[o]) = (clamp(best), index(at));
        }
    }
}

fn index(position: usize) -> u32 {
    u32::try_from(position).unwrap_or(u32::MAX)
}

/// Whether `v` is NaN, for any [`Real`]: the one value not equal to itself (a comparison that
/// vectorises, unlike `partial_cmp(..).is_none()`).
#[inline(always)]
#[allow(clippy::eq_op)]
fn is_nan<T: Real>(v: T) -> bool {
    v != v
}

/// The maximum of the `size`×`size` window starting at `first` (rows `width` apart) and where it
/// is: the first maximum in reading order, or the last NaN.
fn window_max<T: Real>(plane: &[T], first: usize, size: usize, width: usize) -> (T, usize) {
    let mut best = first;
    for dy in 0..size {
        let row = first + dy * width;
        for i in row..row + size {
            if plane[i] > plane[best] || is_nan(plane[i]) {
                best = i;
            }
        }
    }
    (plane[best], best)
}

/// [`pool_plane`] for 2×2 windows (the CNNs' case) without data-dependent branches: which of the
/// four values wins is a coin toss, and as branches (three per window) the mispredictions made
/// the loop ~4× slower than its arithmetic (5.7 of conv1's 6.1 ms forward at batch 128). A pair
/// of rows with a NaN (a diverging run) takes the general rule; the others run a loop of
/// comparisons and selects that vectorises (eight windows at a time under [`vectorised`]).
///
/// [`vectorised`]: super::simd::vectorised
#[inline(always)]
fn pool_plane_2x2<T: Real>(w: &Windows, plane: &[T], y: &mut [T], argmax: &mut [u32], relu: bool) {
    let width = index(w.width);
    for oy in 0..w.out_height {
        let top = 2 * oy * w.width;
        let (upper, lower) =
            (&plane[top..top + 2 * w.out_width], &plane[top + w.width..top + w.width + 2 * w.out_width]);
        let outs = &mut y[oy * w.out_width..(oy + 1) * w.out_width];
        let positions = &mut argmax[oy * w.out_width..(oy + 1) * w.out_width];
        let windows = upper.chunks_exact(2).zip(lower.chunks_exact(2));
        let mut position = index(top);
        // Whether the rows hold a NaN, from the values the loop loads anyway: a separate pass
        // over the two rows beforehand cost ~3% of a `cnn` step.
        let mut nan_seen = 0_u32;
        for ((out, at), (up, down)) in outs.iter_mut().zip(positions.iter_mut()).zip(windows) {
            let (a, b, c, d) = (up[0], up[1], down[0], down[1]);
            nan_seen |= u32::from(is_nan(a) | is_nan(b) | is_nan(c) | is_nan(d));
            let larger = |p: T, q: T| if q > p { q } else { p };
            let max = larger(larger(a, b), larger(c, d));
            // The first of the four equal to the maximum (0..=3 in reading order), from comparisons.
            let k = u32::from(a != max) * (1 + u32::from(b != max) * (1 + u32::from(c != max)));
            *at = position + (k & 1) + (k >> 1) * width;
            *out = if relu && max < T::ZERO { T::ZERO } else { max };
            position += 2;
        }
        if nan_seen != 0 {
            // Written again by the general rule.
            for (ox, (out, at)) in outs.iter_mut().zip(positions.iter_mut()).enumerate() {
                let (best, position) = window_max(plane, top + 2 * ox, 2, w.width);
                (*out, *at) = (if relu && best < T::ZERO { T::ZERO } else { best }, index(position));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One 2×2 window over `values` (reading order), through the branch-free 2×2 path and the
    /// general one: (max, position) of each.
    fn both_paths(values: [f32; 4], relu: bool) -> [(f32, u32); 2] {
        let mut results = [(0.0, 0); 2];
        for (branch_free, result) in [true, false].into_iter().zip(&mut results) {
            let w = Windows { width: 2, out_height: 1, out_width: 1, size: 2 };
            let (mut y, mut at) = ([0.0_f32], [0_u32]);
            if branch_free {
                pool_plane_2x2(&w, &values, &mut y, &mut at, relu);
            } else {
                let (best, position) = window_max(&values, 0, 2, 2);
                let best = if relu && best < 0.0 { 0.0 } else { best };
                (y[0], at[0]) = (best, index(position));
            }
            *result = (y[0], at[0]);
        }
        results
    }

    #[test]
    fn the_2x2_path_takes_the_first_of_tied_maxima_in_reading_order() {
        for (values, first) in
            [([1.0, 1.0, 1.0, 1.0], 0), ([0.0, 2.0, 2.0, 2.0], 1), ([0.0, 1.0, 3.0, 3.0], 2)]
        {
            let [fast, general] = both_paths(values, false);
            assert_eq!(fast.1, first, "{values:?}");
            assert_eq!(fast.1.to_owned(), general.1, "{values:?}");
            assert_eq!(fast.0.to_bits(), general.0.to_bits(), "{values:?}");
        }
    }

    #[test]
    fn a_nan_wins_its_window_on_both_paths_and_stays_nan_after_relu() {
        for position in 0..4 {
            let mut values = [0.5_f32, -1.0, 2.0, 0.25];
            values[position] = f32::NAN;
            for relu in [false, true] {
                let [fast, general] = both_paths(values, relu);
                assert!(fast.0.is_nan() && general.0.is_nan(), "{values:?} relu {relu}");
                assert_eq!(fast.1, u32::try_from(position).unwrap(), "{values:?}");
                assert_eq!(fast.1, general.1);
            }
        }
    }

    #[test]
    fn negative_maxima_become_zero_with_relu_and_keep_their_position() {
        let [fast, general] = both_paths([-3.0, -1.0, -2.0, -5.0], true);
        assert_eq!(fast, (0.0, 1));
        assert_eq!(general, fast);
    }

    #[test]
    fn the_vectorised_2x2_path_pools_a_plane_of_ties_as_the_general_rule_does() {
        // A 9×9 plane (odd: the last row and column are dropped) of few distinct values, so that
        // most windows hold ties, with negatives for the ReLU; values from a fixed sequence.
        let plane: Vec<f32> = (0..81_u16).map(|i| f32::from((i * 37 + i / 5) % 5) - 2.0).collect();
        let w = Windows { width: 9, out_height: 4, out_width: 4, size: 2 };
        for relu in [false, true] {
            let (mut fast, mut fast_at) = (vec![0.0_f32; 16], vec![0_u32; 16]);
            super::super::simd::vectorised(
                #[inline(always)]
                || pool_plane(&w, &plane, &mut fast, &mut fast_at, relu),
            );
            for (o, (&value, &at)) in fast.iter().zip(&fast_at).enumerate() {
                let (oy, ox) = (o / 4, o % 4);
                let (best, position) = window_max(&plane, 2 * oy * 9 + 2 * ox, 2, 9);
                let best = if relu && best < 0.0 { 0.0 } else { best };
                assert_eq!((value, at), (best, index(position)), "window {o}, relu {relu}");
            }
        }
    }
}
