//! One run as stored in `run.json`: what was trained, how, how it went and how it scored.

use serde::{Deserialize, Serialize};

use crate::data::DatasetIdentity;
use crate::evaluation::ClassificationReport;
use crate::model::{ModelSpec, PresetId};
use crate::training::{EpochMetrics, StopReason, TrainConfig, TrainSummary};

/// A finished training run. `id` is the folder name; the rest is what the Runs panel lists and
/// compares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Folder name, unique in the store (set by `RunStore::save`).
    #[serde(default)]
    pub id: String,
    /// Display name the user can change.
    pub name: String,
    /// The preset the run started from, if any.
    #[serde(default)]
    pub preset: Option<PresetId>,
    /// The architecture.
    pub spec: ModelSpec,
    /// The training settings.
    pub config: TrainConfig,
    /// One entry per finished epoch: losses, accuracies, learning rate, speed.
    #[serde(default)]
    pub curves: Vec<EpochMetrics>,
    /// The final report on the test split, when there was one.
    #[serde(default)]
    pub report: Option<ClassificationReport>,
    /// Test accuracy of the final weights.
    #[serde(default)]
    pub test_accuracy: Option<f64>,
    /// Test loss of the final weights.
    #[serde(default)]
    pub test_loss: Option<f64>,
    /// Trainable parameters.
    pub params: usize,
    /// Training time in seconds, pauses left out.
    pub elapsed_secs: f64,
    /// When the run was stored, RFC 3339 UTC (set by `RunStore::save`).
    #[serde(default)]
    pub created: String,
    /// Why training ended.
    pub stop_reason: StopReason,
    /// 1-based epoch with the lowest validation loss (`None` without validation).
    #[serde(default)]
    pub best_epoch: Option<usize>,
    /// The data set trained on (name, class names, fingerprint), also written into the model file.
    #[serde(default)]
    pub dataset: Option<DatasetIdentity>,
    /// The fingerprint of the data trained on, as runs stored it before they recorded the whole
    /// data set (read, no longer written).
    #[serde(default, skip_serializing)]
    pub dataset_checksum: Option<String>,
    /// The run this one continued (its curves start with that run's epochs).
    #[serde(default)]
    pub continued_from: Option<String>,
}

impl RunRecord {
    /// A record of a finished training, named `name`; `id` and `created` are filled in when saved.
    #[must_use]
    pub fn from_training(
        name: &str,
        preset: Option<PresetId>,
        spec: &ModelSpec,
        config: &TrainConfig,
        summary: &TrainSummary,
        report: Option<ClassificationReport>,
    ) -> Self {
        Self {
            id: String::new(),
            name: name.to_owned(),
            preset,
            spec: spec.clone(),
            config: config.clone(),
            curves: summary.history.clone(),
            report,
            test_accuracy: summary.test_accuracy,
            test_loss: summary.test_loss,
            params: spec.param_count().unwrap_or(0),
            elapsed_secs: summary.elapsed_secs,
            created: String::new(),
            stop_reason: summary.stop_reason,
            best_epoch: summary.best_epoch,
            dataset: None,
            dataset_checksum: None,
            continued_from: None,
        }
    }

    /// The data set the run learned from; runs stored before data sets became data learned
    /// Fashion-MNIST.
    #[must_use]
    pub fn dataset_identity(&self) -> DatasetIdentity {
        self.dataset.clone().unwrap_or_else(|| DatasetIdentity::fashion_mnist(self.dataset_checksum.clone()))
    }

    /// Train accuracy minus validation accuracy at the last epoch: how much the model overfits.
    #[must_use]
    pub fn overfitting_gap(&self) -> Option<f64> {
        let last = self.curves.last()?;
        Some(last.train_accuracy - last.validation_accuracy?)
    }
}
