//! Writes a folder of class folders of generated pictures for `bench/import.sh`: mixed PNG and
//! JPEG, sides from 48 to 320 pixels, one dark shape per class on a light, slightly noisy
//! background. Reproducible (seeded).
//!
//!   cargo run --example make_pictures -- OUT [COUNT] [CLASSES]
#![allow(clippy::print_stdout)]

use std::io::Cursor;
use std::path::PathBuf;

use rand::{Rng as _, SeedableRng as _};
use rayon::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: make_pictures OUT [COUNT] [CLASSES]")?);
    let count: usize = args.next().map_or(Ok(10_000), |text| text.parse())?;
    let classes: usize = args.next().map_or(Ok(5), |text| text.parse())?;
    for class in 0..classes {
        std::fs::create_dir_all(out.join(format!("class {class}")))?;
    }
    (0..count).into_par_iter().try_for_each(|i| -> Result<(), String> {
        let class = i % classes;
        let mut rng = rand::rngs::StdRng::seed_from_u64(i as u64);
        let (width, height) = (rng.random_range(48..=320_u32), rng.random_range(48..=320_u32));
        let picture = shape(class, width, height, &mut rng);
        let (format, extension) =
            if i % 2 == 0 { (image::ImageFormat::Png, "png") } else { (image::ImageFormat::Jpeg, "jpg") };
        let mut bytes = Cursor::new(Vec::new());
        picture.write_to(&mut bytes, format).map_err(|error| error.to_string())?;
        let path = out.join(format!("class {class}")).join(format!("{i:05}.{extension}"));
        std::fs::write(&path, bytes.into_inner()).map_err(|error| format!("{}: {error}", path.display()))
    })?;
    println!("wrote {count} pictures in {classes} class folders to {}", out.display());
    Ok(())
}

/// A light background with a dark shape: a disc, a bar or a box depending on the class.
fn shape(class: usize, width: u32, height: u32, rng: &mut rand::rngs::StdRng) -> image::RgbImage {
    let (cx, cy) = (width as f32 * rng.random_range(0.4..0.6), height as f32 * rng.random_range(0.4..0.6));
    let size = width.min(height) as f32 * rng.random_range(0.2..0.4);
    let ink = [rng.random_range(0..80_u8), rng.random_range(0..80_u8), rng.random_range(0..80_u8)];
    image::RgbImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let inside = match class % 3 {
            0 => dx.hypot(dy) < size,
            1 => dx.abs() < size * 0.3 + class as f32 && dy.abs() < size,
            _ => dx.abs() < size && dy.abs() < size * 0.5,
        };
        let noise = ((x * 31 + y * 17) % 7) as u8;
        if inside { image::Rgb(ink) } else { image::Rgb([240 - noise, 238 - noise, 235 - noise]) }
    })
}
