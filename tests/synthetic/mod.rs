//! Data sets the tests make themselves (no downloads): class folders of letter pictures, one class
//! per letter, each picture the letter's 8×8 glyph drawn 2× at a random place with a little noise,
//! so a small network can learn them in a few epochs.
#![allow(dead_code, clippy::unwrap_used)] // each test binary uses part of this; set-up failures panic

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};

/// Writes `DIR/<class name>/NNN.png` (every fourth one a JPEG) for `classes` (name, letter) with
/// `per_class` pictures each; returns the folder.
pub fn letter_folders(dir: &Path, classes: &[(String, char)], per_class: usize, seed: u64) -> PathBuf {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    for (name, letter) in classes {
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder).unwrap();
        for index in 0..per_class {
            let picture = letter_picture(*letter, &mut rng);
            let jpeg = index % 4 == 3;
            let path = folder.join(format!("{index:03}.{}", if jpeg { "jpg" } else { "png" }));
            picture.save(&path).unwrap();
        }
    }
    dir.to_path_buf()
}

/// One 28×28 picture of `letter`: white ink on black, placed at random, with noise.
pub fn letter_picture(letter: char, rng: &mut impl Rng) -> image::GrayImage {
    let glyph = font8x8::legacy::BASIC_LEGACY[letter as usize];
    let (dx, dy) = (rng.random_range(2..=10_u32), rng.random_range(2..=10_u32));
    image::GrayImage::from_fn(28, 28, |x, y| {
        let (gx, gy) = (x.wrapping_sub(dx) / 2, y.wrapping_sub(dy) / 2);
        let ink = gx < 8 && gy < 8 && x >= dx && y >= dy && glyph[gy as usize] >> gx & 1 == 1;
        let noise: u8 = rng.random_range(0..30);
        image::Luma([if ink { 225 + noise } else { noise }])
    })
}

/// The 26 letters A-Z as classes "letter A" … "letter Z".
pub fn alphabet() -> Vec<(String, char)> {
    ('A'..='Z').map(|letter| (format!("letter {letter}"), letter)).collect()
}

/// Three shapes as classes: "circle" (O), "cross" (X), "bar" (I).
pub fn shapes() -> Vec<(String, char)> {
    vec![("circle".to_owned(), 'O'), ("cross".to_owned(), 'X'), ("bar".to_owned(), 'I')]
}
