//! Which data a model learned from — name, class names, fingerprint — and the check that refuses to
//! use a model with a data set whose classes differ (no silent mis-labelling).

use serde::{Deserialize, Serialize};

use super::{ClassNames, FASHION_MNIST};

/// What a model file records about its data set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetIdentity {
    /// The data set's name ("Fashion-MNIST", or the name of an import).
    pub name: String,
    /// Its class names, label order.
    pub classes: ClassNames,
    /// `sha256:<hex>` over its pictures and labels (empty when unknown, e.g. an old model file).
    pub fingerprint: String,
}

impl DatasetIdentity {
    /// Fashion-MNIST with an unknown fingerprint: what model files written before data sets became
    /// data learned from.
    #[must_use]
    pub fn fashion_mnist(fingerprint: Option<String>) -> Self {
        Self {
            name: FASHION_MNIST.to_owned(),
            classes: ClassNames::fashion_mnist(),
            fingerprint: fingerprint.unwrap_or_default(),
        }
    }

    /// Refuses to use a model that learned from `self` on `data` when the classes differ.
    ///
    /// The fingerprint may differ (the bundled sample against the full set, a re-import): the
    /// labels still mean the same classes, so that is allowed.
    ///
    /// # Errors
    /// The class names differ, in number or in any name.
    pub fn check_compatible(&self, data: &Self) -> Result<(), Box<ClassMismatch>> {
        if self.classes == data.classes {
            Ok(())
        } else {
            Err(Box::new(ClassMismatch { model: self.clone(), data: data.clone() }))
        }
    }
}

/// A model used with a data set whose classes are not the ones it learned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the model learned {} classes of \"{}\" ({}), but the data set \"{}\" has {} classes ({}): pick the data set the model was trained on",
    model.classes.len(), model.name, preview(&model.classes), data.name, data.classes.len(), preview(&data.classes)
)]
pub struct ClassMismatch {
    /// What the model learned from.
    pub model: DatasetIdentity,
    /// The data set it was to be used with.
    pub data: DatasetIdentity,
}

/// The first few class names, for messages.
fn preview(classes: &ClassNames) -> String {
    const SHOWN: usize = 4;
    let mut names: Vec<&str> = classes.as_slice().iter().take(SHOWN).map(String::as_str).collect();
    if classes.len() > SHOWN {
        names.push("…");
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(name: &str, classes: &[&str]) -> DatasetIdentity {
        DatasetIdentity {
            name: name.to_owned(),
            classes: ClassNames::new(classes.iter().map(|&c| c.to_owned()).collect()).unwrap(),
            fingerprint: String::new(),
        }
    }

    #[test]
    fn other_classes_are_refused_naming_both_data_sets() {
        let fashion = DatasetIdentity::fashion_mnist(None);
        let shoes = identity("shoes", &["boot", "sandal", "sneaker"]);
        let message = fashion.check_compatible(&shoes).unwrap_err().to_string();
        assert!(message.contains("\"Fashion-MNIST\""), "{message}");
        assert!(message.contains("\"shoes\" has 3 classes (boot, sandal, sneaker)"), "{message}");
        assert!(message.contains("T-shirt/top, Trouser, Pullover, Dress, …"), "{message}");
    }

    #[test]
    fn same_classes_with_another_fingerprint_are_fine() {
        let full = DatasetIdentity::fashion_mnist(Some("sha256:aa".to_owned()));
        let sample = DatasetIdentity::fashion_mnist(Some("sha256:bb".to_owned()));
        assert!(full.check_compatible(&sample).is_ok());
    }
}
