//! Process-wide settings that make the kernels fast, applied once at start-up by every binary
//! ([`init_process`]) before any thread exists.

/// Tunes the process for training and inference. Call it first thing in `main`, while the
/// process has a single thread.
///
/// # Safety
/// No other thread may exist yet (none spawned, and no library started one): the function sets
/// an environment variable, which races with any concurrent read of the environment
/// (`std::env::set_var` is unsafe for that reason), and changes the allocator's parameters.
///
/// - candle's element-wise ops run on a second, spinning thread pool of their own besides
///   rayon's; on two cores the two pools fight over the same cores (the spinning workers burn a
///   core while the GEMMs wait for it). The custom kernels do the heavy work on rayon's pool, so
///   candle's pool is set to one thread (`CANDLE_NUM_THREADS=1`) unless the user set it.
/// - glibc returns every freed buffer above its mmap threshold to the kernel, so each training
///   step page-faults its tensors in again (about 40% of a CNN step was system time). Raising
///   the mmap and trim thresholds keeps the freed memory in the heap for the next step.
pub unsafe fn init_process() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: the caller guarantees that no other thread exists, so nothing reads the
        // environment concurrently.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
    // SAFETY: as above, no other thread exists.
    unsafe { keep_freed_memory() };
}

/// # Safety
/// No other thread may be allocating (see [`init_process`]).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe fn keep_freed_memory() {
    /// The largest mmap threshold glibc accepts on 64-bit (`HEAP_MAX_SIZE / 2`): tensors up to
    /// this size come from the heap and are reused.
    const MMAP_THRESHOLD_BYTES: libc::c_int = 32 << 20;
    /// Free memory kept at the top of the heap before glibc gives it back.
    const TRIM_THRESHOLD_BYTES: libc::c_int = 512 << 20;
    // SAFETY: mallopt only changes allocator parameters; it is called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES);
    }
}

/// # Safety
/// Nothing to uphold on other platforms; unsafe to match the glibc version.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
unsafe fn keep_freed_memory() {}
