//! Writes a folder of class folders of letter pictures (A-Z, or the first N letters): each picture a
//! letter's 8×8 glyph drawn 2× at a random place on black with a little noise (every fourth one a
//! JPEG), for screenshots and demos of your own data sets (`scripts/own_data_demo.sh`). The same
//! pictures as the tests' (`tests/synthetic`), reproducible (seeded).
//!
//!   cargo run --example make_letters -- OUT [PER_CLASS] [CLASSES]
#![allow(clippy::print_stdout)]

#[path = "../tests/synthetic/mod.rs"]
mod synthetic;

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: make_letters OUT [PER_CLASS] [CLASSES]")?);
    let per_class: usize = args.next().map_or(Ok(40), |text| text.parse())?;
    let classes: usize = args.next().map_or(Ok(26), |text| text.parse())?;
    let letters = synthetic::alphabet();
    let chosen = &letters[..classes.clamp(2, letters.len())];
    synthetic::letter_folders(&out, chosen, per_class, 1);
    println!("wrote {} classes of {per_class} pictures into {}", chosen.len(), out.display());
    Ok(())
}
