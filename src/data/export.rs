//! Writing dataset images as PNG files, exactly the dataset's pixels: named `<index>_<class>.png`
//! (to drop on the Predict tab), or as class folders `<class>/<index>.png` that import back as the
//! same data set.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

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

/// A class name as a folder name: characters that file systems refuse (`/ \\ : * ? " < > |`,
/// control characters) become `_`, and a name of dots becomes `_` too. The importer matches a
/// folder to a `classes.txt` line through the same function.
#[must_use]
pub fn class_folder_name(name: &str) -> String {
    let safe: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if safe.is_empty() || safe.chars().all(|c| c == '.') { "_".to_owned() } else { safe }
}

/// Writes the first `count` images of `dataset` (all when `None`) as `out/<class folder>/<index,
/// 5 digits>.png`, in parallel, each through a temporary file; only classes with pictures get a
/// folder. Returns how many pictures each label got: [`write_classes_txt`] then names the classes
/// that have a folder, so importing `out` gives back the same pictures, labels and names.
///
/// # Errors
/// A folder or file cannot be written.
pub fn export_class_folders(
    dataset: &Dataset,
    classes: &ClassNames,
    count: Option<usize>,
    out: &Path,
) -> Result<Vec<usize>, DataError> {
    let count = count.unwrap_or(usize::MAX).min(dataset.len());
    let mut per_label = vec![0_usize; classes.len()];
    for i in 0..count {
        let label = usize::from(dataset.label(i));
        let Some(slot) = per_label.get_mut(label) else {
            let reason = format!("label {label} has no class name ({} classes)", classes.len());
            return Err(DataError::Write { path: out.to_path_buf(), source: std::io::Error::other(reason) });
        };
        *slot += 1;
    }
    let folders: Vec<PathBuf> =
        (0..classes.len()).map(|label| out.join(class_folder_name(&classes.name(label)))).collect();
    for (folder, _) in folders.iter().zip(&per_label).filter(|(_, pictures)| **pictures > 0) {
        std::fs::create_dir_all(folder)
            .map_err(|source| DataError::Write { path: folder.clone(), source })?;
    }
    (0..count).into_par_iter().try_for_each(|i| {
        let path = folders[usize::from(dataset.label(i))].join(format!("{:05}.png", dataset.source_index(i)));
        write_atomically(&path, &encode_png(dataset.image(i), &path)?)
    })?;
    Ok(per_label)
}

/// Writes `out/classes.txt`: the names of the classes that have pictures (`pictures[label] > 0`),
/// one per line, in label order.
///
/// # Errors
/// The file cannot be written.
pub fn write_classes_txt(classes: &ClassNames, pictures: &[usize], out: &Path) -> Result<(), DataError> {
    std::fs::create_dir_all(out).map_err(|source| DataError::Write { path: out.to_path_buf(), source })?;
    let mut text = String::new();
    for (label, name) in classes.iter() {
        if pictures.get(label).is_some_and(|&count| count > 0) {
            text.push_str(name);
            text.push('\n');
        }
    }
    write_atomically(&out.join("classes.txt"), text.as_bytes())
}
