//! The two products of a convolution whose patches are short, in loops of our own: the first
//! convolution of a grayscale picture has 9 values per patch (27 for colour). With so short an
//! inner dimension `gemm` spends its time packing and blocking rather than multiplying (the
//! first convolution's weight gradient ran at 19-23 GFLOP/s in `gemm` against ~150 for the second
//! convolution's, `bench/results/component_timings-20261207T204346Z.txt`).
//!
//! For `f32` on CPUs with AVX2 and FMA, register-blocked kernels ([`forward_f32_avx2`],
//! [`weight_gradient_f32_avx2`]) do the bulk: plain loops over slices reached only ~40 GFLOP/s
//! here, loading and storing a value for every multiply-add. The plain loops do the rest (the
//! last output channels and columns) and serve `f64`.

use std::ops::Range;

use super::kernel::Real;

/// Patches up to this long take these loops; longer ones take `gemm`.
pub(crate) const NARROW_PATCH: usize = 32;

/// Running sums of a dot product: four AVX2 registers of `f32`, so that four additions are in
/// flight at once.
const LANES: usize = 32;

/// `full [out, columns] = W [out, patch] × cols [patch, columns] + bias`.
#[inline(always)]
pub(crate) fn forward_product<T: Real>(patch: usize, weight: &[T], bias: &[T], cols: &[T], full: &mut [T]) {
    T::narrow_forward(patch, weight, bias, cols, full);
}

/// `dW [out, patch] += dFull [out, columns] × colsᵀ [columns, patch]`.
#[inline(always)]
pub(crate) fn weight_gradient<T: Real>(patch: usize, dfull: &[T], cols: &[T], dweight: &mut [T]) {
    T::narrow_weight_gradient(patch, dfull, cols, dweight);
}

/// [`forward_product`] for output `channels` and `positions` (columns) only, in plain loops:
/// each output row starts from its bias and adds the patch's rows in order.
#[inline(always)]
pub(crate) fn forward_plain<T: Real>(
    patch: usize,
    (weight, bias, cols): (&[T], &[T], &[T]),
    full: &mut [T],
    channels: Range<usize>,
    positions: Range<usize>,
) {
    let columns = cols.len() / patch.max(1);
    for o in channels {
        let out = &mut full[o * columns..(o + 1) * columns][positions.clone()];
        out.fill(bias[o]);
        for (&wk, row) in weight[o * patch..(o + 1) * patch].iter().zip(cols.chunks_exact(columns)) {
            for (sum, &v) in out.iter_mut().zip(&row[positions.clone()]) {
                *sum += wk * v;
            }
        }
    }
}

/// [`weight_gradient`] for output `channels` and patch `rows` only: one dot product per weight.
#[inline(always)]
pub(crate) fn weight_gradient_plain<T: Real>(
    patch: usize,
    (dfull, cols): (&[T], &[T]),
    dweight: &mut [T],
    channels: Range<usize>,
    rows: Range<usize>,
) {
    let columns = cols.len() / patch.max(1);
    for o in channels {
        let d_row = &dfull[o * columns..(o + 1) * columns];
        for k in rows.clone() {
            dweight[o * patch + k] += dot(d_row, &cols[k * columns..(k + 1) * columns]);
        }
    }
}

/// `Σ aᵢ·bᵢ` in [`LANES`] running sums, added in a fixed order at the end.
#[inline(always)]
fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    let mut lanes = [T::ZERO; LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail =
        a_chunks.remainder().iter().zip(b_chunks.remainder()).fold(T::ZERO, |acc, (&x, &y)| acc + x * y);
    for (x, y) in a_chunks.zip(b_chunks) {
        for ((lane, &p), &q) in lanes.iter_mut().zip(x).zip(y) {
            *lane += p * q;
        }
    }
    lanes.iter().fold(T::ZERO, |acc, &v| acc + v) + tail
}

/// Output channels × columns of one block of [`forward_f32_avx2`]: 4 × 16, eight registers.
const FORWARD_BLOCK: (usize, usize) = (4, 16);

/// [`forward_product`] in `f32`: blocks of 4 output channels × 16 columns whose sums stay in
/// eight AVX2 registers over the whole patch (two loads and four broadcasts per eight fused
/// multiply-adds); the rest by [`forward_plain`].
///
/// # Safety
/// The CPU must have AVX2 and FMA; `weight` is `[out, patch]`, `bias` `[out]`, `cols`
/// `[patch, columns]` and `full` `[out, columns]`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn forward_f32_avx2(
    patch: usize,
    weight: &[f32],
    bias: &[f32],
    cols: &[f32],
    full: &mut [f32],
) {
    use std::arch::x86_64::{_mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_storeu_ps};
    let (outs, columns) = (bias.len(), cols.len() / patch.max(1));
    let (block_outs, block_columns) = FORWARD_BLOCK;
    let (whole_outs, whole_columns) = (outs - outs % block_outs, columns - columns % block_columns);
    assert!(weight.len() >= outs * patch && full.len() >= outs * columns && cols.len() >= patch * columns);
    for o in (0..whole_outs).step_by(block_outs) {
        for p in (0..whole_columns).step_by(block_columns) {
            let mut sums = [[_mm256_set1_ps(0.0); 2]; 4];
            for (c, pair) in sums.iter_mut().enumerate() {
                *pair = [_mm256_set1_ps(bias[o + c]); 2];
            }
            for k in 0..patch {
                // SAFETY: `k < patch`, `p + 16 ≤ columns` and `o + 4 ≤ outs`: inside the slices,
                // whose lengths the assert checked.
                unsafe {
                    let src = cols.as_ptr().add(k * columns + p);
                    let (low, high) = (_mm256_loadu_ps(src), _mm256_loadu_ps(src.add(8)));
                    for (c, pair) in sums.iter_mut().enumerate() {
                        let w = _mm256_set1_ps(*weight.get_unchecked((o + c) * patch + k));
                        pair[0] = _mm256_fmadd_ps(w, low, pair[0]);
                        pair[1] = _mm256_fmadd_ps(w, high, pair[1]);
                    }
                }
            }
            for (c, pair) in sums.iter().enumerate() {
                // SAFETY: as above, `(o + c) · columns + p + 16 ≤ outs · columns`.
                unsafe {
                    let dst = full.as_mut_ptr().add((o + c) * columns + p);
                    _mm256_storeu_ps(dst, pair[0]);
                    _mm256_storeu_ps(dst.add(8), pair[1]);
                }
            }
        }
    }
    let inputs = (weight, bias, cols);
    forward_plain(patch, inputs, full, 0..whole_outs, whole_columns..columns);
    forward_plain(patch, inputs, full, whole_outs..outs, 0..columns);
}

/// Output channels × patch rows of one block of [`weight_gradient_f32_avx2`]: 2 × 4, eight registers.
const GRADIENT_BLOCK: (usize, usize) = (2, 4);

/// [`weight_gradient`] in `f32`: blocks of 2 output channels × 4 patch rows, eight sums of eight
/// lanes in AVX2 registers over the columns (six loads per eight fused multiply-adds); the rest
/// by [`weight_gradient_plain`].
///
/// # Safety
/// The CPU must have AVX2 and FMA; `dfull` is `[out, columns]`, `cols` `[patch, columns]` and
/// `dweight` `[out, patch]`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn weight_gradient_f32_avx2(
    patch: usize,
    dfull: &[f32],
    cols: &[f32],
    dweight: &mut [f32],
) {
    use std::arch::x86_64::{
        _mm_add_ps, _mm_cvtss_f32, _mm_movehdup_ps, _mm_movehl_ps, _mm256_castps256_ps128,
        _mm256_extractf128_ps, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps,
    };
    let columns = cols.len() / patch.max(1);
    let outs = dfull.len() / columns.max(1);
    let (block_outs, block_rows) = GRADIENT_BLOCK;
    let (whole_outs, whole_rows, whole_columns) =
        (outs - outs % block_outs, patch - patch % block_rows, columns - columns % 8);
    assert!(dweight.len() >= outs * patch && dfull.len() >= outs * columns);
    let total = |v| {
        let pair = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let two = _mm_add_ps(pair, _mm_movehl_ps(pair, pair));
        _mm_cvtss_f32(_mm_add_ps(two, _mm_movehdup_ps(two)))
    };
    for o in (0..whole_outs).step_by(block_outs) {
        for k in (0..whole_rows).step_by(block_rows) {
            let mut sums = [[_mm256_set1_ps(0.0); 4]; 2];
            for p in (0..whole_columns).step_by(8) {
                // SAFETY: `o + 2 ≤ outs`, `k + 4 ≤ patch` and `p + 8 ≤ columns`: inside the
                // slices, whose lengths the assert checked.
                unsafe {
                    let d = [
                        _mm256_loadu_ps(dfull.as_ptr().add(o * columns + p)),
                        _mm256_loadu_ps(dfull.as_ptr().add((o + 1) * columns + p)),
                    ];
                    let [first, second] = &mut sums;
                    for (r, (a, b)) in first.iter_mut().zip(second.iter_mut()).enumerate() {
                        let v = _mm256_loadu_ps(cols.as_ptr().add((k + r) * columns + p));
                        *a = _mm256_fmadd_ps(d[0], v, *a);
                        *b = _mm256_fmadd_ps(d[1], v, *b);
                    }
                }
            }
            for (c, row_sums) in sums.iter().enumerate() {
                let d_tail = &dfull[(o + c) * columns + whole_columns..(o + c + 1) * columns];
                for (r, &lanes) in row_sums.iter().enumerate() {
                    let tail = &cols[(k + r) * columns + whole_columns..(k + r + 1) * columns];
                    let rest = d_tail.iter().zip(tail).fold(0.0, |acc, (&d, &v)| acc + d * v);
                    dweight[(o + c) * patch + k + r] += total(lanes) + rest;
                }
            }
        }
    }
    let inputs = (dfull, cols);
    weight_gradient_plain(patch, inputs, dweight, 0..whole_outs, whole_rows..patch);
    weight_gradient_plain(patch, inputs, dweight, whole_outs..outs, 0..patch);
}

#[cfg(test)]
mod tests {
    use super::{forward_product, weight_gradient};

    /// Values in [-1, 1) from a fixed sequence.
    fn values(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) % 2000) as f32 / 1000.0 - 1.0)
            .collect()
    }

    fn widen(xs: &[f32]) -> Vec<f64> {
        xs.iter().map(|&x| f64::from(x)).collect()
    }

    /// Both products in `f32` (the AVX2 kernels where the CPU has them) against the plain loops in
    /// `f64`, on sizes around the kernels' blocks: whole blocks, remainders, fewer than one block.
    #[test]
    fn the_f32_kernels_match_the_plain_loops_on_odd_sizes() {
        for (outs, patch, columns) in
            [(4, 9, 16), (32, 9, 676), (5, 27, 37), (3, 4, 15), (1, 1, 1), (7, 18, 100), (2, 32, 9)]
        {
            let (weight, bias, cols) = (values(outs * patch, 1), values(outs, 2), values(patch * columns, 3));
            let mut full = vec![f32::NAN; outs * columns];
            forward_product(patch, &weight, &bias, &cols, &mut full);
            let mut wide = vec![f64::NAN; outs * columns];
            forward_product(patch, &widen(&weight), &widen(&bias), &widen(&cols), &mut wide);
            let dfull = values(outs * columns, 4);
            let mut dweight = values(outs * patch, 5);
            let mut wide_dweight = widen(&dweight);
            weight_gradient(patch, &dfull, &cols, &mut dweight);
            weight_gradient(patch, &widen(&dfull), &widen(&cols), &mut wide_dweight);
            let close = |a: &[f32], b: &[f64], scale: f64| {
                a.iter().zip(b).all(|(&x, &y)| (f64::from(x) - y).abs() <= 1e-5 * scale.max(1.0))
            };
            assert!(close(&full, &wide, patch as f64), "forward {outs}×{patch}×{columns}");
            assert!(
                close(&dweight, &wide_dweight, columns as f64),
                "weight gradient {outs}×{patch}×{columns}"
            );
        }
    }

    #[test]
    fn the_plain_loops_are_the_products_they_name() {
        // W [2, 3] × cols [3, 2] + bias.
        let (weight, bias, cols) =
            ([1.0, 2.0, 3.0, -1.0, 0.5, 0.0], [0.25, -0.25], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let mut full = [0.0_f64; 4];
        forward_product(3, &weight, &bias, &cols, &mut full);
        assert_eq!(
            full,
            [1.0 + 6.0 + 15.0 + 0.25, 2.0 + 8.0 + 18.0 + 0.25, -1.0 + 1.5 - 0.25, -2.0 + 2.0 - 0.25]
        );
        let mut dweight = [1.0_f64; 6];
        weight_gradient(3, &[1.0, 2.0, -1.0, 0.0], &cols, &mut dweight);
        assert_eq!(dweight, [1.0 + 5.0, 1.0 + 11.0, 1.0 + 17.0, 1.0 - 1.0, 1.0 - 3.0, 1.0 - 5.0]);
    }
}
