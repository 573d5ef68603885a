//! Model specs (serde), shape inference and validation, the presets, and building a spec into a
//! candle [`Network`].
//!
//! The flow: a [`ModelSpec`] (from a [`Preset`], a JSON file or the GUI's builder) is checked by
//! [`ModelSpec::validate`], then [`Network::new`] builds it; `network.forward` gives logits, and
//! `named_tensors` / `load_named` move its weights in and out of a model file.

mod network;
mod presets;
mod shape;
mod spec;

pub use network::{ForwardMode, Network};
pub use presets::{Preset, PresetId, UnknownPreset, default_binary_task, presets};
pub use shape::{LayerProblem, LayerSummary, MAX_PARAMS, MAX_VALUES_PER_IMAGE, Shape, SpecError};
pub use spec::{LayerSpec, ModelSpec, Task};

/// Why a network could not be built or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The spec is invalid.
    #[error("invalid model: {0}")]
    Spec(#[from] SpecError),
    /// The weights lack a tensor the model needs.
    #[error("tensor `{name}` is missing")]
    MissingTensor {
        /// The tensor's name (`layers.3.weight`).
        name: String,
    },
    /// The weights hold a tensor the model does not have.
    #[error("tensor `{name}` does not belong to this model")]
    UnexpectedTensor {
        /// The tensor's name.
        name: String,
    },
    /// A tensor's shape disagrees with the spec.
    #[error("tensor `{name}` has shape {found:?} but the model expects {expected:?}")]
    ShapeMismatch {
        /// The tensor's name.
        name: String,
        /// Shape the spec implies.
        expected: Vec<usize>,
        /// Shape given.
        found: Vec<usize>,
    },
    /// Converting or storing one tensor failed.
    #[error("tensor `{name}`: {source}")]
    Tensor {
        /// The tensor's name.
        name: String,
        /// What candle reported.
        source: candle_core::Error,
    },
    /// Creating the network's tensors failed (out of memory, device error).
    #[error("could not create the network's tensors: {0}")]
    Candle(#[from] candle_core::Error),
    /// A bug: the validated spec disagreed with the builder.
    #[error("internal error building the network: {reason}")]
    Internal {
        /// What went wrong.
        reason: String,
    },
}
