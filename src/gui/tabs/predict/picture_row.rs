//! One row of the Predict tab's list: a picture, where it came from, its status (waiting, answered
//! or failed) and the warnings shown beside its answer. Pure logic, no drawing.

use std::path::PathBuf;

use crate::picture::{Concern, PrepOptions};
use crate::worker::{PictureContent, PictureResult};

/// The top-class probability below which an answer is flagged as a guess: halfway between
/// chance (1/n) and certainty, so 55% for ten classes, 75% for a binary task.
#[must_use]
pub fn low_confidence(classes: usize) -> f32 {
    (1.0 + 1.0 / classes.max(1) as f32) / 2.0
}

/// Where a picture's bytes are.
#[derive(Debug, Clone)]
pub enum PictureSource {
    /// A file on this machine; the worker reads it.
    File,
    /// Held in memory (dropped from a browser, pasted, dragged from the Dataset tab).
    Memory(PictureContent),
}

/// Where a picture stands.
#[derive(Debug, Clone)]
pub enum PictureStatus {
    /// Sent to the worker, no answer yet.
    Waiting,
    /// Prepared (and predicted, when a model was current).
    Ready(Box<PictureResult>),
    /// It could not be read or decoded; the reason, for its row.
    Failed(String),
}

/// One picture of the list.
#[derive(Debug, Clone)]
pub struct Picture {
    /// Its path, or the name an in-memory picture goes by; unique in the list.
    pub name: PathBuf,
    /// Where its bytes are.
    pub source: PictureSource,
    /// The preprocessing chosen for it (the step toggles).
    pub options: PrepOptions,
    /// Where it stands.
    pub status: PictureStatus,
    /// Changes whenever `status` does (textures made from it are rebuilt).
    pub revision: u64,
}

impl Picture {
    /// The name for the table: a file's name ("shirt.jpg"), or an in-memory picture's whole
    /// name, which is not a path ("train #3 (T-shirt/top)" must not become "top)").
    #[must_use]
    pub fn file_name(&self) -> String {
        match self.source {
            PictureSource::File => self
                .name
                .file_name()
                .map_or_else(|| self.name.display().to_string(), |name| name.to_string_lossy().into_owned()),
            PictureSource::Memory(_) => self.name.display().to_string(),
        }
    }

    /// The result, once there is one.
    #[must_use]
    pub fn result(&self) -> Option<&PictureResult> {
        match &self.status {
            PictureStatus::Ready(result) => Some(result),
            PictureStatus::Waiting | PictureStatus::Failed(_) => None,
        }
    }

    /// The two most probable classes, when predicted.
    #[must_use]
    pub fn top_two(&self) -> Vec<(String, f32)> {
        self.result()
            .and_then(|result| result.prediction.as_ref())
            .map(|p| {
                p.top_k(2)
                    .into_iter()
                    .map(|(index, probability)| (p.class_name(index).to_owned(), probability))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Why the answer may not mean much: the picture's own concerns, then a low confidence.
    #[must_use]
    pub fn warnings(&self) -> Vec<Warning> {
        let Some(result) = self.result() else { return Vec::new() };
        let mut warnings: Vec<Warning> =
            result.prepared.concerns.iter().copied().map(Warning::Picture).collect();
        if let Some(prediction) = &result.prediction
            && let Some((class, probability)) = prediction.top_name()
            && probability < low_confidence(prediction.probabilities.len())
        {
            warnings.push(Warning::Unsure { class: class.to_owned(), probability });
        }
        warnings
    }
}

/// A reason to doubt an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// The picture looks unlike the training data (found while preparing it).
    Picture(Concern),
    /// The model spreads its answer: the top class is not much more likely than chance.
    Unsure {
        /// The top class's name.
        class: String,
        /// Its probability.
        probability: f32,
    },
}

impl Warning {
    /// A sentence for the detail view and the CSV.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Picture(concern) => concern.describe().to_owned(),
            Self::Unsure { class, probability } => format!(
                "the model is unsure (at most {:.0}%, for {class}); the picture may look nothing like the \
                 training data",
                probability * 100.0
            ),
        }
    }

    /// A few words for the table's note column.
    #[must_use]
    pub fn short(&self) -> String {
        match self {
            Self::Picture(Concern::NearlyUniform) => "nearly uniform picture".to_owned(),
            Self::Picture(Concern::NoObject) => "no object found".to_owned(),
            Self::Picture(Concern::BusyBackground) => "busy background".to_owned(),
            Self::Unsure { probability, .. } => format!("unsure ({:.0}%)", probability * 100.0),
        }
    }
}
