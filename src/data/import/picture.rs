//! The one door from the importer to the picture pipeline (the same steps as Predict), so a change
//! of that pipeline is a change here only.

use crate::data::IMAGE_PIXELS;
use crate::data::store::Preprocessing;
use crate::picture::{self, GrayPixels, PrepOptions, Switch};

/// Picture file bytes → the 28×28 network input: decoded within the size and memory limits,
/// turned upright by its EXIF orientation, then prepared as `preprocessing` says.
///
/// # Errors
/// Why the picture cannot be used (empty, not a picture, too large, damaged), as one sentence.
pub(super) fn to_network_input(
    bytes: &[u8],
    preprocessing: Preprocessing,
) -> Result<[u8; IMAGE_PIXELS], String> {
    let decoded = picture::decode(bytes).map_err(|error| error.to_string())?;
    Ok(picture::prepare_decoded(&decoded, &options(preprocessing)).pixels())
}

/// A grayscale picture (light-on-dark or not) → the 28×28 network input.
pub(super) fn gray_to_network_input(gray: &GrayPixels, preprocessing: Preprocessing) -> [u8; IMAGE_PIXELS] {
    picture::prepare_gray(gray, &options(preprocessing)).pixels()
}

pub(super) fn options(preprocessing: Preprocessing) -> PrepOptions {
    match preprocessing {
        Preprocessing::Full => PrepOptions::default(),
        // Already centred data (digits, an exported data set): no inversion, no crop; padded to a
        // square so the shape keeps its proportions. A 28×28 picture comes through unchanged.
        Preprocessing::ResizeOnly => PrepOptions { pad: Switch::On, ..PrepOptions::ONLY_RESIZE },
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

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
    fn damaged_bytes_say_why() {
        let error = to_network_input(b"not a picture", Preprocessing::Full).unwrap_err();
        assert!(error.contains("not a picture"), "{error}");
    }
}
