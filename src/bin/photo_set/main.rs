//! The photo test set: pictures made from Fashion-MNIST test images the way phones and shops make
//! them, and the top-1 accuracy of a model on each kind.
//!
//! `photo_set generate [--out DIR] [--seeds 1,2,3] [--per-kind 200] [--camera-per-kind 40]` writes
//! `DIR/<kind>/s<seed>-<n>-l<label>.<ext>` (default `target/photo-set`), the same files on every
//! machine for the same arguments. Kinds: `plain` (dark garment on a light page, off-centre,
//! 400-900 px, PNG or JPEG), `camera` (the same at 2,400-4,000 px, JPEG), `exif-turned` (stored
//! turned, with a real EXIF orientation tag 2-8), `colour` (a coloured garment on a tinted wall),
//! `tilted-shadow` (tilted 3-12° under a light gradient).
//!
//! `photo_set score MODEL [--set DIR] [--legacy]` prints the top-1 per kind and the model's
//! accuracy on the plain 28×28 test images. `--legacy` prepares pictures as before issue 17 (EXIF
//! ignored, one background level, no contrast stretch, no straightening) for comparison.

mod render;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use atelier::picture::{self, BackgroundMode, PrepOptions, Switch};
use image::ImageFormat;
use rayon::prelude::*;
use render::{Rng, Scene, encode, hsv, turned_jpeg};

/// The kinds of picture, in the order they are reported.
const KINDS: [&str; 5] = ["plain", "camera", "exif-turned", "colour", "tilted-shadow"];

fn main() -> anyhow::Result<()> {
    // SAFETY: first thing in `main`: no other thread exists yet.
    unsafe { atelier::ops::init_process() };
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let set =
        PathBuf::from(value("--set").or_else(|| value("--out")).unwrap_or_else(|| "target/photo-set".into()));
    match args.get(1).map(String::as_str) {
        Some("generate") => {
            let seeds: Vec<u64> = value("--seeds")
                .unwrap_or_else(|| "1,2,3".into())
                .split(',')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .context("--seeds takes numbers separated by commas")?;
            let per_kind = value("--per-kind").map_or(Ok(200), |s| s.parse()).context("--per-kind")?;
            let camera =
                value("--camera-per-kind").map_or(Ok(40), |s| s.parse()).context("--camera-per-kind")?;
            generate(&set, &seeds, per_kind, camera)
        }
        Some("score") => {
            let model = args.get(2).filter(|a| !a.starts_with("--")).context("score needs a model file")?;
            score(Path::new(model), &set, args.iter().any(|a| a == "--legacy"))
        }
        _ => anyhow::bail!(
            "usage: photo_set generate [--out DIR] … | photo_set score MODEL [--set DIR] [--legacy]"
        ),
    }
}

/// Writes the set; the test images are chosen per seed, so seeds give different garments.
fn generate(set: &Path, seeds: &[u64], per_kind: usize, camera_per_kind: usize) -> anyhow::Result<()> {
    let data = atelier::data::load(None)?;
    let test = &data.test;
    for (kind_index, kind) in KINDS.iter().enumerate() {
        let dir = set.join(kind);
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let count = if *kind == "camera" { camera_per_kind } else { per_kind };
        let started = Instant::now();
        let jobs: Vec<(u64, usize)> =
            seeds.iter().flat_map(|&seed| (0..count).map(move |n| (seed, n))).collect();
        jobs.par_iter().try_for_each(|&(seed, n)| -> anyhow::Result<()> {
            let mut rng = Rng::new(seed, kind_index as u64, n as u64);
            let index = rng.below(test.len());
            let label = test.label(index);
            let (bytes, extension) = make(kind, test.image(index), &mut rng, n)?;
            let path = dir.join(format!("s{seed}-{n:04}-l{label}.{extension}"));
            atelier::files::write_atomically(&path, &bytes)
                .with_context(|| format!("cannot write {}", path.display()))
        })?;
        println!("{kind}: {} pictures in {:.1} s", jobs.len(), started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// One picture of `kind` from a 28×28 test image: its bytes and file extension.
fn make(kind: &str, garment: &[u8], rng: &mut Rng, n: usize) -> anyhow::Result<(Vec<u8>, &'static str)> {
    let landscape = rng.below(2) == 0;
    let size = |rng: &mut Rng, low: f64, high: f64| {
        let long = rng.uniform(low, high);
        let (long, short) = (long as u32, (long * 0.75) as u32);
        if landscape { (long, short) } else { (short, long) }
    };
    Ok(match kind {
        "plain" => {
            let (w, h) = size(rng, 400.0, 900.0);
            let image = Scene::plain(rng, w, h).render(garment, rng);
            if n.is_multiple_of(2) {
                (encode(&image, ImageFormat::Png)?, "png")
            } else {
                (encode(&image, ImageFormat::Jpeg)?, "jpg")
            }
        }
        "camera" => {
            let (w, h) = size(rng, 2400.0, 4000.0);
            (encode(&Scene::plain(rng, w, h).render(garment, rng), ImageFormat::Jpeg)?, "jpg")
        }
        "exif-turned" => {
            let (w, h) = size(rng, 600.0, 1200.0);
            let orientation = (n % 7 + 2) as u8;
            (turned_jpeg(&Scene::plain(rng, w, h).render(garment, rng), orientation)?, "jpg")
        }
        "colour" => {
            let (w, h) = size(rng, 400.0, 900.0);
            let mut scene = Scene::plain(rng, w, h);
            scene.garment = hsv(rng.uniform(0.0, 360.0), rng.uniform(0.5, 0.95), rng.uniform(0.35, 0.85));
            scene.background = hsv(rng.uniform(0.0, 360.0), rng.uniform(0.05, 0.2), rng.uniform(0.85, 0.97));
            (encode(&scene.render(garment, rng), ImageFormat::Jpeg)?, "jpg")
        }
        _ => {
            let (w, h) = size(rng, 400.0, 900.0);
            let mut scene = Scene::plain(rng, w, h);
            // Smaller, so the turned garment stays inside the picture.
            scene.garment_side *= 0.85;
            let side = if rng.below(2) == 0 { 1.0 } else { -1.0 };
            scene.tilt_degrees = side * rng.uniform(3.0, 12.0);
            let angle = rng.uniform(0.0, std::f64::consts::TAU);
            let direction = (angle.cos().abs(), angle.sin().abs());
            scene.shadow = Some((direction, rng.uniform(0.2, 0.4)));
            (encode(&scene.render(garment, rng), ImageFormat::Jpeg)?, "jpg")
        }
    })
}

/// Prints the top-1 per kind and the model's accuracy on the plain test images.
fn score(model: &Path, set: &Path, legacy: bool) -> anyhow::Result<()> {
    let loaded = atelier::model_file::load_model(model, &candle_core::Device::Cpu)?;
    let predictor = atelier::inference::Predictor::from(loaded);
    let options = if legacy {
        PrepOptions {
            background: BackgroundMode::InvertIfLight,
            contrast: Switch::Off,
            straighten: Switch::Off,
            ..PrepOptions::default()
        }
    } else {
        PrepOptions::default()
    };
    let data = atelier::data::load(None)?;
    let test_images: Vec<&[u8]> = (0..data.test.len()).map(|i| data.test.image(i)).collect();
    let test_labels: Vec<u8> = (0..data.test.len()).map(|i| data.test.label(i)).collect();
    let test_accuracy = accuracy(&predictor, &test_images, &test_labels)?;
    println!(
        "model {} · pictures prepared {}",
        model.display(),
        if legacy { "as before issue 17 (--legacy)" } else { "with the default steps" }
    );
    println!("{:<14} {:>8} {:>7} {:>12}", "kind", "pictures", "top-1", "ms/picture");
    for kind in KINDS {
        let mut files: Vec<PathBuf> = std::fs::read_dir(set.join(kind))
            .with_context(|| {
                format!("no {kind} pictures in {}: run `photo_set generate` first", set.display())
            })?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .collect();
        files.sort();
        let started = Instant::now();
        let prepared: Vec<(Vec<u8>, u8)> = files
            .par_iter()
            .map(|path| -> anyhow::Result<(Vec<u8>, u8)> {
                let label = label_of(path)?;
                let bytes = std::fs::read(path)?;
                let input = if legacy {
                    // Before issue 17 the stored pixels were used as they are: no EXIF turn.
                    let image = image::load_from_memory(&bytes)?;
                    picture::prepare(&image, &options)
                } else {
                    picture::prepare_decoded(&picture::decode(&bytes)?, &options)
                };
                Ok((input.input.pixels, label))
            })
            .collect::<anyhow::Result<_>>()?;
        let per_picture_ms = started.elapsed().as_secs_f64() * 1000.0 / prepared.len().max(1) as f64;
        let images: Vec<&[u8]> = prepared.iter().map(|(pixels, _)| pixels.as_slice()).collect();
        let labels: Vec<u8> = prepared.iter().map(|&(_, label)| label).collect();
        let top1 = accuracy(&predictor, &images, &labels)?;
        println!("{kind:<14} {:>8} {:>6.1}% {per_picture_ms:>12.1}", prepared.len(), top1 * 100.0);
    }
    println!("{:<14} {:>8} {:>6.2}%", "28×28 test set", test_images.len(), test_accuracy * 100.0);
    Ok(())
}

/// The label in a file name `s<seed>-<n>-l<label>.<ext>`.
fn label_of(path: &Path) -> anyhow::Result<u8> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    stem.rsplit_once("-l")
        .and_then(|(_, label)| label.parse().ok())
        .with_context(|| format!("{} is not named like s1-0001-l7.png", path.display()))
}

/// Top-1 accuracy: the most probable output is the label (output index = label for the all-class
/// task).
fn accuracy(
    predictor: &atelier::inference::Predictor,
    images: &[&[u8]],
    labels: &[u8],
) -> anyhow::Result<f64> {
    let mut correct = 0;
    for (chunk, chunk_labels) in images.chunks(500).zip(labels.chunks(500)) {
        for (prediction, &label) in predictor.predict_pixels(chunk)?.iter().zip(chunk_labels) {
            let best = prediction
                .probabilities
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(index, _)| index);
            correct += usize::from(best == Some(usize::from(label)));
        }
    }
    Ok(correct as f64 / labels.len().max(1) as f64)
}
