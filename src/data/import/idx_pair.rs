//! IDX pairs like MNIST, KMNIST and EMNIST: an images file (any picture size) and its labels file
//! per split, named alike (`…-images-idx3-ubyte[.gz]` / `…-labels-idx1-ubyte[.gz]`), with the class
//! names from `classes.txt` or EMNIST's `…-mapping.txt`, else the label numbers.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::picture::gray_to_network_input;
use super::split::{Examples, Gathered};
use super::walk::{self, Entry};
use super::{
    IdxLayout, ImportError, ImportOptions, ImportProgress, ImportStage, LabelBase, class_names,
    read_classes_txt,
};
use crate::data::idx::{self, Hashing, IdxContent, IdxKind, ImageShape};
use crate::data::image_input::GrayImage;
use crate::data::store::{Preprocessing, SourceKind, StoredSplit};
use crate::data::{IMAGE_PIXELS, IMAGE_SIDE, MAX_CLASSES};

/// Images converted between two progress reports.
const CHUNK: usize = 2048;

/// Whether a file name looks like an IDX images file.
fn is_images_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    (name.contains("idx3") || name.contains("images")) && !name.contains("labels")
}

/// Whether the visible files of a folder include an IDX images file.
pub(super) fn looks_like_idx(entries: &[Entry]) -> bool {
    entries.iter().any(|entry| !entry.is_dir && entry.utf8_name().is_some_and(is_images_name))
}

/// Whether `path` is an IDX file (by its magic number, gzip or raw).
pub(super) fn is_idx_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default().to_ascii_lowercase();
    name.contains("idx1") || name.contains("idx3") || name.contains("-ubyte")
}

fn split_of(name: &str) -> StoredSplit {
    let name = name.to_ascii_lowercase();
    if name.contains("t10k") || name.contains("test") {
        StoredSplit::Test
    } else if name.contains("val") {
        StoredSplit::Validation
    } else {
        StoredSplit::Train
    }
}

/// The labels file that goes with an images file (gzip or raw, whichever is there).
fn labels_path(images: &Path) -> PathBuf {
    let name = images.file_name().and_then(|name| name.to_str()).unwrap_or_default();
    let labels = name.replace("images", "labels").replace("idx3", "idx1");
    let other = match labels.strip_suffix(".gz") {
        Some(raw) => raw.to_owned(),
        None => format!("{labels}.gz"),
    };
    let primary = images.with_file_name(labels);
    let alternative = images.with_file_name(other);
    if !primary.is_file() && alternative.is_file() { alternative } else { primary }
}

/// The images files of the source, one per split at most.
fn images_files(source: &Path) -> Result<Vec<(PathBuf, StoredSplit)>, ImportError> {
    let (dir, only_train) = if source.is_dir() {
        (source.to_path_buf(), None)
    } else {
        let name = source.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        let images = if is_images_name(name) {
            source.to_path_buf()
        } else {
            source.with_file_name(name.replace("labels", "images").replace("idx1", "idx3"))
        };
        (source.parent().map(Path::to_path_buf).unwrap_or_default(), Some(images))
    };
    let entries: Vec<Entry> = walk::entries(&dir)?.into_iter().filter_map(Result::ok).collect();
    let mut found: Vec<(PathBuf, StoredSplit)> = Vec::new();
    for entry in entries.iter().filter(|entry| !entry.is_dir && !entry.is_hidden()) {
        let Some(name) = entry.utf8_name().filter(|name| is_images_name(name)) else { continue };
        let split = split_of(name);
        // A file chosen by hand brings only its own test and validation partners.
        if let Some(chosen) = &only_train {
            let chosen_name = chosen.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let partner =
                ["test", "t10k", "val"].iter().any(|other| chosen_name.replace("train", other) == name);
            if entry.path != *chosen && !partner {
                continue;
            }
        }
        found.push((entry.path.clone(), split));
    }
    for split in [StoredSplit::Train, StoredSplit::Test, StoredSplit::Validation] {
        let same: Vec<String> = found
            .iter()
            .filter(|(_, s)| *s == split)
            .map(|(path, _)| path.file_name().unwrap_or_default().to_string_lossy().into_owned())
            .collect();
        if same.len() > 1 {
            return Err(ImportError::IdxAmbiguous { dir, files: same });
        }
    }
    if !found.iter().any(|(_, split)| *split == StoredSplit::Train) {
        let hint = "no IDX training images file (…train-images-idx3-ubyte) was found".to_owned();
        return Err(ImportError::UnknownFormat { path: source.to_path_buf(), hint });
    }
    Ok(found)
}

/// Reads, checks, converts and gathers an IDX data set.
///
/// # Errors
/// A missing labels file, a damaged file, counts that differ, labels outside the classes, too few
/// or too many classes, or a cancel.
pub(super) fn gather(
    source: &Path,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<Gathered, ImportError> {
    let files = images_files(source)?;
    let mut pairs = Vec::new();
    for (images_path, split) in files {
        let labels_path = labels_path(&images_path);
        if !labels_path.is_file() {
            return Err(ImportError::IdxMissingLabels { images_path, expected: labels_path });
        }
        let images = idx::read_file_shaped(&images_path, IdxKind::Images, Hashing::Skip, ImageShape::Any)?;
        let labels = idx::read_file_shaped(&labels_path, IdxKind::Labels, Hashing::Skip, ImageShape::Any)?;
        if images.count != labels.count {
            return Err(ImportError::IdxCountMismatch {
                images_path,
                labels_path,
                images: images.count,
                labels: labels.count,
            });
        }
        let labels = shift_labels(&labels, &labels_path, options.label_base)?;
        pairs.push((split, images, labels, labels_path));
    }
    let dir =
        if source.is_dir() { source.to_path_buf() } else { source.parent().unwrap_or(source).to_path_buf() };
    let names = idx_class_names(&dir, &pairs, options.label_base)?;
    let classes = class_names(source, names)?;
    let total: usize = pairs.iter().map(|(_, images, ..)| images.count).sum();
    let mut done = 0;
    let mut gathered = Gathered {
        kind: SourceKind::Idx,
        classes,
        train: Examples::default(),
        test: None,
        validation: None,
        skipped: Vec::new(),
    };
    for (split, images, labels, _) in pairs {
        let pixels = convert(&images, options, total, &mut done, progress, cancel)?;
        let examples = Examples { pixels, labels };
        match split {
            StoredSplit::Train => gathered.train = examples,
            StoredSplit::Test => gathered.test = Some(examples),
            StoredSplit::Validation => gathered.validation = Some(examples),
        }
    }
    Ok(gathered)
}

/// The labels as 0-based values.
fn shift_labels(labels: &IdxContent, path: &Path, base: LabelBase) -> Result<Vec<u8>, ImportError> {
    match base {
        LabelBase::Zero => Ok(labels.body.to_vec()),
        LabelBase::One => labels
            .body
            .iter()
            .enumerate()
            .map(|(index, &label)| {
                label.checked_sub(1).ok_or_else(|| ImportError::BadLabel {
                    path: path.to_path_buf(),
                    entry: index + 1,
                    label: 0,
                    reason: "but labels were declared 1-based".into(),
                })
            })
            .collect(),
    }
}

/// `classes.txt`, else EMNIST's mapping file, else the numbers `0`…`max label`.
fn idx_class_names(
    dir: &Path,
    pairs: &[(StoredSplit, IdxContent, Vec<u8>, PathBuf)],
    base: LabelBase,
) -> Result<Vec<String>, ImportError> {
    let max_label = pairs.iter().flat_map(|(_, _, labels, _)| labels.iter().copied()).max().unwrap_or(0);
    let classes_txt = dir.join("classes.txt");
    let (names, origin) = if classes_txt.is_file() {
        (read_classes_txt(&classes_txt)?, classes_txt.display().to_string())
    } else if let Some(names) = emnist_mapping(dir, base) {
        (names, "the mapping file".to_owned())
    } else {
        ((0..=usize::from(max_label)).map(|label| label.to_string()).collect(), "the labels".to_owned())
    };
    if names.len() > MAX_CLASSES {
        return Err(ImportError::TooManyClasses { path: dir.to_path_buf(), count: names.len() });
    }
    for (_, _, labels, path) in pairs {
        if let Some(index) = labels.iter().position(|&label| usize::from(label) >= names.len()) {
            let reason = format!("but {origin} names {} classes", names.len());
            let label = usize::from(labels[index]) + usize::from(base == LabelBase::One);
            return Err(ImportError::BadLabel { path: path.clone(), entry: index + 1, label, reason });
        }
    }
    Ok(names)
}

/// EMNIST's `…-mapping.txt` (`<label> <character code>…` per line) as class names, if there is one.
fn emnist_mapping(dir: &Path, base: LabelBase) -> Option<Vec<String>> {
    let entries = walk::entries(dir).ok()?;
    let path = entries.into_iter().filter_map(Result::ok).find(|entry| {
        entry.utf8_name().is_some_and(|name| name.to_ascii_lowercase().ends_with("mapping.txt"))
    })?;
    let text = std::fs::read_to_string(&path.path).ok()?;
    let mut names = Vec::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let mut fields = line.split_whitespace().map(str::parse::<u32>);
        let label = usize::try_from(fields.next()?.ok()?).ok()?;
        let name: String = fields.filter_map(|code| char::from_u32(code.ok()?)).collect();
        let label = if base == LabelBase::One { label.checked_sub(1)? } else { label };
        if label != names.len() {
            return None;
        }
        names.push(name);
    }
    Some(names)
}

/// Every image of `images` as a 28×28 input, in parallel, a chunk at a time.
fn convert(
    images: &IdxContent,
    options: &ImportOptions,
    total: usize,
    done: &mut usize,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<Vec<u8>, ImportError> {
    let (rows, cols) = (images.rows, images.cols);
    let side = rows * cols;
    let mut pixels = vec![0_u8; images.count * IMAGE_PIXELS];
    for (out, source) in pixels.chunks_mut(CHUNK * IMAGE_PIXELS).zip(images.body.chunks(CHUNK * side)) {
        if cancel.load(Ordering::Relaxed) {
            return Err(ImportError::Cancelled);
        }
        out.par_chunks_mut(IMAGE_PIXELS).zip(source.par_chunks(side)).for_each(|(out, image)| {
            out.copy_from_slice(&one_image(image, rows, cols, options));
        });
        *done += out.len() / IMAGE_PIXELS;
        progress(ImportProgress { stage: ImportStage::Decoding, done: *done, total, current: None });
    }
    Ok(pixels)
}

fn one_image(image: &[u8], rows: usize, cols: usize, options: &ImportOptions) -> [u8; IMAGE_PIXELS] {
    let (width, height, pixels) = match options.idx_layout {
        IdxLayout::RowMajor => (cols, rows, image.to_vec()),
        // EMNIST stores each picture transposed (column by column).
        IdxLayout::Transposed => {
            let mut turned = vec![0_u8; image.len()];
            for y in 0..rows {
                for x in 0..cols {
                    turned[x * rows + y] = image[y * cols + x];
                }
            }
            (rows, cols, turned)
        }
    };
    if width == IMAGE_SIDE && height == IMAGE_SIDE && options.preprocessing == Preprocessing::ResizeOnly {
        let mut input = [0_u8; IMAGE_PIXELS];
        input.copy_from_slice(&pixels);
        return input;
    }
    let gray =
        GrayImage::new(width, height, pixels).unwrap_or_else(|| unreachable!("sizes come from the header"));
    gray_to_network_input(&gray, options.preprocessing)
}
