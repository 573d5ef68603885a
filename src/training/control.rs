//! `Control`: what another thread (the GUI, a Ctrl-C handler, a test) can do to a running
//! `train()`: cancel it, pause and resume it, and change the learning rate.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Shared between the training loop and its controllers (wrap it in an `Arc`).
///
/// The loop checks it between batches: a cancel takes effect before the next batch, a pause
/// blocks the loop (sleeping on a condition variable, not spinning) with every bit of state kept,
/// so resuming continues exactly where it stopped.
#[derive(Debug, Default)]
pub struct Control {
    cancelled: AtomicBool,
    /// Mirrors `paused_lock` so the per-batch check is one atomic load.
    paused: AtomicBool,
    paused_lock: Mutex<bool>,
    wake: Condvar,
    /// Bits of an `f64` learning rate; 0 = no override pending.
    learning_rate_override: AtomicU64,
}

impl Control {
    /// A control with nothing requested.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the loop to stop before its next batch (also wakes a paused loop).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        let _guard = self.paused_lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.wake.notify_all();
    }

    /// Whether a cancel was requested.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Asks the loop to wait before its next batch until [`Control::resume`].
    pub fn pause(&self) {
        let mut paused = self.paused_lock.lock().unwrap_or_else(PoisonError::into_inner);
        *paused = true;
        self.paused.store(true, Ordering::SeqCst);
    }

    /// Lets a paused loop continue.
    pub fn resume(&self) {
        let mut paused = self.paused_lock.lock().unwrap_or_else(PoisonError::into_inner);
        *paused = false;
        self.paused.store(false, Ordering::SeqCst);
        self.wake.notify_all();
    }

    /// Whether a pause is in effect (or requested).
    #[must_use]
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    /// Sets the learning rate from the next batch on (typically while paused); the schedule
    /// continues from it. Values that are not positive and finite are ignored.
    pub fn set_learning_rate(&self, learning_rate: f64) {
        if learning_rate.is_finite() && learning_rate > 0.0 {
            self.learning_rate_override.store(learning_rate.to_bits(), Ordering::SeqCst);
        }
    }

    /// Takes the pending learning-rate override, if any (the loop's side).
    pub(crate) fn take_learning_rate(&self) -> Option<f64> {
        let bits = self.learning_rate_override.swap(0, Ordering::SeqCst);
        (bits != 0).then(|| f64::from_bits(bits))
    }

    /// Clears cancel, pause and override, to reuse the control for another run.
    pub fn reset(&self) {
        self.cancelled.store(false, Ordering::SeqCst);
        self.resume();
        self.learning_rate_override.store(0, Ordering::SeqCst);
    }

    /// Blocks while paused and not cancelled; returns how long it waited (the loop leaves that
    /// time out of its speed and elapsed-time figures).
    pub(crate) fn wait_while_paused(&self) -> Duration {
        if !self.is_paused() {
            return Duration::ZERO;
        }
        let started = Instant::now();
        let mut paused = self.paused_lock.lock().unwrap_or_else(PoisonError::into_inner);
        while *paused && !self.is_cancelled() {
            paused = self.wake.wait(paused).unwrap_or_else(PoisonError::into_inner);
        }
        started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_paused_waiter_wakes_on_resume_and_on_cancel() {
        for finish in [Control::resume as fn(&Control), Control::cancel] {
            let control = Arc::new(Control::new());
            control.pause();
            let waiter = {
                let control = Arc::clone(&control);
                std::thread::Builder::new()
                    .name("test-helper".to_owned())
                    .spawn(move || control.wait_while_paused())
                    .unwrap()
            };
            std::thread::sleep(Duration::from_millis(50));
            assert!(!waiter.is_finished());
            finish(&control);
            waiter.join().unwrap();
        }
    }

    #[test]
    fn learning_rate_override_is_taken_once_and_bad_values_are_ignored() {
        let control = Control::new();
        control.set_learning_rate(f64::NAN);
        control.set_learning_rate(-1.0);
        assert_eq!(control.take_learning_rate(), None);
        control.set_learning_rate(0.003);
        assert_eq!(control.take_learning_rate(), Some(0.003));
        assert_eq!(control.take_learning_rate(), None);
    }
}
