//! Any picture → the 28×28 network input: decoding within limits with the EXIF orientation applied,
//! then grayscale, background (a model fitted to the border survives gradients and shadows, and
//! colour), contrast, straightening, crop, pad and resize, every step kept so the app can show and
//! switch it.
//!
//! Two calls serve every reader of pictures: [`decode_upright`] (bytes → upright image) and
//! [`prepare`] (image → 28×28 input with its steps). Predict uses [`decode`] and
//! [`prepare_decoded`], which shrink the picture before turning it.

mod background;
mod decode;
mod error;
mod exif;
mod geometry;
mod options;
mod pixels;
mod prepare;
mod resample;
mod steps;
mod straighten;

pub use decode::{DecodedPicture, decode, decode_upright};
pub use error::PictureError;
pub use exif::jpeg_with_orientation;
pub use options::{BackgroundMode, PrepOptions, Switch};
pub use pixels::{GrayPixels, RgbPixels, RgbaPixels};
pub use prepare::{prepare, prepare_decoded, prepare_file, prepare_gray};
pub use resample::{resize, resize_rgb, resize_rgba};
pub use steps::{Background, Concern, PrepStep, PreparedInput, StepKind, StepState};
pub use straighten::MAX_TILT_DEGREES;

/// Side of the network input, in pixels.
pub const INPUT_SIDE: usize = 28;
/// Pixels in the network input.
pub const INPUT_PIXELS: usize = INPUT_SIDE * INPUT_SIDE;
/// The largest width or height accepted; bigger pictures are refused before decoding.
pub const MAX_SIDE: u32 = 8192;
/// The most memory a decoder may allocate.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// Pictures are scaled down to at most this side for processing (the result is 28×28 anyway).
pub const WORKING_SIDE: usize = 1024;
/// The colour preview of the original is at most this side.
pub const PREVIEW_SIDE: u32 = 256;
/// The formats read, for messages.
pub const SUPPORTED_FORMATS: &str = "PNG, JPEG, BMP, GIF, WebP, TIFF, PNM";
/// File extensions of the pictures a dropped folder contributes.
pub const PICTURE_EXTENSIONS: &[&str] =
    &["png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff", "pgm", "ppm", "pbm", "pnm"];

#[cfg(test)]
#[path = "photo_tests.rs"]
mod photo_tests;
