//! Writes a folder of class folders of letter pictures (A-Z, or the first N letters): each picture a
//! letter's 8×8 glyph drawn 2× at a random place on black with a little noise, for screenshots and
//! demos of your own data sets (`scripts/own_data_demo.sh`). Reproducible (seeded).
//!
//!   cargo run --example make_letters -- OUT [PER_CLASS] [CLASSES]
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use rand::{Rng as _, SeedableRng as _};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: make_letters OUT [PER_CLASS] [CLASSES]")?);
    let per_class: usize = args.next().map_or(Ok(40), |text| text.parse())?;
    let classes: usize = args.next().map_or(Ok(26), |text| text.parse())?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    for letter in ('A'..='Z').take(classes.min(26)) {
        let folder = out.join(format!("letter {letter}"));
        std::fs::create_dir_all(&folder)?;
        let glyph = font8x8::legacy::BASIC_LEGACY[letter as usize];
        for index in 0..per_class {
            let (dx, dy) = (rng.random_range(2..=10_u32), rng.random_range(2..=10_u32));
            let picture = image::GrayImage::from_fn(28, 28, |x, y| {
                let (gx, gy) = (x.wrapping_sub(dx) / 2, y.wrapping_sub(dy) / 2);
                let ink = x >= dx && y >= dy && gx < 8 && gy < 8 && glyph[gy as usize] >> gx & 1 == 1;
                let noise: u8 = rng.random_range(0..30);
                image::Luma([if ink { 225 + noise } else { noise }])
            });
            picture.save(folder.join(format!("{index:03}.png")))?;
        }
    }
    println!("wrote {per_class} pictures in each of {} letter folders to {}", classes.min(26), out.display());
    Ok(())
}
