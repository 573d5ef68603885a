//! Test-time augmentation: how a model's class probabilities are made from a picture. A model
//! file records its choice; evaluation, Predict and the command line all follow it.

use std::fmt;
use std::str::FromStr;

/// How a picture is turned into class probabilities at test time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestTimeAugmentation {
    /// The softmax of the network's logits on the picture as it is.
    #[default]
    None,
    /// The mean of the softmaxes on the picture and on its left-right mirror. Clothes stay clothes
    /// when mirrored, so two looks average out some of one look's mistakes, at twice the cost.
    HorizontalFlip,
}

impl TestTimeAugmentation {
    /// Every choice, in the order a user is offered them.
    pub const ALL: [Self; 2] = [Self::None, Self::HorizontalFlip];

    /// The command-line name (`none`, `flip`), also what [`FromStr`] reads.
    #[must_use]
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::HorizontalFlip => "flip",
        }
    }

    /// A short phrase for reports and status lines ("no TTA", "flip TTA").
    #[must_use]
    pub fn short_label(self) -> &'static str {
        match self {
            Self::None => "no TTA",
            Self::HorizontalFlip => "flip TTA",
        }
    }

    /// One sentence saying what the numbers were made with.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::None => "each picture as it is (no test-time augmentation)",
            Self::HorizontalFlip => "the mean of each picture and its left-right mirror (flip TTA)",
        }
    }

    /// How many forward passes one picture costs.
    #[must_use]
    pub fn passes(self) -> usize {
        match self {
            Self::None => 1,
            Self::HorizontalFlip => 2,
        }
    }
}

impl fmt::Display for TestTimeAugmentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cli_name())
    }
}

/// A test-time augmentation name that is neither `flip` nor `none`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown test-time augmentation \"{0}\"; choose flip or none")]
pub struct UnknownTta(pub String);

impl FromStr for TestTimeAugmentation {
    type Err = UnknownTta;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "none" | "off" => Ok(Self::None),
            "flip" | "horizontal-flip" | "horizontal_flip" => Ok(Self::HorizontalFlip),
            _ => Err(UnknownTta(name.to_owned())),
        }
    }
}

/// Mirrors row-major pictures of `side`×`side` values left to right, in place (any number of
/// pictures back to back; a trailing partial row is left alone).
pub fn mirror_rows<T>(values: &mut [T], side: usize) {
    if side == 0 {
        return;
    }
    for row in values.chunks_exact_mut(side) {
        row.reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_names_are_refused() {
        for tta in TestTimeAugmentation::ALL {
            assert_eq!(tta.cli_name().parse::<TestTimeAugmentation>(), Ok(tta));
        }
        assert_eq!(" FLIP ".parse(), Ok(TestTimeAugmentation::HorizontalFlip));
        assert_eq!(
            "spin".parse::<TestTimeAugmentation>().unwrap_err().to_string(),
            "unknown test-time augmentation \"spin\"; choose flip or none"
        );
    }

    #[test]
    fn serde_names_are_stable() {
        assert_eq!(
            serde_json::to_string(&TestTimeAugmentation::HorizontalFlip).unwrap(),
            "\"horizontal_flip\""
        );
        assert_eq!(
            serde_json::from_str::<TestTimeAugmentation>("\"none\"").unwrap(),
            TestTimeAugmentation::None
        );
    }

    #[test]
    fn mirroring_reverses_each_row_and_twice_is_identity() {
        let mut values: Vec<u8> = (0..6).collect();
        mirror_rows(&mut values, 3);
        assert_eq!(values, [2, 1, 0, 5, 4, 3]);
        mirror_rows(&mut values, 3);
        assert_eq!(values, [0, 1, 2, 3, 4, 5]);
    }
}
