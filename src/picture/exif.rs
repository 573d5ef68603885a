//! Writing an EXIF orientation tag into JPEG bytes, as a phone camera does: one APP1 segment right
//! after the start-of-image marker, holding a big-endian TIFF header and one IFD entry (0x0112,
//! SHORT). The photo test set uses it to make turned pictures with real tags.

use super::error::PictureError;

/// The JPEG start-of-image marker.
const SOI: [u8; 2] = [0xFF, 0xD8];
/// The APP1 marker, where EXIF lives.
const APP1: [u8; 2] = [0xFF, 0xE1];
/// The EXIF tag of the orientation.
const ORIENTATION_TAG: u16 = 0x0112;
/// The TIFF type SHORT (16-bit unsigned).
const TIFF_SHORT: u16 = 3;
/// The APP1 segment's length field: itself (2), "Exif\0\0" (6), the TIFF header (8), one IFD
/// (2 + 12 + 4).
const SEGMENT_LEN: u16 = 2 + 6 + 8 + 2 + 12 + 4;

/// `jpeg` with an EXIF segment saying the stored pixels are to be shown with `exif_orientation`
/// (1-8, as EXIF numbers them).
///
/// # Errors
/// `jpeg` does not start like a JPEG, or the orientation is outside 1-8.
pub fn jpeg_with_orientation(jpeg: &[u8], exif_orientation: u8) -> Result<Vec<u8>, PictureError> {
    if !jpeg.starts_with(&SOI) {
        return Err(PictureError::NotAnImage);
    }
    if !(1..=8).contains(&exif_orientation) {
        return Err(PictureError::BadOrientation(exif_orientation));
    }
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0\x2A"); // big-endian TIFF
    tiff.extend_from_slice(&8_u32.to_be_bytes()); // the first IFD follows the header
    tiff.extend_from_slice(&1_u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&ORIENTATION_TAG.to_be_bytes());
    tiff.extend_from_slice(&TIFF_SHORT.to_be_bytes());
    tiff.extend_from_slice(&1_u32.to_be_bytes()); // one value
    tiff.extend_from_slice(&u16::from(exif_orientation).to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // the value field is 4 bytes, left-justified
    tiff.extend_from_slice(&0_u32.to_be_bytes()); // no next IFD
    debug_assert_eq!(usize::from(SEGMENT_LEN), 2 + 6 + tiff.len());
    let mut out = Vec::with_capacity(jpeg.len() + usize::from(SEGMENT_LEN) + 2);
    out.extend_from_slice(&SOI);
    out.extend_from_slice(&APP1);
    out.extend_from_slice(&SEGMENT_LEN.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[SOI.len()..]);
    Ok(out)
}
