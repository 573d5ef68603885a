//! The model-file loader (safetensors + metadata + spec + tensor shapes) on arbitrary bytes: a
//! `ModelFileError` or a network that answers for a 28×28 input, never a panic.
#![no_main]

use std::path::Path;

use atelier::model_file::load_model_bytes;
use atelier::inference::Predictor;
use candle_core::Device;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(loaded) = load_model_bytes(Path::new("fuzz.safetensors"), bytes, &Device::Cpu) {
        let predictor = Predictor::new(loaded.network);
        let _ = predictor.predict_pixels(&[&[0_u8; 784][..]]);
    }
});
