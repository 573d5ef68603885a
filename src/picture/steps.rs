//! What preparing a picture produced: each step with its image and a note, the concerns raised,
//! and the 28×28 input.

use super::pixels::GrayPixels;

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// The upright picture in gray (transparent parts white, like paper).
    Grayscale,
    /// The background removed: the object light on black.
    Background,
    /// The object's range of levels stretched to 0..=255.
    Contrast,
    /// The object turned so its principal axis is vertical or horizontal.
    Straighten,
    /// Cropped to the object's bounding box.
    Crop,
    /// Padded with background to a square.
    PadSquare,
    /// Resized to 28×28, as the network sees it.
    Resize,
}

impl StepKind {
    /// A short title for the step.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::Grayscale => "grayscale",
            Self::Background => "background",
            Self::Contrast => "contrast",
            Self::Straighten => "straighten",
            Self::Crop => "crop to object",
            Self::PadSquare => "pad to square",
            Self::Resize => "28×28",
        }
    }
}

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepState {
    /// It changed the image; the text says how ("inverted: light background").
    Applied(String),
    /// It had nothing to do; the text says why ("already 28×28").
    Skipped(String),
    /// The user switched it off.
    Off,
}

/// One step and the image after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepStep {
    /// Which step.
    pub kind: StepKind,
    /// What it did.
    pub state: StepState,
    /// The image after the step.
    pub image: GrayPixels,
}

/// The background found at the picture's border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    /// Dark, like Fashion-MNIST.
    Dark,
    /// Light, like a product photo or a drawing on paper.
    Light,
}

/// Why a picture may predict badly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concern {
    /// The result is nearly one flat gray: nothing to recognise.
    NearlyUniform,
    /// No object stands out from the background.
    NoObject,
    /// The border is not a plain background (a scene rather than a product shot).
    BusyBackground,
}

impl Concern {
    /// A sentence for the user.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::NearlyUniform => "the picture is nearly uniform; there is little to recognise",
            Self::NoObject => "no object stands out from the background",
            Self::BusyBackground => {
                "the background is not plain; the training pictures show single items on a plain background"
            }
        }
    }
}

/// The network input and how it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedInput {
    /// The steps, in order; the last image is the input.
    pub steps: Vec<PrepStep>,
    /// The background detected on the grayscale picture.
    pub background: Background,
    /// Reasons the prediction may be unreliable (empty when it looks like the training data).
    pub concerns: Vec<Concern>,
    /// The 28×28 input, 784 bytes, light-on-dark.
    pub input: GrayPixels,
}

impl PreparedInput {
    /// The input as the network takes it: 784 values in `0.0..=1.0` (pixel / 255).
    #[must_use]
    pub fn to_f32(&self) -> Vec<f32> {
        self.input.pixels.iter().map(|&pixel| f32::from(pixel) / 255.0).collect()
    }

    /// The input's 784 bytes, light-on-dark, row-major.
    #[must_use]
    pub fn pixels(&self) -> [u8; super::INPUT_PIXELS] {
        let mut pixels = [0; super::INPUT_PIXELS];
        pixels.copy_from_slice(&self.input.pixels);
        pixels
    }

    /// Whether the picture looks unlike the training data.
    #[must_use]
    pub fn looks_unusual(&self) -> bool {
        !self.concerns.is_empty()
    }

    /// The step of a kind.
    #[must_use]
    pub fn step(&self, kind: StepKind) -> Option<&PrepStep> {
        self.steps.iter().find(|step| step.kind == kind)
    }
}
