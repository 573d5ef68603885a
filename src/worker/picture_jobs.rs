//! Predicting pictures on the worker: folders expanded, each picture decoded, prepared and (with a
//! model) predicted, the outcomes handed out in batches as they are done so that a big folder shows
//! "n of N" and its rows appear while it runs, and a Cancel between two pictures stops it.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use image::ExtendedColorType;
use image::ImageEncoder as _;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};

use super::model_jobs::CurrentModel;
use super::payloads::{PictureContent, PictureOutcome, PictureResult, PredictRequest};
use crate::picture::{self, PICTURE_EXTENSIONS, PrepOptions};

/// A dropped folder contributes at most this many pictures.
const MAX_PICTURES_PER_FOLDER: usize = 2000;
/// Finished outcomes are handed out at most this often (each hand-out is an event and a frame).
const PROGRESS_INTERVAL: Duration = Duration::from_millis(150);

/// Outcomes finished since the last report, with the count done so far and the count in all.
pub(super) struct PicturesDone {
    /// The new outcomes, in the request's order.
    pub(super) outcomes: Vec<PictureOutcome>,
    /// Pictures done so far, these included.
    pub(super) done: usize,
    /// Pictures in the request, folders expanded.
    pub(super) total: usize,
}

/// How a prediction job ended.
pub(super) enum PredictEnd {
    /// Every picture was done; these are the outcomes not yet reported.
    Finished(Vec<PictureOutcome>),
    /// The user cancelled; the outcomes reported so far stand, the rest were not attempted.
    Cancelled,
}

/// Prepares every picture named in `request` (folders expanded), then the in-memory ones, and
/// predicts each when there is a model. One failed picture never stops the others; `cancel` is
/// looked at between pictures, and `report` gets the finished outcomes every [`PROGRESS_INTERVAL`].
pub(super) fn predict(
    model: Option<&CurrentModel>,
    request: &PredictRequest,
    cancel: &AtomicBool,
    report: &mut dyn FnMut(PicturesDone),
) -> PredictEnd {
    let files = expand_folders(&request.paths);
    let total = files.len() + request.in_memory.len();
    let files = files.into_iter().map(|path| {
        let result = std::fs::read(&path)
            .map_err(|error| format!("cannot read the file: {error}"))
            .and_then(|bytes| predict_bytes(model, &bytes, &request.options));
        PictureOutcome { path, result }
    });
    let in_memory = request.in_memory.iter().map(|picture| {
        let result =
            encoded(&picture.content).and_then(|bytes| predict_bytes(model, &bytes, &request.options));
        PictureOutcome { path: picture.name.clone(), result }
    });
    let mut pending = Vec::new();
    let mut done = 0;
    let mut last_report = Instant::now();
    for outcome in files.chain(in_memory) {
        pending.push(outcome);
        done += 1;
        if cancel.load(Ordering::SeqCst) {
            report(PicturesDone { outcomes: pending, done, total });
            return PredictEnd::Cancelled;
        }
        if done < total && last_report.elapsed() >= PROGRESS_INTERVAL {
            report(PicturesDone { outcomes: std::mem::take(&mut pending), done, total });
            last_report = Instant::now();
        }
    }
    PredictEnd::Finished(pending)
}

/// The picture as file bytes: raw pixels are wrapped in a PNG so they go through the very same
/// decoding (limits included) as a file.
fn encoded(content: &PictureContent) -> Result<Cow<'_, [u8]>, String> {
    let (width, height, pixels, color) = match content {
        PictureContent::Encoded(bytes) => return Ok(Cow::Borrowed(bytes)),
        PictureContent::Rgba { width, height, pixels } => (*width, *height, pixels, ExtendedColorType::Rgba8),
        PictureContent::Gray { width, height, pixels } => (*width, *height, pixels, ExtendedColorType::L8),
    };
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::NoFilter)
        .write_image(pixels, width, height, color)
        .map_err(|error| format!("the pixels do not form a {width}×{height} picture: {error}"))?;
    Ok(Cow::Owned(png))
}

/// File bytes to a prepared input and, with a model, its prediction and first-layer maps.
fn predict_bytes(
    model: Option<&CurrentModel>,
    bytes: &[u8],
    options: &PrepOptions,
) -> Result<PictureResult, String> {
    let decoded = picture::decode(bytes).map_err(|error| error.to_string())?;
    let prepared = picture::prepare_decoded(&decoded, options);
    let (prediction, first_conv) = match model {
        Some(model) => {
            let input = &prepared.input.pixels;
            let prediction = model
                .predictor
                .predict_pixels(&[input])
                .map_err(|error| error.to_string())?
                .into_iter()
                .next();
            let first_conv = model.predictor.first_conv(input).map_err(|error| error.to_string())?;
            (prediction, first_conv)
        }
        None => (None, None),
    };
    Ok(PictureResult {
        original_size: (decoded.original_width, decoded.original_height),
        preview: decoded.preview,
        prepared,
        prediction,
        first_conv,
    })
}

/// Files stay; a folder becomes its pictures (by extension, sorted, not recursive, capped).
fn expand_folders(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let Ok(entries) = std::fs::read_dir(path) else {
            // Unreadable folders fail as a file would, with the reason in their row.
            files.push(path.clone());
            continue;
        };
        let mut pictures: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|file| {
                file.is_file()
                    && file.extension().and_then(|ext| ext.to_str()).is_some_and(|ext| {
                        PICTURE_EXTENSIONS.iter().any(|known| ext.eq_ignore_ascii_case(known))
                    })
            })
            .collect();
        pictures.sort();
        pictures.truncate(MAX_PICTURES_PER_FOLDER);
        files.extend(pictures);
    }
    files
}
