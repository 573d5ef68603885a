//! An upright picture → the 28×28 network input, every step kept so the app can show (and switch)
//! it: grayscale → background (a model fitted to the border, or one level) → contrast → straighten
//! → crop to the object → pad to square → resize to 28×28.
//!
//! A picture that is already 28×28 and light-on-dark comes through unchanged, so PNGs written by
//! `atelier data export-png` predict exactly like the data set images they came from.

use std::path::Path;

use image::DynamicImage;

use super::background::BackgroundModel;
use super::decode::{DecodedPicture, decode, from_image};
use super::error::PictureError;
use super::geometry::{
    Histogram, border_stats, crop, inverted, is_nearly_uniform, object_bounds, pad_square,
};
use super::options::{BackgroundMode, PrepOptions, Switch};
use super::pixels::{GrayPixels, RgbPixels};
use super::resample::resize;
use super::steps::{Background, Concern, PrepStep, PreparedInput, StepKind, StepState};
use super::straighten::{self, MAX_TILT_DEGREES, Tilt};
use super::{INPUT_PIXELS, INPUT_SIDE};

/// Reads and prepares the picture in `path` (EXIF orientation applied).
///
/// # Errors
/// The file cannot be read or decoded; the error names the file.
pub fn prepare_file(path: &Path, options: &PrepOptions) -> Result<PreparedInput, PictureError> {
    let bytes =
        std::fs::read(path).map_err(|source| PictureError::Read { path: path.to_path_buf(), source })?;
    let decoded = decode(&bytes)
        .map_err(|error| PictureError::InFile { path: path.to_path_buf(), error: Box::new(error) })?;
    Ok(prepare_decoded(&decoded, options))
}

/// Prepares an upright image (from [`super::decode_upright`]) as the network input: what data set
/// import calls, with [`PrepOptions::ONLY_RESIZE`] for pictures that are already centred.
#[must_use]
pub fn prepare(image: &DynamicImage, options: &PrepOptions) -> PreparedInput {
    prepare_decoded(&from_image(image), options)
}

/// Prepares a decoded picture (from [`decode`]); its grayscale step says when it was turned upright.
#[must_use]
pub fn prepare_decoded(decoded: &DecodedPicture, options: &PrepOptions) -> PreparedInput {
    prepare_rgb(&decoded.working, decoded.exif_orientation, options)
}

/// Prepares a grayscale picture (one already read into pixels).
#[must_use]
pub fn prepare_gray(gray: &GrayPixels, options: &PrepOptions) -> PreparedInput {
    let pixels = gray.pixels.iter().flat_map(|&v| [v, v, v]).collect();
    prepare_rgb(&RgbPixels { width: gray.width, height: gray.height, pixels }, 1, options)
}

/// The steps after decoding, on an upright colour picture.
fn prepare_rgb(rgb: &RgbPixels, exif_orientation: u8, options: &PrepOptions) -> PreparedInput {
    let gray = rgb.to_gray();
    let turned = match exif_orientation {
        2..=8 => format!(", upright (EXIF orientation {exif_orientation})"),
        _ => String::new(),
    };
    let mut steps = vec![PrepStep {
        kind: StepKind::Grayscale,
        state: StepState::Applied(format!("{}×{}{turned}", gray.width, gray.height)),
        image: gray.clone(),
    }];
    let background = if border_stats(&gray).median > 127 { Background::Light } else { Background::Dark };
    let already_input = gray.width == INPUT_SIDE && gray.height == INPUT_SIDE;
    let skip_28 = || StepState::Skipped(ALREADY_INPUT.into());
    let mut concerns = Vec::new();

    let (image, state) = background_step(rgb, &gray, background, already_input, options.background);
    steps.push(PrepStep { kind: StepKind::Background, state, image: image.clone() });
    let border = border_stats(&image);
    if border.corner_clutter > 0.4 {
        concerns.push(Concern::BusyBackground);
    }
    let level = border.median;

    let (image, state) = match (options.contrast, already_input) {
        (Switch::Off, _) => (image, StepState::Off),
        (Switch::On, true) => (image, skip_28()),
        (Switch::On, false) => stretch(image, border.upper_quartile),
    };
    steps.push(PrepStep { kind: StepKind::Contrast, state, image: image.clone() });
    // After stretching, the background sits at (or near) 0.
    let level =
        if steps.last().is_some_and(|s| matches!(s.state, StepState::Applied(_))) { 0 } else { level };
    let threshold = object_threshold(&image, level);

    let (image, state) = straighten_step(image, options.straighten, already_input, level, threshold);
    steps.push(PrepStep { kind: StepKind::Straighten, state, image: image.clone() });

    let (image, state) = crop_step(image, options.crop, already_input, threshold);
    if matches!(&state, StepState::Skipped(why) if why == NO_OBJECT) {
        concerns.push(Concern::NoObject);
    }
    steps.push(PrepStep { kind: StepKind::Crop, state, image: image.clone() });

    let (image, state) = match (options.pad, already_input) {
        (Switch::Off, _) => (image, StepState::Off),
        (Switch::On, true) => (image, skip_28()),
        (Switch::On, false) if image.width == image.height => {
            (image, StepState::Skipped("already square".into()))
        }
        (Switch::On, false) => {
            let padded = pad_square(&image, level);
            let note = format!("{0}×{0}", padded.width);
            (padded, StepState::Applied(note))
        }
    };
    steps.push(PrepStep { kind: StepKind::PadSquare, state, image: image.clone() });

    let (input, state) = if image.width == INPUT_SIDE && image.height == INPUT_SIDE {
        (image, skip_28())
    } else {
        let note = format!("from {}×{}", image.width, image.height);
        (resize(&image, INPUT_SIDE, INPUT_SIDE), StepState::Applied(note))
    };
    debug_assert_eq!(input.pixels.len(), INPUT_PIXELS);
    steps.push(PrepStep { kind: StepKind::Resize, state, image: input.clone() });
    if is_nearly_uniform(&input) {
        concerns.push(Concern::NearlyUniform);
    }
    PreparedInput { steps, background, concerns, input }
}

/// Why the crop step found nothing (also raises [`Concern::NoObject`]).
const NO_OBJECT: &str = "no object found";

/// The straighten step on a light-on-dark image whose background sits at `level`.
fn straighten_step(
    image: GrayPixels,
    switch: Switch,
    already_input: bool,
    level: u8,
    threshold: u8,
) -> (GrayPixels, StepState) {
    match (switch, already_input) {
        (Switch::Off, _) => (image, StepState::Off),
        (Switch::On, true) => (image, StepState::Skipped(ALREADY_INPUT.into())),
        (Switch::On, false) if level > 127 => {
            (image, StepState::Skipped("the background is light; straightening needs it dark".into()))
        }
        (Switch::On, false) => match straighten::measure(&image, threshold) {
            Tilt::Turned(tilt) => {
                let note = format!(
                    "turned {:.1}° {}",
                    tilt.abs(),
                    if tilt > 0.0 { "back left" } else { "back right" }
                );
                (straighten::rotate(&image, -tilt), StepState::Applied(note))
            }
            Tilt::Straight => (image, StepState::Skipped("already straight".into())),
            Tilt::NoAxis => (image, StepState::Skipped("no clear long axis".into())),
            Tilt::TooSteep(tilt) => {
                let note = format!("tilted {:.0}°, over {MAX_TILT_DEGREES:.0}°: left as it is", tilt.abs());
                (image, StepState::Skipped(note))
            }
        },
    }
}

/// The crop step: the box around pixels above `threshold`.
fn crop_step(
    image: GrayPixels,
    switch: Switch,
    already_input: bool,
    threshold: u8,
) -> (GrayPixels, StepState) {
    match (switch, already_input) {
        (Switch::Off, _) => (image, StepState::Off),
        (Switch::On, true) => (image, StepState::Skipped(ALREADY_INPUT.into())),
        (Switch::On, false) => match object_bounds(&image, threshold) {
            Some(bounds) if bounds.is_whole(&image) => {
                (image, StepState::Skipped("the object fills the picture".into()))
            }
            Some(bounds) => {
                let cropped = crop(&image, bounds);
                let note = format!("{}×{} object", cropped.width, cropped.height);
                (cropped, StepState::Applied(note))
            }
            None => (image, StepState::Skipped(NO_OBJECT.into())),
        },
    }
}

/// The background step: the object map from a fitted background, or the gray picture inverted or
/// kept. A 28×28 picture is taken as a network input already: only inverted when light.
fn background_step(
    rgb: &RgbPixels,
    gray: &GrayPixels,
    background: Background,
    already_input: bool,
    mode: BackgroundMode,
) -> (GrayPixels, StepState) {
    let light = background == Background::Light;
    match mode {
        BackgroundMode::Model if !already_input => {
            let model = BackgroundModel::fit(rgb);
            let mut note = format!(
                "fitted to the border: {}",
                if model.is_light() { "light, object taken out" } else { "dark" }
            );
            if model.luminance_range >= 16.0 {
                note.push_str(&format!(", shading of {:.0} levels evened out", model.luminance_range));
            }
            (model.object_map(rgb), StepState::Applied(note))
        }
        BackgroundMode::Model | BackgroundMode::InvertIfLight if light => {
            (inverted(gray), StepState::Applied("inverted: light background".into()))
        }
        BackgroundMode::Model | BackgroundMode::InvertIfLight => {
            (gray.clone(), StepState::Skipped("dark background, like the training data".into()))
        }
        BackgroundMode::Invert => (inverted(gray), StepState::Applied("inverted".into())),
        BackgroundMode::Keep => (gray.clone(), StepState::Off),
    }
}

/// Why steps skip a 28×28 picture.
const ALREADY_INPUT: &str = "already 28×28";

/// Object pixels are at least this far above the background level.
const MIN_OBJECT_STEP: u8 = 12;

/// Maps the levels from `low` (the background, with its noise) to the object's own high level
/// (its 99.5th percentile) onto 0..=255, the range of the training pictures.
fn stretch(image: GrayPixels, low: u8) -> (GrayPixels, StepState) {
    let floor = low.saturating_add(MIN_OBJECT_STEP);
    if !image.pixels.iter().any(|&v| v > floor) {
        return (image, StepState::Skipped("no object to stretch".into()));
    }
    let high = Histogram::of(image.pixels.iter().copied().filter(|&v| v > floor)).percentile(0.995);
    if low == 0 && high == 255 {
        return (image, StepState::Skipped("already the full range".into()));
    }
    let scale = 255.0 / f32::from(high - low);
    let pixels = image
        .pixels
        .iter()
        .map(|&v| (f32::from(v.saturating_sub(low)) * scale).round().min(255.0) as u8)
        .collect();
    let note = format!("levels {low}–{high} stretched to 0–255");
    (GrayPixels { pixels, ..image }, StepState::Applied(note))
}

/// The level above which a pixel belongs to the object: a tenth of the way from the background to
/// the object's high level (its 99.5th percentile), at least [`MIN_OBJECT_STEP`] and at most 40 levels above the background.
fn object_threshold(image: &GrayPixels, level: u8) -> u8 {
    let floor = level.saturating_add(MIN_OBJECT_STEP);
    let object = image.pixels.iter().copied().filter(|&v| v > floor);
    let high =
        if image.pixels.iter().any(|&v| v > floor) { Histogram::of(object).percentile(0.995) } else { level };
    let step = (f32::from(high.saturating_sub(level)) * 0.1).round().clamp(f32::from(MIN_OBJECT_STEP), 40.0);
    level.saturating_add(step as u8)
}

#[cfg(test)]
#[path = "prepare_tests.rs"]
mod tests;
