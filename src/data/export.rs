//! Writing dataset images as PNG files named `<index>_<class>.png`, exactly the dataset's pixels,
//! so they can be dropped on the Predict tab and predict like the dataset images.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use super::sample::write_atomically;
use super::{ClassNames, DataError, Dataset, IMAGE_SIDE};

/// The file name of visible example `i` of `dataset`: `<source index, 5 digits>_<class slug>.png`.
#[must_use]
pub fn png_file_name(dataset: &Dataset, classes: &ClassNames, i: usize) -> String {
    format!("{:05}_{}.png", dataset.source_index(i), classes.slug(usize::from(dataset.label(i))))
}

/// Encodes 28×28 grayscale pixels as PNG bytes.
///
/// # Errors
/// Pixels that are not 784 bytes, or an encoder failure (named after `path`).
pub fn encode_png(pixels: &[u8], path: &Path) -> Result<Vec<u8>, DataError> {
    let side = IMAGE_SIDE as u32;
    let encode_error =
        |reason: String| DataError::Write { path: path.to_path_buf(), source: std::io::Error::other(reason) };
    let image = image::GrayImage::from_raw(side, side, pixels.to_vec())
        .ok_or_else(|| encode_error(format!("{} pixels are not a 28×28 image", pixels.len())))?;
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).map_err(|error| encode_error(error.to_string()))?;
    Ok(bytes.into_inner())
}

/// Writes the first `count` images of `dataset` (fewer if it is smaller) into `out` (created if
/// missing), each through a temporary file and a rename. Returns the paths written.
///
/// # Errors
/// The folder or a file cannot be written.
pub fn export_png(
    dataset: &Dataset,
    classes: &ClassNames,
    count: usize,
    out: &Path,
) -> Result<Vec<PathBuf>, DataError> {
    std::fs::create_dir_all(out).map_err(|source| DataError::Write { path: out.to_path_buf(), source })?;
    let mut written = Vec::new();
    for i in 0..count.min(dataset.len()) {
        let path = out.join(png_file_name(dataset, classes, i));
        let bytes = encode_png(dataset.image(i), &path)?;
        write_atomically(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}
