//! The model being designed: a spec, the preset it started from, and edits on it. Persisted with
//! the settings; checked live with `spec.summary()` / `spec.validate()` (pure and cheap).

use serde::{Deserialize, Serialize};

use crate::model::{LayerSpec, LayerSummary, ModelSpec, PresetId, SpecError};

/// The spec on the Model tab and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelDraft {
    /// The preset it started from (for "Reset to preset"), if any.
    pub preset: Option<PresetId>,
    /// The spec as edited.
    pub spec: ModelSpec,
}

impl Default for ModelDraft {
    fn default() -> Self {
        Self::from_preset(PresetId::Cnn)
    }
}

/// A live check of the draft.
pub struct DraftCheck {
    /// One row per layer that could be inferred (up to the first bad one).
    pub rows: Vec<LayerSummary>,
    /// The first problem, if any (a bad layer, or the model as a whole).
    pub error: Option<SpecError>,
}

impl DraftCheck {
    /// The layer at fault, when the problem is one layer's.
    #[must_use]
    pub fn bad_layer(&self) -> Option<usize> {
        match &self.error {
            Some(SpecError::Layer { index, .. }) => Some(*index),
            _ => None,
        }
    }

    /// Total trainable parameters of the inferred rows.
    #[must_use]
    pub fn total_params(&self) -> usize {
        self.rows.iter().fold(0_usize, |total, row| total.saturating_add(row.params))
    }

    /// Whether the model can be trained as it is.
    #[must_use]
    pub fn is_trainable(&self) -> bool {
        self.error.is_none()
    }
}

impl ModelDraft {
    /// A fresh draft of `preset`.
    #[must_use]
    pub fn from_preset(preset: PresetId) -> Self {
        Self { preset: Some(preset), spec: preset.spec() }
    }

    /// Shapes, parameters and the first problem of the current spec.
    #[must_use]
    pub fn check(&self) -> DraftCheck {
        match self.spec.summary() {
            Ok(rows) => DraftCheck { rows, error: self.spec.validate().err() },
            Err(error) => {
                // Infer the layers before the bad one, so the table still shows their shapes.
                let bad = match &error {
                    SpecError::Layer { index, .. } => *index,
                    _ => 0,
                };
                let prefix = ModelSpec { layers: self.spec.layers[..bad].to_vec(), ..self.spec.clone() };
                DraftCheck { rows: prefix.summary().unwrap_or_default(), error: Some(error) }
            }
        }
    }

    /// Whether the spec differs from the preset it came from.
    #[must_use]
    pub fn is_modified(&self) -> bool {
        self.preset.is_none_or(|preset| preset.spec() != self.spec)
    }

    /// Applies a table edit.
    pub fn apply(&mut self, edit: LayerEdit) {
        let layers = &mut self.spec.layers;
        match edit {
            LayerEdit::Insert { at, layer } => layers.insert(at.min(layers.len()), layer),
            LayerEdit::Remove(index) if index < layers.len() => {
                layers.remove(index);
            }
            LayerEdit::MoveUp(index) if index > 0 && index < layers.len() => layers.swap(index - 1, index),
            LayerEdit::MoveDown(index) if index + 1 < layers.len() => layers.swap(index, index + 1),
            LayerEdit::Replace { index, layer } if index < layers.len() => layers[index] = layer,
            LayerEdit::Remove(_)
            | LayerEdit::MoveUp(_)
            | LayerEdit::MoveDown(_)
            | LayerEdit::Replace { .. } => {}
        }
    }
}

/// One change the layer table asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LayerEdit {
    /// Insert a layer at a position.
    Insert {
        /// Where (clamped to the end).
        at: usize,
        /// The new layer.
        layer: LayerSpec,
    },
    /// Remove the layer at an index.
    Remove(usize),
    /// Swap with the layer above.
    MoveUp(usize),
    /// Swap with the layer below.
    MoveDown(usize),
    /// Change a layer's settings.
    Replace {
        /// Which layer.
        index: usize,
        /// Its new settings.
        layer: LayerSpec,
    },
}
