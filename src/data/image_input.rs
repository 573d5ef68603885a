//! Any picture → the 28×28 network input, with every step kept so the app can show (and toggle) it:
//! decode (with limits) → grayscale → background (light backgrounds inverted, as Fashion-MNIST is
//! light-on-dark) → crop to the object → pad to square → resize to 28×28.
//!
//! A picture that is already 28×28 and light-on-dark comes through unchanged, so PNGs written by
//! `atelier data export-png` predict exactly like the dataset images they came from.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use super::image_steps::{border_stats, crop, inverted, is_nearly_uniform, object_bounds, pad_square};
use super::resample::{resize, resize_rgba};
use super::{IMAGE_PIXELS, IMAGE_SIDE};

/// The largest width or height accepted; bigger pictures are refused before decoding.
pub const MAX_SIDE: u32 = 8192;
/// The most memory a decoder may allocate.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// Pictures are scaled down to at most this side for processing (the result is 28×28 anyway).
pub const WORKING_SIDE: usize = 1024;
/// The colour preview of the original is at most this side.
pub const PREVIEW_SIDE: u32 = 256;

/// Why a picture could not be turned into a network input.
#[derive(Debug, thiserror::Error)]
pub enum ImageInputError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A failure in a named file.
    #[error("{}: {error}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        error: Box<ImageInputError>,
    },
    /// Zero bytes.
    #[error("the file is empty (0 bytes)")]
    Empty,
    /// Not a format we read (PNG, JPEG, BMP, GIF, WebP, TIFF).
    #[error("not a picture in a supported format (PNG, JPEG, BMP, GIF, WebP, TIFF)")]
    NotAnImage,
    /// Bigger than [`MAX_SIDE`] on a side.
    #[error("{width}×{height} pixels is larger than the {max}×{max} limit")]
    TooLarge {
        /// Width in the file's header.
        width: u32,
        /// Height in the file's header.
        height: u32,
        /// The limit.
        max: u32,
    },
    /// The decoder gave up (truncated or damaged file, or over the memory limit).
    #[error("the picture cannot be decoded: {0}")]
    Decode(String),
}

/// A grayscale image: `width × height` bytes, row-major, 0 = black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// The pixels.
    pub pixels: Vec<u8>,
}

impl GrayImage {
    /// An image from pixels; `None` if the sizes disagree.
    #[must_use]
    pub fn new(width: usize, height: usize, pixels: Vec<u8>) -> Option<Self> {
        (width * height == pixels.len()).then_some(Self { width, height, pixels })
    }

    pub(crate) fn at(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }
}

/// A colour image for display: `width × height × 4` bytes, RGBA, not premultiplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbaImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// The pixels, 4 bytes each.
    pub pixels: Vec<u8>,
}

/// What to do about the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum BackgroundMode {
    /// Invert when the background is detected as light.
    #[default]
    Auto,
    /// Always invert.
    Invert,
    /// Never invert.
    Keep,
}

/// Whether an optional step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Switch {
    /// The step runs.
    #[default]
    On,
    /// The step is skipped.
    Off,
}

/// The user's choices for the optional steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PrepOptions {
    /// Invert light backgrounds (auto), always, or never.
    pub background: BackgroundMode,
    /// Crop to the object.
    pub crop: Switch,
    /// Pad to a square before resizing (off: the picture is stretched).
    pub pad: Switch,
}

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Colour → gray (transparent parts become white, like paper).
    Grayscale,
    /// Light backgrounds inverted to light-on-dark.
    Background,
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
    pub image: GrayImage,
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
                "the background is not plain; Fashion-MNIST shows single items on a plain background"
            }
        }
    }
}

/// A decoded picture, ready to be prepared (again, when the user toggles a step).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedPicture {
    /// Width of the file's picture.
    pub original_width: u32,
    /// Height of the file's picture.
    pub original_height: u32,
    /// A colour preview of at most [`PREVIEW_SIDE`] on a side.
    pub preview: RgbaImage,
    /// Grayscale, at most [`WORKING_SIDE`] on a side.
    pub gray: GrayImage,
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
    pub input: GrayImage,
}

impl PreparedInput {
    /// The input as the network takes it: 784 values in `0.0..=1.0` (pixel / 255).
    #[must_use]
    pub fn to_f32(&self) -> Vec<f32> {
        self.input.pixels.iter().map(|&pixel| f32::from(pixel) / 255.0).collect()
    }

    /// Whether the picture looks unlike the training data.
    #[must_use]
    pub fn looks_unusual(&self) -> bool {
        !self.concerns.is_empty()
    }
}

/// Reads and prepares the picture in `path`.
///
/// # Errors
/// The file cannot be read or decoded; the error names the file.
pub fn prepare_file(path: &Path, options: &PrepOptions) -> Result<PreparedInput, ImageInputError> {
    let bytes =
        std::fs::read(path).map_err(|source| ImageInputError::Read { path: path.to_path_buf(), source })?;
    let decoded = decode(&bytes)
        .map_err(|error| ImageInputError::InFile { path: path.to_path_buf(), error: Box::new(error) })?;
    Ok(prepare(&decoded.gray, options))
}

/// Decodes picture bytes (PNG, JPEG, BMP, GIF, WebP, TIFF) within the size and memory limits.
///
/// # Errors
/// Empty, unknown format, too large, or damaged.
pub fn decode(bytes: &[u8]) -> Result<DecodedPicture, ImageInputError> {
    if bytes.is_empty() {
        return Err(ImageInputError::Empty);
    }
    let open = || image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(decode_error);
    let mut header = open()?;
    if header.format().is_none() {
        return Err(ImageInputError::NotAnImage);
    }
    // The header alone tells the size: refuse a huge picture before allocating anything for it.
    header.no_limits();
    let (width, height) = header.into_dimensions().map_err(decode_error)?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageInputError::TooLarge { width, height, max: MAX_SIDE });
    }
    let mut reader = open()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let image = reader.decode().map_err(decode_error)?;
    let preview = preview(&image);
    let gray = to_gray_on_white(&image.to_luma_alpha8());
    let gray = shrink_to_working_size(gray);
    Ok(DecodedPicture { original_width: width, original_height: height, preview, gray })
}

fn decode_error(error: impl std::fmt::Display) -> ImageInputError {
    // Some decoders end their messages with a newline; errors are shown on one line.
    let text = error.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
    if text.contains("format could not be determined") || text.contains("not supported") {
        ImageInputError::NotAnImage
    } else {
        ImageInputError::Decode(text)
    }
}

/// The colour preview, at most [`PREVIEW_SIDE`] on a side. Our own area-averaging resize: the
/// `image` crate's `thumbnail` took over a third of predicting a 420×300 photo.
fn preview(image: &image::DynamicImage) -> RgbaImage {
    let rgba = image.to_rgba8();
    let full =
        RgbaImage { width: rgba.width() as usize, height: rgba.height() as usize, pixels: rgba.into_raw() };
    let longest = full.width.max(full.height);
    let side = PREVIEW_SIDE as usize;
    if longest <= side {
        return full;
    }
    let width = (full.width * side).div_ceil(longest).min(side);
    let height = (full.height * side).div_ceil(longest).min(side);
    resize_rgba(&full, width, height)
}

/// Gray with alpha → gray, transparent parts over white (how a cut-out product shot looks).
fn to_gray_on_white(image: &image::GrayAlphaImage) -> GrayImage {
    let pixels = image
        .pixels()
        .map(|pixel| {
            let [value, alpha] = pixel.0;
            let (value, alpha) = (u32::from(value), u32::from(alpha));
            // Integer blend: fully opaque pixels come through exactly.
            ((value * alpha + 255 * (255 - alpha) + 127) / 255) as u8
        })
        .collect();
    GrayImage { width: image.width() as usize, height: image.height() as usize, pixels }
}

fn shrink_to_working_size(gray: GrayImage) -> GrayImage {
    let longest = gray.width.max(gray.height);
    if longest <= WORKING_SIDE {
        return gray;
    }
    let width = (gray.width * WORKING_SIDE / longest).max(1);
    let height = (gray.height * WORKING_SIDE / longest).max(1);
    resize(&gray, width, height)
}

/// Runs the steps after decoding on a grayscale picture.
#[must_use]
pub fn prepare(gray: &GrayImage, options: &PrepOptions) -> PreparedInput {
    let mut steps = vec![PrepStep {
        kind: StepKind::Grayscale,
        state: StepState::Applied(format!("{}×{}", gray.width, gray.height)),
        image: gray.clone(),
    }];
    let border = border_stats(gray);
    let background = if border.median > 127 { Background::Light } else { Background::Dark };
    let mut concerns = Vec::new();
    if border.corner_clutter > 0.4 {
        concerns.push(Concern::BusyBackground);
    }

    let invert = match options.background {
        BackgroundMode::Auto => background == Background::Light,
        BackgroundMode::Invert => true,
        BackgroundMode::Keep => false,
    };
    let (image, state) = match (invert, options.background) {
        (true, BackgroundMode::Auto) => {
            (inverted(gray), StepState::Applied("inverted: light background".into()))
        }
        (true, _) => (inverted(gray), StepState::Applied("inverted".into())),
        (false, BackgroundMode::Keep) => (gray.clone(), StepState::Off),
        (false, _) => (gray.clone(), StepState::Skipped("dark background, like Fashion-MNIST".into())),
    };
    steps.push(PrepStep { kind: StepKind::Background, state, image: image.clone() });

    let already_input = gray.width == IMAGE_SIDE && gray.height == IMAGE_SIDE;
    let skip_28 = || StepState::Skipped("already 28×28".into());
    let background_level = if invert { 255 - border.median } else { border.median };

    let (image, state) = match (options.crop, already_input) {
        (Switch::Off, _) => (image, StepState::Off),
        (Switch::On, true) => (image, skip_28()),
        (Switch::On, false) => match object_bounds(&image, background_level) {
            Some(bounds) if bounds.is_whole(&image) => {
                (image, StepState::Skipped("the object fills the picture".into()))
            }
            Some(bounds) => {
                let cropped = crop(&image, bounds);
                let note = format!("{}×{} object", cropped.width, cropped.height);
                (cropped, StepState::Applied(note))
            }
            None => {
                concerns.push(Concern::NoObject);
                (image, StepState::Skipped("no object found".into()))
            }
        },
    };
    steps.push(PrepStep { kind: StepKind::Crop, state, image: image.clone() });

    let (image, state) = match (options.pad, already_input) {
        (Switch::Off, _) => (image, StepState::Off),
        (Switch::On, true) => (image, skip_28()),
        (Switch::On, false) if image.width == image.height => {
            (image, StepState::Skipped("already square".into()))
        }
        (Switch::On, false) => {
            let padded = pad_square(&image, background_level);
            let note = format!("{0}×{0}", padded.width);
            (padded, StepState::Applied(note))
        }
    };
    steps.push(PrepStep { kind: StepKind::PadSquare, state, image: image.clone() });

    let (input, state) = if image.width == IMAGE_SIDE && image.height == IMAGE_SIDE {
        (image, skip_28())
    } else {
        let note = format!("from {}×{}", image.width, image.height);
        (resize(&image, IMAGE_SIDE, IMAGE_SIDE), StepState::Applied(note))
    };
    debug_assert_eq!(input.pixels.len(), IMAGE_PIXELS);
    steps.push(PrepStep { kind: StepKind::Resize, state, image: input.clone() });
    if is_nearly_uniform(&input) {
        concerns.push(Concern::NearlyUniform);
    }
    PreparedInput { steps, background, concerns, input }
}

#[cfg(test)]
#[path = "image_input_tests.rs"]
mod tests;
