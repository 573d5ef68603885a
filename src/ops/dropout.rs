//! Dropout with masks drawn from an explicit seed, so a training step can be replayed exactly
//! (reproducible runs, exact pause/resume, finite-difference gradient checks).
//!
//! The generator is SplitMix64, written out here so that the masks do not change when a
//! dependency updates its random number generator.

use candle_core::{DType, Result, Tensor};

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
/// `2k + 1` the high half: written into place in pairs, a loop without pushes or length checks
/// (as pushes, drawing the mask was 8% of a `dense` training step).
fn mask_values<T: Copy + Default>(count: usize, threshold: u64, seed: u64, keep: T) -> Vec<T> {
    let first = splitmix64(seed);
    let pick = |draw: u64| if draw >= threshold { keep } else { T::default() };
    let mut values = vec![T::default(); count];
    vectorised(
        #[inline(always)]
        || {
            let mut pairs = values.chunks_exact_mut(2);
            let mut state = first;
            for pair in &mut pairs {
                state = state.wrapping_add(1);
                let bits = splitmix64(state);
                pair[0] = pick(bits & 0xFFFF_FFFF);
                pair[1] = pick(bits >> 32);
            }
            if let [last] = pairs.into_remainder() {
                *last = pick(splitmix64(state.wrapping_add(1)) & 0xFFFF_FFFF);
            }
        },
    );
    values
}

/// Training-mode dropout of `x` with the mask of [`dropout_mask`].
///
/// # Errors
/// As [`dropout_mask`].
pub fn dropout(x: &Tensor, rate: f32, seed: u64) -> Result<Tensor> {
    if rate == 0.0 {
        return Ok(x.clone());
    }
    x.mul(&dropout_mask(x, rate, seed)?)
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
