//! Picture decoding (within the size and memory limits) and the preparation steps, on arbitrary
//! bytes and with every option combination: an `ImageInputError` or a 28×28 input, never a panic.
#![no_main]

use atelier::data::image_input::{BackgroundMode, PrepOptions, Switch, decode, prepare};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(decoded) = decode(bytes) else { return };
    // The options come from the last byte, so each input also explores the step switches.
    let choice = bytes.last().copied().unwrap_or(0);
    let options = PrepOptions {
        background: match choice % 3 {
            0 => BackgroundMode::Auto,
            1 => BackgroundMode::Invert,
            _ => BackgroundMode::Keep,
        },
        crop: if choice & 4 == 0 { Switch::On } else { Switch::Off },
        pad: if choice & 8 == 0 { Switch::On } else { Switch::Off },
    };
    let prepared = prepare(&decoded.gray, &options);
    assert_eq!(prepared.input.pixels.len(), 784);
    assert_eq!(prepared.to_f32().len(), 784);
});
