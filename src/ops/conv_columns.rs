//! The column matrices behind the convolutions: a group of images unfolded into one
//! `[in·k·k, n·oh·ow]` matrix (im2col) and folded back (col2im), the grouped forward product and
//! the grouped backward products.

use super::conv::Geometry;
use super::conv_narrow::{self, NARROW_PATCH};
use super::kernel::{self, Accumulate, Mat, Real, Scratch};

/// Columns per matrix product, at most: [`group_len`] images share one product to amortise the
/// GEMM's packing, so conv2 of the CNN (121 output positions) multiplies 64 × 288 by 288 × 484
/// instead of four products with 121 columns. 512 rather than 1024: the column matrix of a
/// 64-channel 3×3 convolution (576 rows) then stays in a 2 MiB L2 cache (`best` ×1.05, `cnn-bn`
/// ×1.04 in interleaved pairs, `fast` the same; bench/PERF.md step 21).
const GROUP_COLUMNS: usize = 512;

/// Images per matrix product for this geometry, at most `limit`.
pub(crate) fn group_len(g: &Geometry, limit: usize) -> usize {
    (GROUP_COLUMNS / g.out_area().max(1)).clamp(1, limit.max(1))
}

/// This thread's buffers for a group of `group` images: the column matrix `[in·k·k, columns]`
/// (first) and the product or its gradient `[out, columns]` (second).
pub(crate) fn group_buffers<T: Real>(g: &Geometry, group: usize) -> Scratch<T> {
    let columns = group * g.out_area();
    Scratch::take(g.patch_len() * columns, g.out_channels * columns)
}

/// A range `lo..hi` of output rows or columns, as `(lo, hi)`.
type Span = (usize, usize);

/// For each kernel offset `0..k`, the output rows (`.0`) and columns (`.1`) whose input lies
/// inside the image ([`Geometry::valid_range`]): worked out once per group, not for every
/// channel of every image (two integer divisions each, ~3% of a `best` step).
fn valid_ranges(g: &Geometry) -> Vec<(Span, Span)> {
    (0..g.kernel)
        .map(|k| (g.valid_range(k, g.height, g.out_height), g.valid_range(k, g.width, g.out_width)))
        .collect()
}

/// One image's place in a group's column matrix: rows `pitch` long, the image's `oh·ow` columns
/// starting at `offset`, with the geometry's [`valid_ranges`].
#[derive(Clone, Copy)]
struct ImageColumns<'a> {
    g: &'a Geometry,
    ranges: &'a [(Span, Span)],
    pitch: usize,
    offset: usize,
}

/// `dst = src` for the short rows im2col copies (a dozen or two values): eight at a time and a
/// last eight that may overlap the previous ones, instead of a call to `memmove` per row (~5% of
/// a `best` step went to those calls).
#[inline(always)]
fn copy_row<T: Copy>(dst: &mut [T], src: &[T]) {
    const CHUNK: usize = 8;
    let len = dst.len();
    let src = &src[..len];
    if len < CHUNK {
        dst.copy_from_slice(src);
        return;
    }
    let mut start = 0;
    while start + CHUNK < len {
        dst[start..start + CHUNK].copy_from_slice(&src[start..start + CHUNK]);
        start += CHUNK;
    }
    dst[len - CHUNK..].copy_from_slice(&src[len - CHUNK..]);
}

/// Unfolds one image `[in, h, w]` into its columns of `cols` (rows `[in·k·k]`).
#[inline(always)]
fn im2col_at<T: Real>(at: ImageColumns<'_>, image: &[T], cols: &mut [T]) {
    let ImageColumns { g, ranges, pitch, offset } = at;
    let area = g.out_area();
    let mut row = 0;
    for channel in image.chunks_exact(g.height * g.width) {
        for ky in 0..g.kernel {
            let (oy_lo, oy_hi) = ranges[ky].0;
            for kx in 0..g.kernel {
                let (ox_lo, ox_hi) = ranges[kx].1;
                let dst = &mut cols[row * pitch + offset..row * pitch + offset + area];
                row += 1;
                // Zeros where the patch lies in the padding, and only there.
                dst[..oy_lo * g.out_width].fill(T::ZERO);
                dst[oy_hi * g.out_width..].fill(T::ZERO);
                let whole_rows = ox_lo == 0 && ox_hi == g.out_width;
                if whole_rows && g.stride == 1 {
                    // Rows with no padding (every row of an unpadded convolution): only the
                    // copies. The two empty fills per row of the general loop below were each a
                    // call to `memset` (~5% of a `cnn` step).
                    for oy in oy_lo..oy_hi {
                        let start = (oy + ky - g.pad) * g.width + kx - g.pad;
                        copy_row(&mut dst[oy * g.out_width..(oy + 1) * g.out_width], &channel[start..]);
                    }
                    continue;
                }
                for oy in oy_lo..oy_hi {
                    let iy = oy * g.stride + ky - g.pad;
                    let src_row = &channel[iy * g.width..(iy + 1) * g.width];
                    let dst_row = &mut dst[oy * g.out_width..(oy + 1) * g.out_width];
                    dst_row[..ox_lo].fill(T::ZERO);
                    dst_row[ox_hi..].fill(T::ZERO);
                    if g.stride == 1 {
                        let ix0 = ox_lo + kx - g.pad;
                        copy_row(&mut dst_row[ox_lo..ox_hi], &src_row[ix0..]);
                    } else {
                        for ox in ox_lo..ox_hi {
                            dst_row[ox] = src_row[ox * g.stride + kx - g.pad];
                        }
                    }
                }
            }
        }
    }
}

/// Folds one image's columns of `cols` back onto the image `[in, h, w]`, which holds zeros on
/// entry, adding overlapping patches.
#[inline(always)]
fn col2im_at<T: Real>(at: ImageColumns<'_>, cols: &[T], image: &mut [T]) {
    let ImageColumns { g, ranges, pitch, offset } = at;
    if g.stride == 1 && g.kernel == 3 {
        col2im_3x3_at(at, cols, image);
        return;
    }
    let area = g.out_area();
    let mut row = 0;
    for channel in image.chunks_exact_mut(g.height * g.width) {
        for ky in 0..g.kernel {
            let (oy_lo, oy_hi) = ranges[ky].0;
            for kx in 0..g.kernel {
                let (ox_lo, ox_hi) = ranges[kx].1;
                let src = &cols[row * pitch + offset..row * pitch + offset + area];
                row += 1;
                for oy in oy_lo..oy_hi {
                    let iy = oy * g.stride + ky - g.pad;
                    let dst_row = &mut channel[iy * g.width..(iy + 1) * g.width];
                    let src_row = &src[oy * g.out_width..(oy + 1) * g.out_width];
                    if g.stride == 1 {
                        let ix0 = ox_lo + kx - g.pad;
                        let dst = &mut dst_row[ix0..ix0 + (ox_hi - ox_lo)];
                        for (d, &s) in dst.iter_mut().zip(&src_row[ox_lo..ox_hi]) {
                            *d += s;
                        }
                    } else {
                        for ox in ox_lo..ox_hi {
                            dst_row[ox * g.stride + kx - g.pad] += src_row[ox];
                        }
                    }
                }
            }
        }
    }
}

/// [`col2im_at`] for the 3×3, stride-1 convolutions every preset has: each input row takes its
/// three horizontal taps in one pass (`((x + s₀) + s₁) + s₂`, the order of the general loop, so
/// the sums are the same bit for bit) instead of three passes of a dozen values each, whose
/// loop overhead was most of col2im's 5-7% of a `best` step.
#[inline(always)]
fn col2im_3x3_at<T: Real>(at: ImageColumns<'_>, cols: &[T], image: &mut [T]) {
    let ImageColumns { g, ranges, pitch, offset } = at;
    let (width, out_width, pad) = (g.width, g.out_width, g.pad);
    // The input columns that tap `kx` reaches: output column `ox` lands on `ox + kx - pad`.
    let reach = |kx: usize| {
        let (lo, hi) = ranges[kx].1;
        if lo < hi { (lo + kx - pad, hi + kx - pad) } else { (0, 0) }
    };
    let reaches = [reach(0), reach(1), reach(2)];
    // Where all three taps land (possibly empty on tiny images).
    let inner_lo = reaches.iter().map(|r| r.0).max().unwrap_or(0).min(width);
    let inner_hi = reaches.iter().map(|r| r.1).min().unwrap_or(0).max(inner_lo);
    for (c, channel) in image.chunks_exact_mut(g.height * width).enumerate() {
        for (ky, &((oy_lo, oy_hi), _)) in ranges.iter().enumerate().take(3) {
            let tap_row = |kx: usize| (c * 9 + ky * 3 + kx) * pitch + offset;
            let rows = [tap_row(0), tap_row(1), tap_row(2)];
            for oy in oy_lo..oy_hi {
                let iy = oy + ky - pad;
                let dst = &mut channel[iy * width..(iy + 1) * width];
                let taps = rows.map(|start| &cols[start + oy * out_width..start + (oy + 1) * out_width]);
                let edge = |dst: &mut [T], ix: usize| {
                    let mut acc = dst[ix];
                    for (kx, (tap, &(lo, hi))) in taps.iter().zip(&reaches).enumerate() {
                        if lo <= ix && ix < hi {
                            acc += tap[ix + pad - kx];
                        }
                    }
                    dst[ix] = acc;
                };
                for ix in (0..inner_lo).chain(inner_hi..width) {
                    edge(dst, ix);
                }
                let inner = inner_lo..inner_hi;
                if inner.is_empty() {
                    continue;
                }
                // Not empty: every tap reaches `inner`, so `inner.start + pad ≥ kx`.
                let shifted = |kx: usize| &taps[kx][inner.start + pad - kx..inner.end + pad - kx];
                for (d, ((&a, &b), &e)) in
                    dst[inner.clone()].iter_mut().zip(shifted(0).iter().zip(shifted(1)).zip(shifted(2)))
                {
                    *d = ((*d + a) + b) + e;
                }
            }
        }
    }
}

/// Unfolds `images` `[n, in, h, w]` into `cols` `[in·k·k, n·oh·ow]` (image `i` in columns
/// `i·oh·ow..`), the right-hand side of one grouped product.
#[inline(always)]
pub(crate) fn im2col<T: Real>(g: &Geometry, images: &[T], cols: &mut [T]) {
    let pitch = images.len() / g.in_len() * g.out_area();
    let ranges = valid_ranges(g);
    for (i, image) in images.chunks_exact(g.in_len()).enumerate() {
        im2col_at(ImageColumns { g, ranges: &ranges, pitch, offset: i * g.out_area() }, image, cols);
    }
}

/// The inverse of [`im2col`]: folds `cols` `[in·k·k, n·oh·ow]` onto `images` `[n, in, h, w]`,
/// which hold zeros on entry (the gradient buffer is allocated zeroed: clearing it again here was
/// a second pass over it).
#[inline(always)]
pub(crate) fn col2im<T: Real>(g: &Geometry, cols: &[T], images: &mut [T]) {
    let pitch = images.len() / g.in_len() * g.out_area();
    let ranges = valid_ranges(g);
    for (i, image) in images.chunks_exact_mut(g.in_len()).enumerate() {
        col2im_at(ImageColumns { g, ranges: &ranges, pitch, offset: i * g.out_area() }, cols, image);
    }
}

/// `full [out, columns] = W [out, in·k·k] × cols [in·k·k, columns] + bias`, on this thread.
#[inline(always)]
pub(crate) fn product<T: Real>(g: &Geometry, weight: &[T], bias: &[T], cols: &[T], full: &mut [T]) {
    if g.patch_len() <= NARROW_PATCH {
        conv_narrow::forward_product(g.patch_len(), weight, bias, cols, full);
        return;
    }
    let columns = full.len() / g.out_channels;
    // Start from the bias so the product adds onto it in the same pass.
    for (row, &b) in full.chunks_exact_mut(columns).zip(bias) {
        row.fill(b);
    }
    kernel::gemm(
        (g.out_channels, columns, g.patch_len()),
        full,
        Mat::rows(weight, g.patch_len()),
        Mat::rows(cols, columns),
        Accumulate::Add,
        1,
    );
}

/// The weight gradient (added to `dweight`) and, when `dx` (zeros on entry) is given, the input
/// gradient of a group of images from their grouped output gradient `dfull [out, n·oh·ow]`. `cols` holds the
/// group's [`im2col`] on entry and is reused as scratch.
#[inline(always)]
pub(crate) fn backward_group<T: Real>(
    g: &Geometry,
    weight: &[T],
    dfull: &[T],
    cols: &mut [T],
    dweight: &mut [T],
    dx: Option<&mut [T]>,
) {
    let columns = dfull.len() / g.out_channels;
    if g.patch_len() <= NARROW_PATCH {
        conv_narrow::weight_gradient(g.patch_len(), dfull, cols, dweight);
    } else {
        // dW [out, in·k·k] += dFull [out, columns] × colsᵀ [columns, in·k·k]
        kernel::gemm(
            (g.out_channels, g.patch_len(), columns),
            dweight,
            Mat::rows(dfull, columns),
            Mat::transposed(cols, columns),
            Accumulate::Add,
            1,
        );
    }
    if let Some(dx) = dx {
        // dcols [in·k·k, columns] = Wᵀ [in·k·k, out] × dFull [out, columns]
        kernel::gemm(
            (g.patch_len(), columns, g.out_channels),
            cols,
            Mat::transposed(weight, g.patch_len()),
            Mat::rows(dfull, columns),
            Accumulate::Overwrite,
            1,
        );
        col2im(g, cols, dx);
    }
}

/// Sums per-task weight and bias gradients.
pub(crate) fn sum_grads<T: Real>(
    (mut wa, mut ba): (Vec<T>, Vec<T>),
    (wb, bb): (Vec<T>, Vec<T>),
) -> (Vec<T>, Vec<T>) {
    wa.iter_mut().zip(&wb).for_each(|(a, &b)| *a += b);
    ba.iter_mut().zip(&bb).for_each(|(a, &b)| *a += b);
    (wa, ba)
}
