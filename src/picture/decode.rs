//! Picture bytes → an upright picture: format guessed from the content, size and memory limits
//! checked before decoding, the EXIF orientation (what every phone camera writes) applied.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, metadata::Orientation};

use super::error::PictureError;
use super::pixels::{RgbPixels, RgbaPixels};
use super::resample::resize_rgb;
use super::{MAX_DECODE_BYTES, MAX_SIDE, PREVIEW_SIDE, WORKING_SIDE};

/// A decoded picture, upright and at working size, ready to be prepared (again, when the user
/// toggles a step).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedPicture {
    /// Width of the upright picture in the file.
    pub original_width: u32,
    /// Height of the upright picture in the file.
    pub original_height: u32,
    /// The EXIF orientation that was applied (1 = none; 2-8 = flipped and/or turned).
    pub exif_orientation: u8,
    /// A colour preview of at most [`PREVIEW_SIDE`] on a side, upright.
    pub preview: RgbaPixels,
    /// The upright picture in colour, at most [`WORKING_SIDE`] on a side.
    pub working: RgbPixels,
}

/// Decodes picture bytes into an upright image at full size: what data set import uses.
///
/// # Errors
/// Empty, unknown format, too large, or damaged.
pub fn decode_upright(bytes: &[u8]) -> Result<DynamicImage, PictureError> {
    let (mut image, orientation) = decode_as_stored(bytes)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Decodes picture bytes into an upright working copy and preview (what Predict shows). The
/// picture is shrunk before it is turned, so a 4,000-pixel photo is turned at 1,024.
///
/// # Errors
/// Empty, unknown format, too large, or damaged.
pub fn decode(bytes: &[u8]) -> Result<DecodedPicture, PictureError> {
    let (image, orientation) = decode_as_stored(bytes)?;
    let (width, height) = (image.width(), image.height());
    let working = oriented(&shrink_to(&rgb_over_white(image), WORKING_SIDE), orientation.to_exif());
    let upright_size = if matches!(orientation.to_exif(), 5..=8) { (height, width) } else { (width, height) };
    Ok(decoded_from_working(working, orientation.to_exif(), upright_size))
}

/// The working copy and preview of an image already decoded (and upright).
pub(crate) fn from_image(image: &DynamicImage) -> DecodedPicture {
    let size = (image.width(), image.height());
    let working = shrink_to(&rgb_over_white(image.clone()), WORKING_SIDE);
    decoded_from_working(working, 1, size)
}

fn decoded_from_working(
    working: RgbPixels,
    exif_orientation: u8,
    (width, height): (u32, u32),
) -> DecodedPicture {
    let preview = preview(&working);
    DecodedPicture { original_width: width, original_height: height, exif_orientation, preview, working }
}

/// The image as its pixels are stored, and the orientation its metadata asks for.
fn decode_as_stored(bytes: &[u8]) -> Result<(DynamicImage, Orientation), PictureError> {
    if bytes.is_empty() {
        return Err(PictureError::Empty);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| PictureError::Decode(error.to_string()))?;
    match reader.format() {
        None => return Err(PictureError::NotAnImage),
        // The JPEG decoder fills a cut-off file with gray instead of failing: a half-copied photo
        // would predict (or train) as a picture that is not there.
        Some(ImageFormat::Jpeg) if !jpeg_has_its_end(bytes) => return Err(PictureError::Truncated),
        Some(_) => {}
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder()?;
    // The header alone tells the size: refuse a huge picture before allocating anything for it.
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(PictureError::TooLarge { width, height, max: MAX_SIDE });
    }
    limits.reserve(decoder.total_bytes())?;
    // A damaged EXIF block should not cost the picture: it is then shown as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder)?;
    Ok((image, orientation))
}

/// Whether a JPEG file ends as a whole one does: with the end-of-image marker (0xFF 0xD9), perhaps
/// followed by padding some cameras add. Looked for in the last 4 KB only, so the marker of an
/// embedded thumbnail near the start does not count.
fn jpeg_has_its_end(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    tail.windows(2).any(|pair| pair == [0xFF, 0xD9])
}

/// The image as opaque RGB; 8-bit RGB (every JPEG) is moved, not copied.
fn rgb_over_white(image: DynamicImage) -> RgbPixels {
    let (width, height) = (image.width() as usize, image.height() as usize);
    match image {
        DynamicImage::ImageRgb8(buffer) => RgbPixels { width, height, pixels: buffer.into_raw() },
        other => RgbaPixels { width, height, pixels: other.into_rgba8().into_raw() }.over_white(),
    }
}

/// Shrinks so the longest side is at most `side` (never enlarges).
fn shrink_to(image: &RgbPixels, side: usize) -> RgbPixels {
    let longest = image.width.max(image.height);
    if longest <= side {
        return image.clone();
    }
    let width = (image.width * side).div_ceil(longest).clamp(1, side);
    let height = (image.height * side).div_ceil(longest).clamp(1, side);
    resize_rgb(image, width, height)
}

/// Applies an EXIF orientation (1-8) to a (small) working copy: the stored pixels turned and
/// flipped the way the camera asks for.
pub(crate) fn oriented(image: &RgbPixels, exif_orientation: u8) -> RgbPixels {
    let (w, h) = (image.width, image.height);
    let swapped = matches!(exif_orientation, 5..=8);
    let (width, height) = if swapped { (h, w) } else { (w, h) };
    // For each upright (x, y), the stored pixel it shows.
    let source = |x: usize, y: usize| match exif_orientation {
        2 => (w - 1 - x, y),
        3 => (w - 1 - x, h - 1 - y),
        4 => (x, h - 1 - y),
        5 => (y, x),
        6 => (y, h - 1 - x),
        7 => (w - 1 - y, h - 1 - x),
        8 => (w - 1 - y, x),
        _ => (x, y),
    };
    let mut pixels = Vec::with_capacity(image.pixels.len());
    for y in 0..height {
        for x in 0..width {
            let (from_x, from_y) = source(x, y);
            pixels.extend_from_slice(&image.at(from_x, from_y));
        }
    }
    RgbPixels { width, height, pixels }
}

/// The colour preview, at most [`PREVIEW_SIDE`] on a side. Our own area-averaging resize: the
/// `image` crate's `thumbnail` took over a third of predicting a 420×300 photo.
fn preview(image: &RgbPixels) -> RgbaPixels {
    let small = shrink_to(image, PREVIEW_SIDE as usize);
    let pixels = small.pixels.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    RgbaPixels { width: small.width, height: small.height, pixels }
}
