//! The resume file (`resume.safetensors` in a run's folder, or beside a model the command line
//! saved): a [`ResumeState`] as safetensors, the tensors under `weights/…`, `best/…` and
//! `optimizer/{i}/…`, the rest as JSON in the metadata. Written atomically.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensors, View};
use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use super::early_stopping::EarlyStopping;
use super::optimizer::{OptimizerState, Slot};
use super::progress::EpochMetrics;
use super::resume::{NamedValues, ResumeState, exact_f64};
use super::schedule::LrSchedule;
use crate::model::ModelSpec;

/// File name of the resume state in a run's folder.
pub const RESUME_FILE: &str = "resume.safetensors";
/// The metadata key holding the JSON part.
const STATE_KEY: &str = "atelier_resume";
/// The layout this build writes and reads; bump when the meaning of a name changes.
const FORMAT_VERSION: u32 = 1;

/// Why a resume file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ResumeFileError {
    /// The file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a resume file of this format version, or is damaged.
    #[error("{} is not a resume file Atelier can continue from: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// How an optimizer slot was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum SlotKind {
    Adam,
    Sgd,
}

/// The JSON part of the file.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format_version: u32,
    spec: ModelSpec,
    config: TrainConfig,
    epochs_done: usize,
    has_best_weights: bool,
    steps_taken: i32,
    slots: Vec<SlotKind>,
    schedule: LrSchedule,
    stopping: EarlyStopping,
    history: Vec<EpochMetrics>,
    #[serde(with = "exact_f64")]
    elapsed_secs: f64,
    dataset_checksum: Option<String>,
}

/// One stored tensor.
struct Stored<'a> {
    shape: Vec<usize>,
    values: &'a [f32],
}

impl View for &Stored<'_> {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.values.iter().flat_map(|value| value.to_le_bytes()).collect())
    }

    fn data_len(&self) -> usize {
        std::mem::size_of_val(self.values)
    }
}

fn named_tensors<'a>(prefix: &str, named: &'a [NamedValues]) -> Vec<(String, Stored<'a>)> {
    named
        .iter()
        .map(|tensor| {
            (
                format!("{prefix}/{}", tensor.name),
                Stored { shape: tensor.shape.clone(), values: &tensor.values },
            )
        })
        .collect()
}

/// Writes `state` to `path` atomically (a failure leaves any previous file as it was).
///
/// # Errors
/// The file cannot be encoded or written.
pub fn save_resume_state(path: &Path, state: &ResumeState) -> Result<(), ResumeFileError> {
    let invalid = |reason: String| ResumeFileError::Invalid { path: path.to_path_buf(), reason };
    let mut tensors: Vec<(String, Stored<'_>)> = named_tensors("weights", &state.weights);
    if let Some(best) = &state.best_weights {
        tensors.extend(named_tensors("best", best));
    }
    let mut slots = Vec::with_capacity(state.optimizer.slots.len());
    for (index, slot) in state.optimizer.slots.iter().enumerate() {
        let parts: Vec<(&str, &Vec<f32>)> = match slot {
            Slot::Adam { first_moment, second_moment } => {
                slots.push(SlotKind::Adam);
                vec![("first_moment", first_moment), ("second_moment", second_moment)]
            }
            Slot::Sgd { velocity } => {
                slots.push(SlotKind::Sgd);
                vec![("velocity", velocity)]
            }
        };
        for (part, values) in parts {
            tensors.push((format!("optimizer/{index}/{part}"), Stored { shape: vec![values.len()], values }));
        }
    }
    let header = Header {
        format_version: FORMAT_VERSION,
        spec: state.spec.clone(),
        config: state.config.clone(),
        epochs_done: state.epochs_done,
        has_best_weights: state.best_weights.is_some(),
        steps_taken: state.optimizer.steps_taken,
        slots,
        schedule: state.schedule.clone(),
        stopping: state.stopping.clone(),
        history: state.history.clone(),
        elapsed_secs: state.elapsed_secs,
        dataset_checksum: state.dataset_checksum.clone(),
    };
    let json = serde_json::to_string(&header).map_err(|error| invalid(error.to_string()))?;
    let metadata = HashMap::from([(STATE_KEY.to_owned(), json)]);
    let bytes = safetensors::tensor::serialize(
        tensors.iter().map(|(name, stored)| (name.as_str(), stored)),
        Some(metadata),
    )
    .map_err(|error| invalid(error.to_string()))?;
    crate::files::write_atomically(path, &bytes)
        .map_err(|source| ResumeFileError::Io { path: path.to_path_buf(), source })
}

/// Reads the resume state at `path`.
///
/// # Errors
/// A missing or unreadable file, or one that is not a complete resume file of this version.
pub fn load_resume_state(path: &Path) -> Result<ResumeState, ResumeFileError> {
    let bytes =
        std::fs::read(path).map_err(|source| ResumeFileError::Io { path: path.to_path_buf(), source })?;
    decode(&bytes).map_err(|reason| ResumeFileError::Invalid { path: path.to_path_buf(), reason })
}

fn decode(bytes: &[u8]) -> Result<ResumeState, String> {
    let tensors =
        SafeTensors::deserialize(bytes).map_err(|error| format!("not a safetensors file ({error})"))?;
    let (_, file_header) = SafeTensors::read_metadata(bytes).map_err(|error| error.to_string())?;
    let json = file_header.metadata().as_ref().and_then(|metadata| metadata.get(STATE_KEY)).ok_or(
        "it holds no training state (is it a model file? continue from its run or its .resume file)",
    )?;
    let header: Header = serde_json::from_str(json).map_err(|error| format!("damaged state: {error}"))?;
    if header.format_version != FORMAT_VERSION {
        return Err(format!("format version {} (this build reads {FORMAT_VERSION})", header.format_version));
    }
    let mut by_name: HashMap<String, NamedValues> = HashMap::new();
    for (name, view) in tensors.iter() {
        if view.dtype() != Dtype::F32 {
            return Err(format!("tensor {name} is {:?}, not F32", view.dtype()));
        }
        let values =
            view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        by_name.insert(
            name.to_owned(),
            NamedValues { name: name.to_owned(), shape: view.shape().to_vec(), values },
        );
    }
    let mut take = |name: String| {
        by_name.remove(&name).map(|named| named.values).ok_or(format!("tensor {name} is missing"))
    };
    let mut slots = Vec::with_capacity(header.slots.len());
    for (index, kind) in header.slots.iter().enumerate() {
        slots.push(match kind {
            SlotKind::Adam => Slot::Adam {
                first_moment: take(format!("optimizer/{index}/first_moment"))?,
                second_moment: take(format!("optimizer/{index}/second_moment"))?,
            },
            SlotKind::Sgd => Slot::Sgd { velocity: take(format!("optimizer/{index}/velocity"))? },
        });
    }
    let group = |prefix: &str| -> Vec<NamedValues> {
        let mut group: Vec<NamedValues> = by_name
            .values()
            .filter_map(|named| {
                let name = named.name.strip_prefix(prefix)?.strip_prefix('/')?;
                Some(NamedValues { name: name.to_owned(), ..named.clone() })
            })
            .collect();
        group.sort_by(|a, b| a.name.cmp(&b.name));
        group
    };
    let weights = group("weights");
    if weights.is_empty() {
        return Err("it holds no weights".to_owned());
    }
    Ok(ResumeState {
        spec: header.spec,
        config: header.config,
        epochs_done: header.epochs_done,
        weights,
        best_weights: header.has_best_weights.then(|| group("best")),
        optimizer: OptimizerState { steps_taken: header.steps_taken, slots },
        schedule: header.schedule,
        stopping: header.stopping,
        history: header.history,
        elapsed_secs: header.elapsed_secs,
        dataset_checksum: header.dataset_checksum,
    })
}
