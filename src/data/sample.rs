//! The bundled sample: a small stratified real subset of Fashion-MNIST, built into the program so an
//! installed app and every test always has real data, and the `make-sample` code that regenerates it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::idx::{self, Hashing, IdxKind};
use super::load::{LoadedData, pair};
use super::release::{ChecksumStatus, official_files};
use super::source::{DataSource, Looked};
use super::{DataError, Dataset, IMAGE_PIXELS, Split};

/// Training images per class in the sample (1,000 in all).
pub const SAMPLE_TRAIN_PER_CLASS: usize = 100;
/// Test images per class in the sample (500 in all).
pub const SAMPLE_TEST_PER_CLASS: usize = 50;

const TRAIN_IMAGES: &[u8] = include_bytes!("../../data/sample/train-images-idx3-ubyte.gz");
const TRAIN_LABELS: &[u8] = include_bytes!("../../data/sample/train-labels-idx1-ubyte.gz");
const TEST_IMAGES: &[u8] = include_bytes!("../../data/sample/t10k-images-idx3-ubyte.gz");
const TEST_LABELS: &[u8] = include_bytes!("../../data/sample/t10k-labels-idx1-ubyte.gz");

/// Loads the bundled sample (no search; what tests and the first run use).
///
/// # Errors
/// Only if the program was built with a damaged sample ([`DataError::BrokenSample`]).
pub fn load_sample() -> Result<LoadedData, DataError> {
    load_sample_with_search(Vec::new())
}

/// Loads the bundled sample, recording the folders searched before falling back to it.
pub(crate) fn load_sample_with_search(looked: Vec<Looked>) -> Result<LoadedData, DataError> {
    let started = Instant::now();
    let split = |images: &[u8], labels: &[u8], split: Split| -> Result<Dataset, DataError> {
        let prefix = if split == Split::Train { "train" } else { "t10k" };
        let images_path = PathBuf::from(format!("bundled sample/{prefix}-images-idx3-ubyte.gz"));
        let labels_path = PathBuf::from(format!("bundled sample/{prefix}-labels-idx1-ubyte.gz"));
        let images = idx::parse(images, &images_path, IdxKind::Images, Hashing::Skip)?;
        let labels = idx::parse(labels, &labels_path, IdxKind::Labels, Hashing::Skip)?;
        pair(&images, &labels, &labels_path)
    };
    let broken = |error| DataError::BrokenSample(Box::new(error));
    let train = split(TRAIN_IMAGES, TRAIN_LABELS, Split::Train).map_err(broken)?;
    let test = split(TEST_IMAGES, TEST_LABELS, Split::Test).map_err(broken)?;
    let source = DataSource::Sample { train_images: train.len(), test_images: test.len(), looked };
    let mut data = LoadedData::fashion_mnist(train, test, source, ChecksumStatus::BundledSample);
    data.load_secs = started.elapsed().as_secs_f64();
    Ok(data)
}

/// The positions of the first `per_class` examples of each class, in split order.
#[must_use]
pub fn stratified_positions(dataset: &Dataset, per_class: usize) -> Vec<usize> {
    let mut taken = vec![0_usize; dataset.label_span()];
    let mut positions = Vec::with_capacity(per_class * taken.len());
    for i in 0..dataset.len() {
        let class = usize::from(dataset.label(i));
        if taken[class] < per_class {
            taken[class] += 1;
            positions.push(i);
        }
    }
    positions
}

/// What `make_sample` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSummary {
    /// The four files written, with their sizes in bytes.
    pub files: Vec<(PathBuf, u64)>,
    /// Training images in the sample.
    pub train_images: usize,
    /// Test images in the sample.
    pub test_images: usize,
}

/// Writes a stratified sample of `full` (the first `train_per_class` and `test_per_class` images of
/// each class) to `out` as the four IDX `.gz` files, each through a temporary file and a rename.
///
/// The output is byte-for-byte reproducible (gzip without timestamps).
///
/// # Errors
/// The folder or a file cannot be written.
pub fn make_sample(
    full: &LoadedData,
    out: &Path,
    train_per_class: usize,
    test_per_class: usize,
) -> Result<SampleSummary, DataError> {
    std::fs::create_dir_all(out).map_err(|source| DataError::Write { path: out.to_path_buf(), source })?;
    let mut files = Vec::new();
    let mut counts = [0; 2];
    for (split, per_class) in [(Split::Train, train_per_class), (Split::Test, test_per_class)] {
        let dataset = full.split(split);
        let subset = dataset.select(&stratified_positions(dataset, per_class));
        counts[usize::from(split == Split::Test)] = subset.len();
        let mut pixels = Vec::with_capacity(subset.len() * IMAGE_PIXELS);
        let mut labels = Vec::with_capacity(subset.len());
        for i in 0..subset.len() {
            pixels.extend_from_slice(subset.image(i));
            labels.push(subset.label(i));
        }
        for file in official_files().iter().filter(|file| file.split == split) {
            let body = if file.kind == IdxKind::Images { &pixels } else { &labels };
            let path = out.join(file.gz_name());
            let bytes = idx::gzip(&idx::encode(file.kind, subset.len(), body))
                .map_err(|source| DataError::Write { path: path.clone(), source })?;
            write_atomically(&path, &bytes)?;
            files.push((path, bytes.len() as u64));
        }
    }
    Ok(SampleSummary { files, train_images: counts[0], test_images: counts[1] })
}

/// Writes `bytes` to a temporary file beside `path`, then renames it, so `path` is never half-written.
///
/// # Errors
/// The temporary file cannot be written or renamed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DataError> {
    let file_name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = path.with_file_name(format!(".{file_name}.part-{}", std::process::id()));
    let result = std::fs::write(&temp, bytes).and_then(|()| std::fs::rename(&temp, path));
    result.map_err(|source| {
        let _ = std::fs::remove_file(&temp);
        DataError::Write { path: path.to_path_buf(), source }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_sample_is_stratified_and_marked_as_a_sample() {
        let sample = load_sample().unwrap();
        assert_eq!(sample.train.class_counts(10), [SAMPLE_TRAIN_PER_CLASS; 10]);
        assert_eq!(sample.test.class_counts(10), [SAMPLE_TEST_PER_CLASS; 10]);
        assert!(sample.source.is_sample());
        assert_eq!(sample.checksums, ChecksumStatus::BundledSample);
        // Real images: a dark background and a lit object.
        let image = sample.test.image(0);
        assert_eq!(image[0], 0);
        assert!(image.iter().any(|&pixel| pixel > 200));
    }
}
