//! Decoding many picture files in parallel (rayon), a chunk at a time so progress reaches the
//! caller's thread and a cancel takes effect within one chunk.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::picture::to_network_input;
use super::{ImportError, ImportProgress, ImportStage};
use crate::data::IMAGE_PIXELS;
use crate::data::store::{Preprocessing, StoredSplit};

/// Files larger than this are refused unread (no picture a classifier needs is near it).
pub const MAX_PICTURE_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// Pictures decoded between two progress reports.
const CHUNK: usize = 64;

/// One picture to decode, and where it goes.
#[derive(Debug, Clone)]
pub(super) struct PictureJob {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes, from the listing.
    pub size: u64,
    /// Its class's label.
    pub label: u8,
    /// The split it belongs to.
    pub split: StoredSplit,
    /// Index of its class folder in the scan (to find class folders with no readable picture).
    pub folder: usize,
}

/// Decodes every job, in order: the 28×28 input, or why the picture was left out.
///
/// # Errors
/// [`ImportError::Cancelled`] when `cancel` is set.
pub(super) fn decode_all(
    jobs: &[PictureJob],
    preprocessing: Preprocessing,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<Vec<Result<[u8; IMAGE_PIXELS], String>>, ImportError> {
    let mut results = Vec::with_capacity(jobs.len());
    for chunk in jobs.chunks(CHUNK) {
        if cancel.load(Ordering::Relaxed) {
            return Err(ImportError::Cancelled);
        }
        let decoded: Vec<Result<[u8; IMAGE_PIXELS], String>> = chunk
            .par_iter()
            .map(|job| {
                if cancel.load(Ordering::Relaxed) {
                    return Err(String::new());
                }
                decode_one(job, preprocessing)
            })
            .collect();
        results.extend(decoded);
        progress(ImportProgress {
            stage: ImportStage::Decoding,
            done: results.len(),
            total: jobs.len(),
            current: chunk.last().map(|job| job.path.clone()),
        });
    }
    if cancel.load(Ordering::Relaxed) {
        return Err(ImportError::Cancelled);
    }
    Ok(results)
}

fn decode_one(job: &PictureJob, preprocessing: Preprocessing) -> Result<[u8; IMAGE_PIXELS], String> {
    if job.size > MAX_PICTURE_FILE_BYTES {
        return Err(format!("the file is larger than {} MB", MAX_PICTURE_FILE_BYTES >> 20));
    }
    let bytes = std::fs::read(&job.path).map_err(|error| format!("cannot read it: {error}"))?;
    to_network_input(&bytes, preprocessing)
}
