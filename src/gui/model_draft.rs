//! The model being designed: a spec, the preset it started from, and edits on it. Persisted with
//! the settings; checked live with `spec.summary()` / `spec.validate()` (pure and cheap).

use serde::{Deserialize, Serialize};

use crate::data::ClassNames;
use crate::model::{LayerSpec, LayerSummary, ModelSpec, PresetId, SpecError, Task, default_binary_task};

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
    /// A fresh draft of `preset` for Fashion-MNIST.
    #[must_use]
    pub fn from_preset(preset: PresetId) -> Self {
        Self { preset: Some(preset), spec: preset.spec() }
    }

    /// A fresh draft of `preset` for a data set with `classes`.
    #[must_use]
    pub fn from_preset_for(preset: PresetId, classes: &ClassNames) -> Self {
        Self { preset: Some(preset), spec: preset.spec_for(classes) }
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

    /// Whether the spec differs from the preset it came from (sized to the same classes).
    #[must_use]
    pub fn is_modified(&self) -> bool {
        self.preset.is_none_or(|preset| {
            let mut original = preset.spec();
            fit_spec(&mut original, self.spec.task.class_count().max(self.spec.task.needs_classes()), None);
            if let (Task::Binary { .. }, Task::Binary { .. }) = (original.task, self.spec.task) {
                original.task = self.spec.task;
            }
            original != self.spec
        })
    }

    /// Sizes the draft to a data set with `classes`: an all-classes task gets one output per class
    /// (the last Dense layer follows when it had one unit per old class), and a binary task whose
    /// labels do not exist there takes the data set's default pair. Returns whether anything changed.
    pub fn fit_to(&mut self, classes: &ClassNames) -> bool {
        let before = self.spec.clone();
        fit_spec(&mut self.spec, classes.len(), Some(classes));
        before != self.spec
    }

    /// Sets the task; the last Dense layer follows when it had one unit per old output.
    pub fn set_task(&mut self, task: Task) {
        let old = self.spec.task.class_count();
        self.spec.task = task;
        if let Some(LayerSpec::Dense { units }) = self.spec.layers.last_mut()
            && *units == old
        {
            *units = task.class_count();
        }
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

/// See [`ModelDraft::fit_to`]; `classes` picks the binary default pair when the old one does not fit.
fn fit_spec(spec: &mut ModelSpec, count: usize, classes: Option<&ClassNames>) {
    match spec.task {
        Task::AllClasses { count: old } if old != count => {
            spec.task = Task::all(count);
            if let Some(LayerSpec::Dense { units }) = spec.layers.last_mut()
                && *units == old
            {
                *units = count;
            }
        }
        Task::Binary { .. } if spec.task.needs_classes() > count => {
            spec.task = classes.map_or(Task::Binary { positive: 1, negative: 0 }, default_binary_task);
        }
        Task::AllClasses { .. } | Task::Binary { .. } => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    fn letters() -> ClassNames {
        ClassNames::new((0..26).map(|i| format!("letter {i}")).collect()).unwrap()
    }

    #[test]
    fn a_preset_draft_follows_the_data_set_and_stays_unmodified() {
        let mut draft = ModelDraft::from_preset(PresetId::Cnn);
        assert!(draft.fit_to(&letters()));
        assert_eq!(draft.spec, PresetId::Cnn.spec_for(&letters()));
        assert!(!draft.is_modified());
        assert!(draft.fit_to(&ClassNames::fashion_mnist()));
        assert_eq!(draft.spec, PresetId::Cnn.spec());
        assert!(!draft.fit_to(&ClassNames::fashion_mnist()), "already fitted");
    }

    #[test]
    fn a_binary_pair_that_does_not_exist_takes_the_default_pair() {
        let three = ClassNames::new(vec!["a".into(), "b".into(), "c".into()]).unwrap();
        let mut draft = ModelDraft::from_preset(PresetId::BinaryDense);
        draft.fit_to(&three);
        assert_eq!(draft.spec.task, Task::Binary { positive: 1, negative: 0 });
        draft.spec.task = Task::Binary { positive: 2, negative: 0 };
        assert!(!draft.fit_to(&three), "a pair that exists is kept");
        assert!(draft.is_modified() || draft.spec.task == Task::Binary { positive: 2, negative: 0 });
    }
}
