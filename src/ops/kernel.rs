//! Plumbing shared by the custom ops: the element trait (f32 and f64), safe access to a tensor's
//! contiguous CPU data, a checked wrapper over the `gemm` crate, and the thread split.

use std::cell::Cell;
use std::thread::LocalKey;

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, DType, Layout, Result, Storage, StorageRef, Tensor, WithDType};

use super::conv_narrow;

/// The float types the kernels run on: `f32` for training, `f64` for exact gradient checks.
pub(crate) trait Real: WithDType + Copy + Send + Sync + PartialOrd {
    /// Additive identity.
    const ZERO: Self;
    /// Multiplicative identity.
    const ONE: Self;
    /// This thread's two scratch buffers of this type (see [`Scratch`]).
    fn scratch() -> &'static LocalKey<Cell<[Vec<Self>; 2]>>;

    /// [`conv_narrow::forward_product`] for this type: plain loops unless overridden.
    #[inline(always)]
    fn narrow_forward(patch: usize, weight: &[Self], bias: &[Self], cols: &[Self], full: &mut [Self]) {
        let columns = cols.len() / patch.max(1);
        conv_narrow::forward_plain(patch, (weight, bias, cols), full, 0..bias.len(), 0..columns);
    }

    /// [`conv_narrow::weight_gradient`] for this type: plain loops unless overridden.
    #[inline(always)]
    fn narrow_weight_gradient(patch: usize, dfull: &[Self], cols: &[Self], dweight: &mut [Self]) {
        let outs = dweight.len() / patch.max(1);
        conv_narrow::weight_gradient_plain(patch, (dfull, cols), dweight, 0..outs, 0..patch);
    }
}

thread_local! {
    static F32_SCRATCH: Cell<[Vec<f32>; 2]> = const { Cell::new([Vec::new(), Vec::new()]) };
    static F64_SCRATCH: Cell<[Vec<f64>; 2]> = const { Cell::new([Vec::new(), Vec::new()]) };
}

impl Real for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    fn scratch() -> &'static LocalKey<Cell<[Vec<Self>; 2]>> {
        &F32_SCRATCH
    }

    #[inline(always)]
    fn narrow_forward(patch: usize, weight: &[Self], bias: &[Self], cols: &[Self], full: &mut [Self]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA (checked just above); the shapes are the caller's.
            unsafe { conv_narrow::forward_f32_avx2(patch, weight, bias, cols, full) };
            return;
        }
        let columns = cols.len() / patch.max(1);
        conv_narrow::forward_plain(patch, (weight, bias, cols), full, 0..bias.len(), 0..columns);
    }

    #[inline(always)]
    fn narrow_weight_gradient(patch: usize, dfull: &[Self], cols: &[Self], dweight: &mut [Self]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA (checked just above); the shapes are the caller's.
            unsafe { conv_narrow::weight_gradient_f32_avx2(patch, dfull, cols, dweight) };
            return;
        }
        let outs = dweight.len() / patch.max(1);
        conv_narrow::weight_gradient_plain(patch, (dfull, cols), dweight, 0..outs, 0..patch);
    }
}

impl Real for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    fn scratch() -> &'static LocalKey<Cell<[Vec<Self>; 2]>> {
        &F64_SCRATCH
    }
}

/// Two working buffers (a convolution's column matrix and its product) borrowed from this
/// thread, and given back when dropped: allocated fresh for every task of every convolution,
/// these megabytes were zero-filled and page-faulted in each time (`memset` was 5% of a `cnn-bn`
/// step). Their contents are whatever the last user left: every user writes them whole before
/// reading. A nested borrow on the same thread gets new buffers.
pub(crate) struct Scratch<T: Real> {
    /// The first buffer, at least the length asked for.
    pub first: Vec<T>,
    /// The second buffer, at least the length asked for.
    pub second: Vec<T>,
}

impl<T: Real> Scratch<T> {
    /// This thread's buffers, at least `first` and `second` long.
    pub fn take(first: usize, second: usize) -> Self {
        let [mut a, mut b] = T::scratch().take();
        for (buffer, len) in [(&mut a, first), (&mut b, second)] {
            if buffer.len() < len {
                buffer.resize(len, T::ZERO);
            }
        }
        Self { first: a, second: b }
    }
}

impl<T: Real> Drop for Scratch<T> {
    fn drop(&mut self) {
        T::scratch().set([std::mem::take(&mut self.first), std::mem::take(&mut self.second)]);
    }
}

/// Which element type a storage holds, for the ops that support it.
pub(crate) enum Float {
    /// 32-bit floats.
    F32,
    /// 64-bit floats.
    F64,
}

/// The element type of `storage`, or an error naming the op for the others.
pub(crate) fn float_kind(storage: &CpuStorage, op: &'static str) -> Result<Float> {
    match storage.dtype() {
        DType::F32 => Ok(Float::F32),
        DType::F64 => Ok(Float::F64),
        other => Err(candle_core::Error::UnsupportedDTypeForOp(other, op)),
    }
}

/// The contiguous elements described by `layout`; the public wrappers make their inputs
/// contiguous, so anything else is a bug reported as an error rather than a wrong answer.
pub(crate) fn slice_of<'a, T: Real>(storage: &'a CpuStorage, layout: &Layout) -> Result<&'a [T]> {
    let data = T::cpu_storage_as_slice(storage)?;
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => Err(candle_core::Error::Msg("atelier ops: expected a contiguous input".into())),
    }
}

/// The contiguous `u32` elements (class indices) described by `layout`, as [`slice_of`] does for floats.
pub(crate) fn indices_of<'a>(storage: &'a CpuStorage, layout: &Layout) -> Result<&'a [u32]> {
    let data = u32::cpu_storage_as_slice(storage)?;
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => Err(candle_core::Error::Msg("atelier ops: expected a contiguous input".into())),
    }
}

/// Read access to a contiguous CPU tensor's elements, held for as long as this value lives.
pub(crate) struct Data<'a> {
    guard: StorageRef<'a>,
    layout: &'a Layout,
}

impl<'a> Data<'a> {
    /// Locks `tensor`'s storage for reading; `tensor` must be contiguous (call `.contiguous()`).
    pub fn new(tensor: &'a Tensor) -> Self {
        let (guard, layout) = tensor.storage_and_layout();
        Self { guard, layout }
    }

    /// The elements, or an error for a GPU tensor, another dtype or a strided layout.
    pub fn slice<T: Real>(&self) -> Result<&[T]> {
        slice_of::<T>(self.cpu()?, self.layout)
    }

    /// The elements of a `u32` tensor (class indices), with the same errors as [`Data::slice`].
    pub fn indices(&self) -> Result<&[u32]> {
        indices_of(self.cpu()?, self.layout)
    }

    fn cpu(&self) -> Result<&CpuStorage> {
        match &*self.guard {
            Storage::Cpu(cpu) => Ok(cpu),
            _ => Err(candle_core::Error::Msg("atelier ops run on the CPU only".into())),
        }
    }
}

/// A new tensor on `like`'s device holding `data` with `shape`.
pub(crate) fn tensor_from<T: Real>(data: Vec<T>, shape: &[usize], like: &Tensor) -> Result<Tensor> {
    Tensor::from_vec(data, shape, like.device())
}

/// A layer op's gradients (input when asked for, weight, bias) as tensors shaped like its operands:
/// what every `CustomOp3::bwd` of a weighted layer returns.
pub(crate) fn layer_grad_tensors<T: Real>(
    dx: Option<Vec<T>>,
    dweight: Vec<T>,
    dbias: Vec<T>,
    (x, weight, bias): (&Tensor, &Tensor, &Tensor),
) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
    let dx = match dx {
        Some(dx) => Some(tensor_from(dx, x.dims(), x)?),
        None => None,
    };
    Ok((dx, Some(tensor_from(dweight, weight.dims(), weight)?), Some(tensor_from(dbias, bias.dims(), bias)?)))
}

/// A matrix view for [`gemm`]: data, row stride, column stride (in elements).
#[derive(Clone, Copy)]
pub(crate) struct Mat<'a, T> {
    pub data: &'a [T],
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a, T> Mat<'a, T> {
    /// A row-major `rows × cols` matrix.
    pub fn rows(data: &'a [T], cols: usize) -> Self {
        Self { data, row_stride: cols, col_stride: 1 }
    }

    /// The transpose of a row-major matrix with `cols` columns (no copy).
    pub fn transposed(data: &'a [T], cols: usize) -> Self {
        Self { data, row_stride: 1, col_stride: cols }
    }

    /// The largest index a `rows × cols` product reads (both at least 1); `None` when it
    /// overflows, which no slice can hold.
    fn max_index(&self, rows: usize, cols: usize) -> Option<usize> {
        (rows - 1).checked_mul(self.row_stride)?.checked_add((cols - 1).checked_mul(self.col_stride)?)
    }

    /// Whether a `rows × cols` product stays inside the data.
    fn fits(&self, rows: usize, cols: usize) -> bool {
        self.max_index(rows, cols).is_some_and(|last| last < self.data.len())
    }
}

/// Whether [`gemm`] overwrites or adds to its destination.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accumulate {
    /// `dst = lhs × rhs`
    Overwrite,
    /// `dst += lhs × rhs`
    Add,
}

/// `dst (m × n, row-major) (+)= lhs (m × k) × rhs (k × n)`, bounds-checked, on `threads` threads
/// of the current rayon pool (1: on the calling thread).
pub(crate) fn gemm<T: Real>(
    (m, n, k): (usize, usize, usize),
    dst: &mut [T],
    lhs: Mat<'_, T>,
    rhs: Mat<'_, T>,
    accumulate: Accumulate,
    threads: usize,
) {
    if m == 0 || n == 0 {
        return;
    }
    let dst_len = m.checked_mul(n).filter(|&len| len <= dst.len());
    assert!(dst_len.is_some(), "gemm destination too small");
    if k == 0 {
        if accumulate == Accumulate::Overwrite {
            dst[..dst_len.unwrap_or(0)].fill(T::ZERO);
        }
        return;
    }
    assert!(lhs.fits(m, k), "gemm lhs out of bounds");
    assert!(rhs.fits(k, n), "gemm rhs out of bounds");
    let product = Product {
        dst: dst.as_mut_ptr(),
        lhs,
        rhs,
        k,
        read_dst: accumulate == Accumulate::Add,
        dst_row_stride: n,
    };
    let pieces = threads.clamp(1, m.max(n).div_ceil(SPLIT_ALIGN));
    if pieces <= 1 {
        // SAFETY: the asserts above keep the whole m × n product inside the three slices, and
        // `dst` is borrowed mutably for this call.
        unsafe { product.run(0..m, 0..n) };
        return;
    }
    // Each thread computes its own block of `dst` with gemm's single-threaded kernel: one
    // parallel section per product, the longer side cut in `pieces` (gemm's own rayon split of
    // these small products kept both cores waiting on each other).
    let cut = |len: usize, piece: usize| (len * piece / pieces).next_multiple_of(SPLIT_ALIGN).min(len);
    let by_rows = m >= n;
    let product = &product;
    rayon::scope(|scope| {
        for piece in 0..pieces {
            let len = if by_rows { m } else { n };
            let range = cut(len, piece)..cut(len, piece + 1);
            if range.is_empty() {
                continue;
            }
            scope.spawn(move |_| {
                let (rows, cols) = if by_rows { (range, 0..n) } else { (0..m, range) };
                // SAFETY: the asserts above keep every block inside the slices, and the blocks
                // are disjoint (their row or column ranges do not overlap), so no element of
                // `dst` is written by two threads; `dst` stays borrowed until the scope ends.
                unsafe { product.run(rows, cols) };
            });
        }
    });
}

/// Block sizes of a split product are multiples of this (gemm's AVX-512 f32 kernel is 16 × 4 wide
/// per register row), so that no block ends in a narrow remainder kernel.
const SPLIT_ALIGN: usize = 16;

/// A bounds-checked product `dst (+)= lhs × rhs`, computed block by block.
struct Product<'a, T> {
    dst: *mut T,
    dst_row_stride: usize,
    lhs: Mat<'a, T>,
    rhs: Mat<'a, T>,
    k: usize,
    read_dst: bool,
}

// SAFETY: the blocks that threads compute through a shared `Product` are disjoint (see
// `gemm`), and the inputs are only read.
unsafe impl<T: Sync> Sync for Product<'_, T> {}

impl<T: Real> Product<'_, T> {
    /// `dst[rows, cols] (+)= lhs[rows, ..] × rhs[.., cols]` on the calling thread.
    ///
    /// # Safety
    /// The block must lie inside the product whose bounds `gemm` checked, and no other thread
    /// may touch these elements of `dst` meanwhile.
    unsafe fn run(&self, rows: std::ops::Range<usize>, cols: std::ops::Range<usize>) {
        let as_isize = |v: usize| isize::try_from(v).unwrap_or(isize::MAX);
        // SAFETY: per this function's contract every index lies inside the checked slices; T is
        // f32 or f64, both of which `gemm` supports.
        unsafe {
            gemm::gemm(
                rows.len(),
                cols.len(),
                self.k,
                self.dst.add(rows.start * self.dst_row_stride + cols.start),
                1,
                as_isize(self.dst_row_stride),
                self.read_dst,
                self.lhs.data.as_ptr().add(rows.start * self.lhs.row_stride),
                as_isize(self.lhs.col_stride),
                as_isize(self.lhs.row_stride),
                self.rhs.data.as_ptr().add(cols.start * self.rhs.col_stride),
                as_isize(self.rhs.col_stride),
                as_isize(self.rhs.row_stride),
                T::ONE,
                T::ONE,
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
    }
}

/// How many pieces to cut a batch of `batch` items into so that both cores stay busy even when
/// another process takes one for a while.
pub(crate) fn task_count(batch: usize) -> usize {
    (rayon::current_num_threads() * 4).clamp(1, batch.max(1))
}

/// Threads for one large matrix product: all of the pool when the work is big enough to split.
pub(crate) fn gemm_threads(m: usize, n: usize, k: usize) -> usize {
    if m * n * k >= 1 << 18 { rayon::current_num_threads() } else { 1 }
}

/// Whether `tensor` takes part in the gradient graph (a variable or computed from one).
pub(crate) fn needs_grad(tensor: &Tensor) -> bool {
    tensor.track_op()
}

#[cfg(test)]
mod tests {
    use super::{Accumulate, Mat, Scratch, gemm};

    /// `dst (+)= lhs × rhs` the plain way, in f64.
    fn naive(m: usize, n: usize, k: usize, lhs: &Mat<'_, f64>, rhs: &Mat<'_, f64>, dst: &mut [f64]) {
        for i in 0..m {
            for j in 0..n {
                let sum: f64 = (0..k)
                    .map(|p| {
                        lhs.data[i * lhs.row_stride + p * lhs.col_stride]
                            * rhs.data[p * rhs.row_stride + j * rhs.col_stride]
                    })
                    .sum();
                dst[i * n + j] += sum;
            }
        }
    }

    #[test]
    fn a_product_split_over_threads_equals_the_plain_one() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        // Cut by rows (m ≥ n) and by columns, sizes that leave narrow last blocks, and a
        // transposed operand on each side.
        for (m, n, k) in [(37, 5, 9), (5, 41, 7), (64, 64, 3), (1, 33, 2), (33, 1, 4)] {
            let lhs_data: Vec<f64> = (0..m * k).map(|v| ((v * 7) % 13) as f64 - 6.0).collect();
            let rhs_data: Vec<f64> = (0..k * n).map(|v| ((v * 5) % 11) as f64 * 0.5).collect();
            for transposed in [false, true] {
                let lhs = if transposed { Mat::transposed(&lhs_data, m) } else { Mat::rows(&lhs_data, k) };
                let rhs = if transposed { Mat::transposed(&rhs_data, k) } else { Mat::rows(&rhs_data, n) };
                for accumulate in [Accumulate::Overwrite, Accumulate::Add] {
                    let start: Vec<f64> = (0..m * n).map(|v| v as f64).collect();
                    let mut want =
                        if accumulate == Accumulate::Add { start.clone() } else { vec![0.0; m * n] };
                    naive(m, n, k, &lhs, &rhs, &mut want);
                    for threads in [1, 2, 3] {
                        let mut got = start.clone();
                        pool.install(|| gemm((m, n, k), &mut got, lhs, rhs, accumulate, threads));
                        assert_eq!(got, want, "{m}×{n}×{k}, transposed {transposed}, {threads} threads");
                    }
                }
            }
        }
    }

    #[test]
    fn scratch_buffers_come_back_to_their_thread_and_a_nested_borrow_gets_its_own() {
        let pointer = {
            let mut outer = Scratch::<f32>::take(100, 10);
            assert!(outer.first.len() >= 100 && outer.second.len() >= 10);
            outer.first[99] = 7.0;
            let mut inner = Scratch::<f32>::take(5, 5);
            inner.first[0] = 1.0;
            assert_eq!(outer.first[99], 7.0, "the nested borrow did not get the outer buffers");
            drop(inner);
            outer.first.as_ptr()
        };
        let again = Scratch::<f32>::take(50, 1);
        assert_eq!(again.first.as_ptr(), pointer, "the thread's buffer is reused, not reallocated");
        assert!(again.first.len() >= 100);
    }
}
