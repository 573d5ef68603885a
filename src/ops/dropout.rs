//! Dropout with masks drawn from an explicit seed, so a training step can be replayed exactly
//! (reproducible runs, exact pause/resume, finite-difference gradient checks).
//!
//! The generator is SplitMix64, written out here so that the masks do not change when a
//! dependency updates its random number generator.

use candle_core::{CpuStorage, CustomOp1, DType, Layout, Result, Shape, Tensor};

use super::kernel::{self, Data, Float, Real};
use super::simd::vectorised;

/// One step of SplitMix64: a well-mixed 64-bit value from any 64-bit state.
#[must_use]
#[inline(always)]
pub fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The kept-values mask for `shape`: each value is `1 / (1 - rate)` with probability `1 - rate`,
/// else 0, in `x`'s dtype and on its device. The same `seed` always gives the same mask.
///
/// # Errors
/// A rate outside `0.0..1.0`, or a tensor that cannot be created on the device.
pub fn dropout_mask(like: &Tensor, rate: f32, seed: u64) -> Result<Tensor> {
    if !(0.0..1.0).contains(&rate) {
        candle_core::bail!("dropout rate {rate} is outside 0 ≤ rate < 1");
    }
    let count = like.elem_count();
    // Keep a value when its 32-bit draw is at or above rate·2³².
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let threshold = (f64::from(rate) * 4_294_967_296.0) as u64;
    let keep = 1.0 / (1.0 - f64::from(rate));
    if like.dtype() == DType::F32 {
        // Built in f32 directly: the same values as the f64 mask converted, one buffer fewer.
        #[allow(clippy::cast_possible_truncation)]
        let values = mask_values(count, threshold, seed, keep as f32);
        return Tensor::from_vec(values, like.shape(), like.device());
    }
    Tensor::from_vec(mask_values(count, threshold, seed, keep), like.shape(), like.device())?
        .to_dtype(like.dtype())
}

/// `count` mask values: `keep` where the seeded 32-bit draw is at or above `threshold`, else 0.
/// Value `2k` takes the low half of draw `k` (SplitMix64 of the mixed seed plus `k + 1`), value
/// `2k + 1` the high half.
fn mask_values<T: MaskValue>(count: usize, threshold: u64, seed: u64, keep: T) -> Vec<T> {
    let mut values = vec![T::default(); count];
    masked_run(&mut values, None, MaskStream { threshold, first: splitmix64(seed) }, 0, keep);
    values
}

/// The 32-bit halves of one block's draws, in mask order.
type Halves = [u32; 2 * BLOCK_DRAWS];

/// A mask's element type: `f32` or `f64`.
trait MaskValue: Copy + Default + std::ops::Mul<Output = Self> {
    /// One block of [`masked_run`]: `run[j] = input[j] · m` (or `m`) where `m` is `kept` when
    /// `halves[j] ≥ threshold`, else 0.
    #[inline(always)]
    fn block(run: &mut [Self], input: Option<&[Self]>, halves: &Halves, (threshold, kept): (u32, Self)) {
        block_values(run, input, halves, threshold, kept);
    }
}

/// [`MaskValue::block`] value by value: any length, any type.
#[inline(always)]
fn block_values<T: MaskValue>(run: &mut [T], input: Option<&[T]>, halves: &[u32], threshold: u32, kept: T) {
    let pick = |half: u32| if half >= threshold { kept } else { T::default() };
    match input {
        Some(input) => run.iter_mut().zip(input).zip(halves).for_each(|((v, &x), &h)| *v = x * pick(h)),
        None => run.iter_mut().zip(halves).for_each(|(v, &h)| *v = pick(h)),
    }
}

impl MaskValue for f64 {}

impl MaskValue for f32 {
    /// Full blocks in AVX2 registers where the CPU has them: written as a select, LLVM turned
    /// the pick into a branch per value, which on random draws mispredicted every few values.
    #[inline(always)]
    fn block(run: &mut [Self], input: Option<&[Self]>, halves: &Halves, (threshold, kept): (u32, Self)) {
        #[cfg(target_arch = "x86_64")]
        if run.len() == 2 * BLOCK_DRAWS
            && input.is_none_or(|input| input.len() == 2 * BLOCK_DRAWS)
            && std::arch::is_x86_feature_detected!("avx2")
        {
            // SAFETY: the CPU has AVX2 (checked just above) and every slice holds 16 values.
            unsafe { block_f32_avx2(run, input, halves, threshold, kept) };
            return;
        }
        block_values(run, input, halves, threshold, kept);
    }
}

/// [`MaskValue::block`] for 16 `f32` values in two AVX2 registers: the kept lanes are
/// `half ≥ threshold` as `max(half, threshold) == half` (AVX2 has no unsigned compare), the mask
/// value `kept` or +0.0 as a bitwise and, then the product: the values the scalar loop computes.
///
/// # Safety
/// The CPU must have AVX2, and `run` (and `input`, if any) must hold 16 values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn block_f32_avx2(run: &mut [f32], input: Option<&[f32]>, halves: &Halves, threshold: u32, kept: f32) {
    use std::arch::x86_64::{
        __m256i, _mm256_and_ps, _mm256_castsi256_ps, _mm256_cmpeq_epi32, _mm256_loadu_ps, _mm256_loadu_si256,
        _mm256_max_epu32, _mm256_mul_ps, _mm256_set1_epi32, _mm256_set1_ps, _mm256_storeu_ps,
    };
    #[allow(clippy::cast_possible_wrap)]
    let threshold = _mm256_set1_epi32(threshold as i32);
    let kept = _mm256_set1_ps(kept);
    for lanes in [0, 8] {
        // SAFETY: `lanes + 8 ≤ 16`, the length of every slice (this function's contract).
        unsafe {
            let half = _mm256_loadu_si256(halves.as_ptr().add(lanes).cast::<__m256i>());
            let keep = _mm256_cmpeq_epi32(_mm256_max_epu32(half, threshold), half);
            let mask = _mm256_and_ps(_mm256_castsi256_ps(keep), kept);
            let value = match input {
                Some(input) => _mm256_mul_ps(_mm256_loadu_ps(input.as_ptr().add(lanes)), mask),
                None => mask,
            };
            _mm256_storeu_ps(run.as_mut_ptr().add(lanes), value);
        }
    }
}

/// The draws of one mask: value `i` is kept when half `i % 2` of draw `i / 2` is at or above
/// `threshold`. Each draw is a function of its index alone, so any run of the mask can be drawn
/// on its own (and so on any thread) with the same values.
#[derive(Clone, Copy)]
struct MaskStream {
    threshold: u64,
    /// SplitMix64 of the seed; draw `k` is SplitMix64 of this plus `k + 1`.
    first: u64,
}

/// Draws per block of [`masked_run`]: the draws of a block are independent, so the loop over
/// them runs in vector lanes (the 64-bit multiplies of SplitMix64 included).
const BLOCK_DRAWS: usize = 8;

/// Writes `out[j] = source[j] · m(start + j)`, where `m(i)` is `keep` or 0 as the mask's value `i`
/// (or just `m(start + j)` without a source). `start` is even, so runs begin on a draw. Drawn a
/// block of eight at a time into a small array, then applied: one draw after the other in
/// pairs, the loop ran scalar and drawing was 6% of a `dense` step.
fn masked_run<T: MaskValue>(out: &mut [T], source: Option<&[T]>, stream: MaskStream, start: usize, keep: T) {
    debug_assert!(start.is_multiple_of(2), "mask runs start on a draw");
    // A value is kept when its 32-bit half-draw is at or above the threshold (never when the
    // threshold is 2³² or more, which no half-draw reaches).
    let (threshold, kept) = match u32::try_from(stream.threshold) {
        Ok(threshold) => (threshold, keep),
        Err(_) => (u32::MAX, T::default()),
    };
    let first_draw = stream.first.wrapping_add((start / 2) as u64);
    let block_halves = |block: usize| {
        let mut halves = [0_u32; 2 * BLOCK_DRAWS];
        let base = first_draw.wrapping_add((block * BLOCK_DRAWS) as u64);
        for (lane, pair) in halves.chunks_exact_mut(2).enumerate() {
            let bits = splitmix64(base.wrapping_add(lane as u64 + 1));
            #[allow(clippy::cast_possible_truncation)]
            {
                pair[0] = bits as u32;
                pair[1] = (bits >> 32) as u32;
            }
        }
        halves
    };
    let block_len = 2 * BLOCK_DRAWS;
    vectorised(
        #[inline(always)]
        || {
            for (block, run) in out.chunks_mut(block_len).enumerate() {
                let input = source.map(|source| &source[block * block_len..][..run.len()]);
                T::block(run, input, &block_halves(block), (threshold, kept));
            }
        },
    );
}

/// Training-mode dropout of `x` with the mask of [`dropout_mask`], as one op: the mask is drawn
/// while multiplying, forward and again backward (it is a function of the seed), so it is never
/// stored, and large tensors are masked by all of the pool's threads.
///
/// # Errors
/// As [`dropout_mask`].
pub fn dropout(x: &Tensor, rate: f32, seed: u64) -> Result<Tensor> {
    if rate == 0.0 {
        return Ok(x.clone());
    }
    if !(0.0..1.0).contains(&rate) {
        candle_core::bail!("dropout rate {rate} is outside 0 ≤ rate < 1");
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let threshold = (f64::from(rate) * 4_294_967_296.0) as u64;
    let op = DropoutOp {
        stream: MaskStream { threshold, first: splitmix64(seed) },
        keep: 1.0 / (1.0 - f64::from(rate)),
    };
    super::tape::apply1(&x.contiguous()?, op)
}

/// Values per parallel piece of a mask (below twice this, one thread draws it all).
const PIECE: usize = 1 << 14;

/// The candle op `x · mask`.
struct DropoutOp {
    stream: MaskStream,
    /// `1 / (1 - rate)`, what a kept value is multiplied by.
    keep: f64,
}

impl DropoutOp {
    /// `source · mask`, in pieces over the pool's threads when it is large.
    fn apply<T: Real + MaskValue>(&self, source: &[T], keep: T) -> Vec<T> {
        let mut out = vec![T::default(); source.len()];
        let pieces = (source.len() / PIECE).clamp(1, rayon::current_num_threads());
        if pieces == 1 {
            masked_run(&mut out, Some(source), self.stream, 0, keep);
            return out;
        }
        let piece = source.len().div_ceil(pieces).next_multiple_of(2);
        rayon::scope(|scope| {
            for (index, (run, input)) in out.chunks_mut(piece).zip(source.chunks(piece)).enumerate() {
                scope.spawn(move |_| masked_run(run, Some(input), self.stream, index * piece, keep));
            }
        });
        out
    }

    fn storage(&self, source: &CpuStorage, layout: &Layout) -> Result<CpuStorage> {
        #[allow(clippy::cast_possible_truncation)]
        Ok(match kernel::float_kind(source, self.name())? {
            // The keep factor rounded to f32 once, as the f32 mask always held it.
            Float::F32 => {
                CpuStorage::F32(self.apply(kernel::slice_of::<f32>(source, layout)?, self.keep as f32))
            }
            Float::F64 => CpuStorage::F64(self.apply(kernel::slice_of::<f64>(source, layout)?, self.keep)),
        })
    }
}

impl CustomOp1 for DropoutOp {
    fn name(&self) -> &'static str {
        "atelier-dropout"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        Ok((self.storage(storage, layout)?, layout.shape().clone()))
    }

    /// `dx = dy · mask`, the same mask drawn again.
    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        let dy = dy.contiguous()?;
        let data = Data::new(&dy);
        #[allow(clippy::cast_possible_truncation)]
        let dx = match x.dtype() {
            DType::F64 => kernel::tensor_from(self.apply(data.slice::<f64>()?, self.keep), x.dims(), x)?,
            _ => kernel::tensor_from(self.apply(data.slice::<f32>()?, self.keep as f32), x.dims(), x)?,
        };
        Ok(Some(dx))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device};

    use super::*;

    #[test]
    fn masks_repeat_per_seed_and_drop_about_rate() {
        let x = Tensor::ones((64, 100), DType::F32, &Device::Cpu).unwrap();
        let a = dropout_mask(&x, 0.25, 7).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let b = dropout_mask(&x, 0.25, 7).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let c = dropout_mask(&x, 0.25, 8).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        #[allow(clippy::cast_precision_loss)]
        let dropped = a.iter().filter(|&&v| v == 0.0).count() as f64 / a.len() as f64;
        assert!((dropped - 0.25).abs() < 0.03, "dropped {dropped}");
        assert!(a.iter().all(|&v| v == 0.0 || (v - 4.0 / 3.0).abs() < 1e-6));
        assert!(dropout_mask(&x, 1.0, 7).is_err());
    }

    #[test]
    fn the_fused_op_multiplies_by_the_mask_forward_and_backward_in_pieces_too() {
        // Odd lengths, one value, and lengths that a pool of three cuts into pieces with odd
        // remainders.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        pool.install(|| {
            for len in [1_usize, 7, 1000, 3 * PIECE + 1, 100_001] {
                #[allow(clippy::cast_precision_loss)]
                let values: Vec<f64> = (0..len).map(|i| (i as f64 * 0.37).sin() - 0.1).collect();
                for dtype in [DType::F32, DType::F64] {
                    let x = candle_core::Var::from_vec(values.clone(), len, &Device::Cpu).unwrap();
                    let x = candle_core::Var::from_tensor(&x.to_dtype(dtype).unwrap()).unwrap();
                    let mask = dropout_mask(&x, 0.3, 11).unwrap();
                    let expected =
                        x.mul(&mask).unwrap().to_dtype(DType::F64).unwrap().to_vec1::<f64>().unwrap();
                    let y = dropout(&x, 0.3, 11).unwrap();
                    let got = y.to_dtype(DType::F64).unwrap().to_vec1::<f64>().unwrap();
                    assert_eq!(got, expected, "forward, {len} values, {dtype:?}");
                    let weights = Tensor::arange(0_u32, u32::try_from(len).unwrap(), &Device::Cpu)
                        .unwrap()
                        .to_dtype(dtype)
                        .unwrap();
                    let grads = y.mul(&weights).unwrap().sum_all().unwrap().backward().unwrap();
                    let dx = grads.get(&x).unwrap().to_dtype(DType::F64).unwrap().to_vec1::<f64>().unwrap();
                    let want =
                        weights.mul(&mask).unwrap().to_dtype(DType::F64).unwrap().to_vec1::<f64>().unwrap();
                    assert_eq!(dx, want, "backward, {len} values, {dtype:?}");
                }
            }
        });
    }

    #[test]
    fn the_mask_stream_is_the_one_runs_were_trained_with() {
        // The loop masks were drawn with before they were written in pairs: saved runs resume on it.
        fn pushed(count: usize, threshold: u64, seed: u64) -> Vec<f32> {
            let mut state = splitmix64(seed);
            let mut values = Vec::with_capacity(count);
            while values.len() < count {
                state = state.wrapping_add(1);
                let bits = splitmix64(state);
                for draw in [bits & 0xFFFF_FFFF, bits >> 32] {
                    if values.len() < count {
                        values.push(if draw >= threshold { 2.0 } else { 0.0 });
                    }
                }
            }
            values
        }
        for count in [0, 1, 2, 7, 1000, 32_769] {
            assert_eq!(
                mask_values(count, 1 << 31, 42, 2.0_f32),
                pushed(count, 1 << 31, 42),
                "{count} values"
            );
        }
    }
}
