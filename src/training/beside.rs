//! A training step with other work beside it on the second core, which then stays awake to take
//! its share of the step's parallel sections.

use std::sync::atomic::{AtomicBool, Ordering};

/// Runs `step` on this thread and `beside` (putting the next batch together) on another thread
/// of the pool, which afterwards runs the pool's pending work (pieces of the step's parallel
/// sections) until `step` returns. A pool thread that finds no work goes to sleep within
/// microseconds, and waking it for the next section costs tens of microseconds: the training
/// thread waited for it around each of a `dense` step's dozen short sections (the second core
/// was busy 27% of the time). Kept awake for the length of one step, it joins each section at
/// once. On a pool of one thread `beside` runs after `step`, and does not wait.
pub(super) fn run_beside<S: Send, B: Send>(
    step: impl FnOnce() -> S + Send,
    beside: impl FnOnce() -> B + Send,
) -> (S, B) {
    let stepping = AtomicBool::new(true);
    rayon::join(
        || {
            // Dropped when the step ends, even by a panic: the helper must not spin on.
            let _done = StepDone(&stepping);
            step()
        },
        || {
            let result = beside();
            help_until_done(&stepping);
            result
        },
    )
}

/// Runs the pool's pending work until `stepping` turns false.
fn help_until_done(stepping: &AtomicBool) {
    while stepping.load(Ordering::Acquire) {
        if rayon::yield_now() != Some(rayon::Yield::Executed) {
            std::hint::spin_loop();
        }
    }
}

/// Clears the flag [`help_until_done`] watches when dropped.
struct StepDone<'a>(&'a AtomicBool);

impl Drop for StepDone<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::run_beside;

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
    }

    #[test]
    fn both_results_come_back_and_the_helper_takes_the_steps_parallel_work() {
        for threads in [1, 2, 3] {
            let (sum, next) = pool(threads).install(|| {
                run_beside(
                    || {
                        use rayon::prelude::*;
                        (0..10_000_u64).into_par_iter().map(|v| v * 2).sum::<u64>()
                    },
                    || "next batch",
                )
            });
            assert_eq!((sum, next), (99_990_000, "next batch"), "{threads} threads");
        }
    }

    #[test]
    fn a_panicking_step_does_not_leave_the_helper_spinning() {
        for threads in [1, 2] {
            let outcome = std::panic::catch_unwind(|| {
                pool(threads).install(|| run_beside(|| -> u8 { panic!("step failed") }, || 1))
            });
            assert!(outcome.is_err(), "{threads} threads: the panic comes back");
        }
    }
}
