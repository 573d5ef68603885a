//! The class names of a data set, in label order: classes are data, not an enum.
//!
//! A label is the class's index (`u8`, 0-based); `names[label]` is what people read. Fashion-MNIST's
//! ten names are one such list ([`ClassNames::fashion_mnist`]); an imported data set brings its own.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The fewest classes a data set may have: a classifier needs something to tell apart.
pub const MIN_CLASSES: usize = 2;
/// The most classes a data set may have (labels are `u8`, and a 100×100 confusion matrix is as
/// much as a window can show).
pub const MAX_CLASSES: usize = 100;

/// Fashion-MNIST's classes in label order, as the data set's authors write them.
pub const FASHION_MNIST_NAMES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Why a list of class names is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassNamesError {
    /// Fewer than two or more than a hundred classes.
    #[error("a data set needs {MIN_CLASSES} to {MAX_CLASSES} classes; this one has {count}")]
    Count {
        /// How many names there were.
        count: usize,
    },
    /// An empty (or all-blank) name.
    #[error("class {label} has an empty name")]
    Empty {
        /// The label of the unnamed class.
        label: usize,
    },
    /// Two classes with the same name: predictions could not be told apart.
    #[error("two classes are both called \"{name}\" (labels {first} and {second})")]
    Duplicate {
        /// The repeated name.
        name: String,
        /// The first label with it.
        first: usize,
        /// The second label with it.
        second: usize,
    },
}

/// The names of a data set's classes, label order; cheap to clone, 2 to 100 entries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClassNames(Arc<[String]>);

impl ClassNames {
    /// Checks and wraps `names` (trimmed; 2-100 distinct, non-empty names).
    ///
    /// # Errors
    /// Too few or too many names, an empty name, or a name used twice.
    pub fn new(names: Vec<String>) -> Result<Self, ClassNamesError> {
        let names: Vec<String> = names.into_iter().map(|name| name.trim().to_owned()).collect();
        if !(MIN_CLASSES..=MAX_CLASSES).contains(&names.len()) {
            return Err(ClassNamesError::Count { count: names.len() });
        }
        for (label, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(ClassNamesError::Empty { label });
            }
            if let Some(first) = names[..label].iter().position(|other| other == name) {
                return Err(ClassNamesError::Duplicate { name: name.clone(), first, second: label });
            }
        }
        Ok(Self(names.into()))
    }

    /// Fashion-MNIST's ten classes.
    #[must_use]
    pub fn fashion_mnist() -> Self {
        Self(FASHION_MNIST_NAMES.iter().map(|&name| name.to_owned()).collect())
    }

    /// `count` classes called "class 0", "class 1", …: for a model whose data set is unknown.
    #[must_use]
    pub fn numbered(count: usize) -> Self {
        Self((0..count.max(MIN_CLASSES)).map(|label| format!("class {label}")).collect())
    }

    /// How many classes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true for a checked list; here for clippy's `len_without_is_empty`.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The name of `label`, or `"class N"` for a label beyond the list (never panics: a label read
    /// from a damaged file still prints).
    #[must_use]
    pub fn name(&self, label: usize) -> std::borrow::Cow<'_, str> {
        self.0.get(label).map_or_else(|| format!("class {label}").into(), |name| name.as_str().into())
    }

    /// The label of the class called `name` (exact match first, then ignoring case).
    #[must_use]
    pub fn label_of(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        self.0
            .iter()
            .position(|candidate| candidate == name)
            .or_else(|| self.0.iter().position(|candidate| candidate.eq_ignore_ascii_case(name)))
    }

    /// The names in label order.
    #[must_use]
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The names as an owned list (for reports and file metadata).
    #[must_use]
    pub fn to_vec(&self) -> Vec<String> {
        self.0.to_vec()
    }

    /// Labels with their names, in label order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (usize, &str)> {
        self.0.iter().enumerate().map(|(label, name)| (label, name.as_str()))
    }

    /// A file-name friendly form of `label`'s name (`Ankle boot` → `ankle_boot`), used for class
    /// folders and exports.
    #[must_use]
    pub fn slug(&self, label: usize) -> String {
        slug(&self.name(label))
    }
}

/// A file-name friendly form of `text`: lower-case ASCII letters and digits, other runs as `_`.
#[must_use]
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        if character.is_ascii_alphanumeric() {
            out.push(character.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() { "class".to_owned() } else { out }
}

impl Serialize for ClassNames {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.as_ref().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ClassNames {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        Self::new(names).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Result<ClassNames, ClassNamesError> {
        ClassNames::new(list.iter().map(|&name| name.to_owned()).collect())
    }

    #[test]
    fn fashion_mnist_keeps_its_names_in_label_order() {
        let classes = ClassNames::fashion_mnist();
        assert_eq!(classes.len(), 10);
        assert_eq!(classes.name(7), "Sneaker");
        assert_eq!(classes.label_of("ankle boot"), Some(9));
        assert_eq!(classes.slug(0), "t_shirt_top");
        assert_eq!(classes.name(42), "class 42");
    }

    #[test]
    fn bad_lists_are_refused_with_the_reason() {
        assert_eq!(names(&["only"]), Err(ClassNamesError::Count { count: 1 }));
        assert_eq!(names(&["a", " "]), Err(ClassNamesError::Empty { label: 1 }));
        assert!(matches!(
            names(&["a", "b", "a"]),
            Err(ClassNamesError::Duplicate { first: 0, second: 2, .. })
        ));
        let many: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
        assert_eq!(ClassNames::new(many), Err(ClassNamesError::Count { count: 101 }));
    }

    #[test]
    fn serde_round_trips_and_checks() {
        let classes = names(&["boot", "shoe", "sandal"]).unwrap();
        let json = serde_json::to_string(&classes).unwrap();
        assert_eq!(json, r#"["boot","shoe","sandal"]"#);
        assert_eq!(serde_json::from_str::<ClassNames>(&json).unwrap(), classes);
        assert!(serde_json::from_str::<ClassNames>(r#"["one"]"#).is_err());
    }
}
