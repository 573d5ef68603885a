//! The one door from the importer to the picture pipeline (the same steps as Predict), so a change
//! of that pipeline is a change here only.

use std::io::Cursor;

use crate::data::IMAGE_PIXELS;
use crate::data::image_input::{self, BackgroundMode, GrayImage, PrepOptions, Switch};
use crate::data::store::Preprocessing;

/// Picture file bytes → the 28×28 network input: decoded within the size and memory limits,
/// turned upright by its EXIF orientation, then prepared as `preprocessing` says.
///
/// # Errors
/// Why the picture cannot be used (empty, not a picture, too large, damaged), as one sentence.
pub(super) fn to_network_input(
    bytes: &[u8],
    preprocessing: Preprocessing,
) -> Result<[u8; IMAGE_PIXELS], String> {
    let decoded = image_input::decode(bytes).map_err(|error| error.to_string())?;
    let gray = upright(decoded.gray, orientation(bytes));
    Ok(gray_to_network_input(&gray, preprocessing))
}

/// A grayscale picture (light-on-dark or not) → the 28×28 network input.
pub(super) fn gray_to_network_input(gray: &GrayImage, preprocessing: Preprocessing) -> [u8; IMAGE_PIXELS] {
    let mut input = [0_u8; IMAGE_PIXELS];
    let options = match preprocessing {
        Preprocessing::Full => PrepOptions::default(),
        // Already centred data (digits, an exported data set): no inversion and no crop; padded to
        // a square so the shape keeps its proportions. A 28×28 picture comes through unchanged.
        Preprocessing::ResizeOnly => {
            PrepOptions { background: BackgroundMode::Keep, crop: Switch::Off, pad: Switch::On }
        }
    };
    let prepared = image_input::prepare(gray, &options);
    input.copy_from_slice(&prepared.input.pixels);
    input
}

/// The EXIF orientation of JPEG, WebP or TIFF bytes (none for other formats or on any doubt).
fn orientation(bytes: &[u8]) -> image::metadata::Orientation {
    use image::ImageDecoder as _;
    image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|reader| reader.into_decoder().ok())
        .and_then(|mut decoder| decoder.orientation().ok())
        .unwrap_or(image::metadata::Orientation::NoTransforms)
}

/// `gray` turned as `orientation` says, so a phone photo taken sideways stands upright.
fn upright(gray: GrayImage, orientation: image::metadata::Orientation) -> GrayImage {
    if orientation == image::metadata::Orientation::NoTransforms {
        return gray;
    }
    let (width, height) = (gray.width, gray.height);
    let Some(buffer) = image::GrayImage::from_raw(
        u32::try_from(width).unwrap_or(u32::MAX),
        u32::try_from(height).unwrap_or(u32::MAX),
        gray.pixels,
    ) else {
        unreachable!("a GrayImage's pixels match its size")
    };
    let mut picture = image::DynamicImage::ImageLuma8(buffer);
    picture.apply_orientation(orientation);
    let turned = picture.into_luma8();
    let (width, height) = (turned.width() as usize, turned.height() as usize);
    GrayImage::new(width, height, turned.into_raw())
        .unwrap_or_else(|| unreachable!("sizes come from the buffer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(image: &image::GrayImage) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        bytes.into_inner()
    }

    #[test]
    fn resize_only_keeps_a_28_by_28_picture_bit_for_bit_even_on_a_light_background() {
        let pixels: Vec<u8> = (0..IMAGE_PIXELS).map(|i| 200 + (i % 50) as u8).collect();
        let picture = image::GrayImage::from_raw(28, 28, pixels.clone()).unwrap();
        let input = to_network_input(&png(&picture), Preprocessing::ResizeOnly).unwrap();
        assert_eq!(input.to_vec(), pixels);
        // The full pipeline inverts that light background, as Predict does.
        let full = to_network_input(&png(&picture), Preprocessing::Full).unwrap();
        assert!(full[0] < 60, "{}", full[0]);
    }

    #[test]
    fn a_turned_photo_is_set_upright() {
        // 2×1: a white pixel on the left; turned 90° clockwise it is on top.
        let gray = GrayImage::new(2, 1, vec![255, 0]).unwrap();
        let turned = upright(gray, image::metadata::Orientation::Rotate90);
        assert_eq!((turned.width, turned.height), (1, 2));
        assert_eq!(turned.pixels, vec![255, 0]);
    }

    #[test]
    fn damaged_bytes_say_why() {
        let error = to_network_input(b"not a picture", Preprocessing::Full).unwrap_err();
        assert!(error.contains("not a picture"), "{error}");
    }
}
