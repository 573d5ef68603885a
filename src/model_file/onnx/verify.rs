//! The export's check: the ONNX bytes run by an independent runtime (tract, pure Rust) on real test
//! pictures, both outputs compared with what Atelier's own network computes.

use candle_core::{DType, Device, Tensor};
use tract_onnx::prelude::{Framework as _, InferenceModelExt as _, IntoRunnable as _, TValue, tvec};

use super::OnnxExportError;
use super::graph::{LOGITS_NAME, PROBABILITIES_NAME};
use crate::data::{IMAGE_PIXELS, IMAGE_SIDE};
use crate::model::{ForwardMode, Network};

/// Largest difference allowed between Atelier's value and the runtime's, for a logit of magnitude
/// up to 1; larger logits are allowed the same relative error (`1e-4 · |logit|`), since float
/// rounding scales with the value.
pub const TOLERANCE: f32 = 1e-4;

/// How the runtime's outputs compared with Atelier's.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// Pictures run through both.
    pub images: usize,
    /// Largest absolute difference between the two logits, over every picture and class.
    pub max_logit_difference: f32,
    /// Largest absolute difference between the two probabilities.
    pub max_probability_difference: f32,
    /// The runtime that read the file ("tract 0.23").
    pub runtime: &'static str,
}

/// Runs `onnx_bytes` with tract on `images` (784 bytes each, 0 = black background) and compares
/// its logits and probabilities with `network`'s.
///
/// # Errors
/// No pictures; the runtime cannot load or run the bytes; Atelier's own network fails; a value
/// differs beyond [`TOLERANCE`] ([`OnnxExportError::Mismatch`], naming the picture and class).
pub fn verify(
    onnx_bytes: &[u8],
    network: &Network,
    images: &[&[u8]],
) -> Result<Verification, OnnxExportError> {
    if images.is_empty() {
        return Err(OnnxExportError::NoCheckImages);
    }
    let mut values = Vec::with_capacity(images.len() * IMAGE_PIXELS);
    for (index, image) in images.iter().enumerate() {
        if image.len() != IMAGE_PIXELS {
            return Err(OnnxExportError::CheckImageSize { index, len: image.len() });
        }
        values.extend(image.iter().map(|&pixel| f32::from(pixel) / 255.0));
    }
    let count = images.len();
    let (expected_logits, expected_probabilities) = atelier_outputs(network, &values, count)?;
    let (logits, probabilities) = runtime_outputs(onnx_bytes, &values, count)?;
    let classes = network.spec().task.class_count();
    let max_logit_difference = compare(LOGITS_NAME, &expected_logits, &logits, classes)?;
    let max_probability_difference =
        compare(PROBABILITIES_NAME, &expected_probabilities, &probabilities, classes)?;
    Ok(Verification {
        images: count,
        max_logit_difference,
        max_probability_difference,
        runtime: "tract 0.23",
    })
}

/// Atelier's logits and softmax probabilities, row-major `[count, classes]`.
fn atelier_outputs(
    network: &Network,
    values: &[f32],
    count: usize,
) -> Result<(Vec<f32>, Vec<f32>), OnnxExportError> {
    let run = || -> candle_core::Result<(Vec<f32>, Vec<f32>)> {
        // [count, 1, 28, 28]
        let x = Tensor::from_slice(values, (count, 1, IMAGE_SIDE, IMAGE_SIDE), &Device::Cpu)?
            .to_device(network.device())?
            .to_dtype(network.dtype())?;
        // [count, classes]
        let logits = network.forward(&x, ForwardMode::Eval)?;
        let probabilities = candle_nn::ops::softmax_last_dim(&logits)?;
        let flat = |t: &Tensor| t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>();
        Ok((flat(&logits)?, flat(&probabilities)?))
    };
    run().map_err(|source| OnnxExportError::Network { source })
}

/// The runtime's `logits` and `probabilities` for the same inputs.
fn runtime_outputs(
    onnx_bytes: &[u8],
    values: &[f32],
    count: usize,
) -> Result<(Vec<f32>, Vec<f32>), OnnxExportError> {
    let run = || -> tract_onnx::prelude::TractResult<(Vec<f32>, Vec<f32>)> {
        let model =
            tract_onnx::onnx().model_for_read(&mut &onnx_bytes[..])?.into_optimized()?.into_runnable()?;
        let input = tract_onnx::prelude::Tensor::from_shape(&[count, 1, IMAGE_SIDE, IMAGE_SIDE], values)?;
        let outputs = model.run(tvec!(TValue::from(input)))?;
        let [logits, probabilities] = outputs.as_slice() else {
            return Err(anyhow::anyhow!("the graph has {} outputs, expected 2", outputs.len()));
        };
        let flat = |value: &TValue| -> tract_onnx::prelude::TractResult<Vec<f32>> {
            Ok(value.to_plain_array_view::<f32>()?.iter().copied().collect())
        };
        Ok((flat(logits)?, flat(probabilities)?))
    };
    run().map_err(|error| OnnxExportError::Runtime { reason: format!("{error:#}") })
}

/// The largest absolute difference, or the first value beyond the tolerance.
fn compare(
    output: &'static str,
    expected: &[f32],
    found: &[f32],
    classes: usize,
) -> Result<f32, OnnxExportError> {
    if expected.len() != found.len() {
        return Err(OnnxExportError::Runtime {
            reason: format!(
                "output `{output}` has {} values, Atelier computes {}",
                found.len(),
                expected.len()
            ),
        });
    }
    let mut largest = 0.0_f32;
    for (position, (&atelier, &runtime)) in expected.iter().zip(found).enumerate() {
        let difference = (atelier - runtime).abs();
        // NaN never passes: a NaN difference is not within the limit.
        let within = difference <= TOLERANCE * atelier.abs().max(1.0);
        if !within {
            return Err(OnnxExportError::Mismatch {
                output,
                image: position / classes.max(1),
                class_index: position % classes.max(1),
                atelier,
                runtime,
            });
        }
        largest = largest.max(difference);
    }
    Ok(largest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_beyond_the_tolerance_names_the_picture_and_class() {
        let expected = [0.5, 1.0, -2.0, 30.0];
        assert!(compare("logits", &expected, &[0.50005, 1.0, -2.0, 30.002], 2).is_ok());
        let error = compare("logits", &expected, &[0.5, 1.0, -2.0, 30.01], 2).unwrap_err();
        assert!(
            matches!(error, OnnxExportError::Mismatch { output: "logits", image: 1, class_index: 1, .. }),
            "{error}"
        );
        let error = compare("logits", &expected, &[0.5, f32::NAN, -2.0, 30.0], 2).unwrap_err();
        assert!(matches!(error, OnnxExportError::Mismatch { image: 0, class_index: 1, .. }), "{error}");
    }
}
