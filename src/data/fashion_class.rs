//! The ten Fashion-MNIST classes, in label order.

use serde::{Deserialize, Serialize};

/// One of the ten Fashion-MNIST classes; the discriminant is the dataset label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FashionClass {
    /// Label 0.
    TShirtTop = 0,
    /// Label 1.
    Trouser = 1,
    /// Label 2.
    Pullover = 2,
    /// Label 3.
    Dress = 3,
    /// Label 4.
    Coat = 4,
    /// Label 5.
    Sandal = 5,
    /// Label 6.
    Shirt = 6,
    /// Label 7.
    Sneaker = 7,
    /// Label 8.
    Bag = 8,
    /// Label 9.
    AnkleBoot = 9,
}

impl FashionClass {
    /// All classes in label order.
    pub const ALL: [Self; 10] = [
        Self::TShirtTop,
        Self::Trouser,
        Self::Pullover,
        Self::Dress,
        Self::Coat,
        Self::Sandal,
        Self::Shirt,
        Self::Sneaker,
        Self::Bag,
        Self::AnkleBoot,
    ];

    /// The number of classes.
    pub const COUNT: usize = 10;

    /// The class of a dataset label, if the label is in 0..=9.
    #[must_use]
    pub fn from_label(label: u8) -> Option<Self> {
        Self::ALL.get(usize::from(label)).copied()
    }

    /// The dataset label (0..=9).
    #[must_use]
    pub fn label(self) -> u8 {
        self as u8
    }

    /// The index of the class (same as the label), handy for arrays.
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The human name, as the dataset's authors write it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::TShirtTop => "T-shirt/top",
            Self::Trouser => "Trouser",
            Self::Pullover => "Pullover",
            Self::Dress => "Dress",
            Self::Coat => "Coat",
            Self::Sandal => "Sandal",
            Self::Shirt => "Shirt",
            Self::Sneaker => "Sneaker",
            Self::Bag => "Bag",
            Self::AnkleBoot => "Ankle boot",
        }
    }

    /// A file-name friendly name (`ankle_boot`), used by `data export-png`.
    #[must_use]
    pub fn slug(self) -> &'static str {
        match self {
            Self::TShirtTop => "tshirt_top",
            Self::Trouser => "trouser",
            Self::Pullover => "pullover",
            Self::Dress => "dress",
            Self::Coat => "coat",
            Self::Sandal => "sandal",
            Self::Shirt => "shirt",
            Self::Sneaker => "sneaker",
            Self::Bag => "bag",
            Self::AnkleBoot => "ankle_boot",
        }
    }
}

impl std::fmt::Display for FashionClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_out_of_range_is_refused() {
        for class in FashionClass::ALL {
            assert_eq!(FashionClass::from_label(class.label()), Some(class));
        }
        assert_eq!(FashionClass::from_label(10), None);
        assert_eq!(FashionClass::from_label(7).map(FashionClass::name), Some("Sneaker"));
    }
}
