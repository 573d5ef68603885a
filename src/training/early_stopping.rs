//! Early stopping: watches the validation loss and says when to stop and which epoch was best.

use serde::{Deserialize, Serialize};

use super::resume::exact_f64;

/// What the loop should do after an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A new best validation loss: keep these weights.
    Improved,
    /// No improvement yet, but patience is left.
    Continue,
    /// `patience` epochs without improvement: stop and restore the best weights.
    Stop,
}

/// Tracks the best validation loss and the epochs since it (saved with a run's resume state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    patience: Option<usize>,
    #[serde(with = "exact_f64")]
    best_loss: f64,
    best_epoch: Option<usize>,
    epochs_since_best: usize,
}

impl EarlyStopping {
    /// A tracker that stops after `patience` epochs without improvement; `None` never stops
    /// but still remembers the best epoch.
    #[must_use]
    pub fn new(patience: Option<usize>) -> Self {
        Self { patience, best_loss: f64::INFINITY, best_epoch: None, epochs_since_best: 0 }
    }

    /// Records the validation loss of `epoch` (0-based). A non-finite loss never improves.
    pub fn observe(&mut self, epoch: usize, validation_loss: f64) -> Verdict {
        if validation_loss.is_finite() && validation_loss < self.best_loss {
            self.best_loss = validation_loss;
            self.best_epoch = Some(epoch);
            self.epochs_since_best = 0;
            return Verdict::Improved;
        }
        self.epochs_since_best += 1;
        match self.patience {
            Some(patience) if self.epochs_since_best >= patience => Verdict::Stop,
            _ => Verdict::Continue,
        }
    }

    /// The 0-based epoch with the lowest validation loss so far.
    #[must_use]
    pub fn best_epoch(&self) -> Option<usize> {
        self.best_epoch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_after_patience_epochs_and_remembers_the_best() {
        let mut stopping = EarlyStopping::new(Some(2));
        let verdicts: Vec<Verdict> = [0.9, 0.5, 0.6, 0.4, 0.45, 0.41]
            .iter()
            .enumerate()
            .map(|(e, &l)| stopping.observe(e, l))
            .collect();
        use Verdict::{Continue, Improved, Stop};
        assert_eq!(verdicts, [Improved, Improved, Continue, Improved, Continue, Stop]);
        assert_eq!(stopping.best_epoch(), Some(3));
    }

    #[test]
    fn without_patience_it_never_stops() {
        let mut stopping = EarlyStopping::new(None);
        assert_eq!(stopping.observe(0, 1.0), Verdict::Improved);
        for epoch in 1..20 {
            assert_eq!(stopping.observe(epoch, 2.0), Verdict::Continue);
        }
        assert_eq!(stopping.observe(20, f64::NAN), Verdict::Continue);
        assert_eq!(stopping.best_epoch(), Some(0));
    }
}
