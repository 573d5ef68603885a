//! Atelier's own loops (im2col, pooling, batch norm's passes) compiled for the CPU they run on.
//!
//! The crate is built for baseline x86-64, whose vectors are SSE's four lanes: `perf annotate`
//! showed `xmm` registers everywhere outside `gemm`. [`vectorised`] runs a piece of work through
//! a copy compiled with AVX2 and FMA when the CPU has them (every x86-64 laptop of the last ten
//! years), so the same source gets eight lanes there; on other CPUs it runs the baseline copy.
//! Only what is inlined into the copy is recompiled, so the work is passed as a closure marked
//! `#[inline(always)]` (`vectorised(#[inline(always)] || …)`: without it LLVM kept the larger
//! closures as separate baseline functions) and the leaf loops it calls are `#[inline(always)]`
//! too. Loops written as plain `for` loops over slices vectorise best. Rust never contracts `a * b + c` into a fused
//! multiply-add on its own, so both copies compute the same values bit for bit.

use super::kernel::Real;

/// Runs `work`, compiled for AVX2 + FMA where the CPU has them.
#[inline(always)]
pub(crate) fn vectorised<R>(work: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            return unsafe { with_avx2(work) };
        }
    }
    work()
}

/// `work` inlined into a function compiled for AVX2 + FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn with_avx2<R>(work: impl FnOnce() -> R) -> R {
    work()
}

/// `Σ xs` in sixteen running sums (added in a fixed order at the end), which vectorise: a single
/// running sum is a chain of dependent additions, ~4 cycles per value.
#[inline(always)]
pub(crate) fn lane_total<T: Real>(xs: &[T]) -> T {
    let mut lanes = [T::ZERO; 16];
    let chunks = xs.chunks_exact(16);
    let tail = chunks.remainder().iter().fold(T::ZERO, |acc, &v| acc + v);
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    lanes.iter().fold(T::ZERO, |acc, &v| acc + v) + tail
}

#[cfg(test)]
mod tests {
    use super::{lane_total, vectorised};

    #[test]
    fn the_vectorised_copy_computes_what_the_baseline_one_does() {
        let values: Vec<f32> = (0..1000_u16).map(|i| f32::from(i).sin() * 3.0).collect();
        let work = || values.iter().map(|&v| v * 1.5 + 0.25).map(f32::to_bits).collect::<Vec<_>>();
        assert_eq!(vectorised(work), work());
    }

    #[test]
    fn lane_totals_add_every_value_once() {
        for len in [0_u16, 1, 15, 16, 17, 100, 784] {
            let values: Vec<f64> = (0..len).map(f64::from).collect();
            assert_eq!(lane_total(&values), f64::from(len) * (f64::from(len) - 1.0) / 2.0, "{len} values");
        }
    }
}
