//! Shared by the data tests: a tiny, valid Fashion-MNIST-shaped release written to a folder, which
//! each test then damages in one way.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use atelier::data::idx::{IdxKind, encode, gzip};
use atelier::data::{ExpectedFile, IMAGE_PIXELS, Split};
use sha2::{Digest, Sha256};

/// Images per split in the tiny release.
pub const TRAIN_COUNT: usize = 20;
/// Test images in the tiny release.
pub const TEST_COUNT: usize = 10;

/// The raw (uncompressed) content of the four files, in `official_files()` order.
pub fn raw_release() -> Vec<(String, Vec<u8>)> {
    let split = |count: usize, seed: usize| {
        let pixels: Vec<u8> = (0..count * IMAGE_PIXELS).map(|i| ((i * 31 + seed) % 256) as u8).collect();
        let labels: Vec<u8> = (0..count).map(|i| (i % 10) as u8).collect();
        (encode(IdxKind::Images, count, &pixels), encode(IdxKind::Labels, count, &labels))
    };
    let (train_images, train_labels) = split(TRAIN_COUNT, 1);
    let (test_images, test_labels) = split(TEST_COUNT, 2);
    vec![
        ("train-images-idx3-ubyte".to_string(), train_images),
        ("train-labels-idx1-ubyte".to_string(), train_labels),
        ("t10k-images-idx3-ubyte".to_string(), test_images),
        ("t10k-labels-idx1-ubyte".to_string(), test_labels),
    ]
}

/// The manifest describing [`raw_release`] (as `official_files()` describes the real one).
pub fn manifest() -> Vec<ExpectedFile> {
    raw_release()
        .into_iter()
        .map(|(name, raw)| ExpectedFile {
            split: if name.starts_with("train") { Split::Train } else { Split::Test },
            kind: if name.contains("images") { IdxKind::Images } else { IdxKind::Labels },
            sha256: hex(&Sha256::digest(&raw)),
            decompressed_bytes: raw.len() as u64,
            name,
        })
        .collect()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the tiny release into `dir` as `.gz` files.
pub fn write_release(dir: &Path) {
    for (name, raw) in raw_release() {
        std::fs::write(dir.join(format!("{name}.gz")), gzip(&raw).unwrap()).unwrap();
    }
}
