//! The user's choices for the optional preparation steps: how the background is found, whether the
//! contrast is stretched, the object straightened, cropped and padded.

use serde::{Deserialize, Serialize};

/// How the object is told from the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum BackgroundMode {
    /// A smooth background (gradients and shadows included) is fitted to the picture's border, in
    /// colour; each pixel becomes its colour distance from it, evened out where the background is
    /// in shadow. The object comes out light on black whatever its colour and the background's.
    #[default]
    Model,
    /// One gray level from the border: invert when it is light.
    InvertIfLight,
    /// Always invert the grayscale picture.
    Invert,
    /// Never invert: the grayscale picture as it is.
    Keep,
}

impl BackgroundMode {
    /// Every mode, in the order a menu lists them.
    pub const ALL: [Self; 4] = [Self::Model, Self::InvertIfLight, Self::Invert, Self::Keep];

    /// A short label for a menu.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Model => "model from border",
            Self::InvertIfLight => "invert if light",
            Self::Invert => "always invert",
            Self::Keep => "never invert",
        }
    }
}

/// Whether an optional step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Switch {
    /// The step runs.
    #[default]
    On,
    /// The step is skipped.
    Off,
}

impl Switch {
    /// Whether the step runs.
    #[must_use]
    pub fn is_on(self) -> bool {
        self == Self::On
    }
}

/// The choices for the optional steps. The default suits photos and product shots of one item;
/// [`PrepOptions::ONLY_RESIZE`] suits pictures that are already centred, like scanned digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrepOptions {
    /// How the background is found and removed.
    pub background: BackgroundMode,
    /// Stretch the object's own range of levels to 0..=255, the training data's range.
    pub contrast: Switch,
    /// Turn the object so its principal axis is vertical or horizontal (up to 20°).
    pub straighten: Switch,
    /// Crop to the object.
    pub crop: Switch,
    /// Pad to a square before resizing (off: the picture is stretched).
    pub pad: Switch,
}

impl Default for PrepOptions {
    fn default() -> Self {
        Self {
            background: BackgroundMode::Model,
            contrast: Switch::On,
            straighten: Switch::On,
            crop: Switch::On,
            pad: Switch::On,
        }
    }
}

impl PrepOptions {
    /// Grayscale and resize to 28×28, nothing else: for pictures already framed like the network
    /// input (light on dark, centred, square), such as imported digit sets.
    pub const ONLY_RESIZE: Self = Self {
        background: BackgroundMode::Keep,
        contrast: Switch::Off,
        straighten: Switch::Off,
        crop: Switch::Off,
        pad: Switch::Off,
    };
}
