//! Looking inside a prediction: the occlusion-sensitivity map (where covering the picture hurts
//! the class most) and the first convolution's filters and feature maps.

use candle_core::{Device, Tensor};

use super::{InferenceError, Predictor};
use crate::data::{IMAGE_PIXELS, IMAGE_SIDE};
use crate::model::LayerSpec;

/// The gray value of the sliding patch, in network input units (mid-gray).
pub const OCCLUSION_GRAY: f32 = 0.5;

/// How much the probability of one class drops when each part of the picture is covered.
#[derive(Debug, Clone, PartialEq)]
pub struct OcclusionMap {
    /// The class examined (output index).
    pub class_index: usize,
    /// Its probability on the untouched picture.
    pub base_probability: f32,
    /// Side of the square gray patch, in pixels.
    pub patch: usize,
    /// Step between patch positions, in pixels.
    pub stride: usize,
    /// Per pixel (28×28, row-major): the mean drop in probability over the patch positions that
    /// cover it; positive where covering hurts the class, negative where it helps.
    pub heat: Vec<f32>,
}

impl OcclusionMap {
    /// The largest drop anywhere (for scaling an overlay).
    #[must_use]
    pub fn max_drop(&self) -> f32 {
        self.heat.iter().copied().fold(0.0, f32::max)
    }
}

/// The first convolution of a CNN: its filters and what they make of one picture.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstConv {
    /// Side of each (square) filter.
    pub kernel: usize,
    /// One `kernel × kernel` filter per output channel, row-major.
    pub filters: Vec<Vec<f32>>,
    /// Side of each feature map.
    pub map_side: usize,
    /// One `map_side × map_side` map per channel (the convolution's output, before any
    /// activation), row-major.
    pub maps: Vec<Vec<f32>>,
}

impl Predictor {
    /// Slides a `patch`×`patch` gray square over `image` (784 bytes) with step `stride` and
    /// records how much the probability of output `class_index` drops at each position, all
    /// positions in one batch.
    ///
    /// # Errors
    /// A wrongly sized image, a patch larger than the image or zero stride, a class out of range,
    /// or a failure inside the network.
    pub fn occlusion_map(
        &self,
        image: &[u8],
        class_index: usize,
        patch: usize,
        stride: usize,
    ) -> Result<OcclusionMap, InferenceError> {
        if image.len() != IMAGE_PIXELS {
            return Err(InferenceError::InputSize { index: 0, len: image.len() });
        }
        if patch == 0 || patch > IMAGE_SIDE || stride == 0 {
            return Err(InferenceError::Occlusion { patch, stride });
        }
        if class_index >= self.labels.len() {
            return Err(InferenceError::ClassOutOfRange { class_index, classes: self.labels.len() });
        }
        let base: Vec<f32> = image.iter().map(|&pixel| f32::from(pixel) / 255.0).collect();
        let starts: Vec<usize> = (0..=IMAGE_SIDE - patch).step_by(stride).collect();
        let positions: Vec<(usize, usize)> =
            starts.iter().flat_map(|&top| starts.iter().map(move |&left| (top, left))).collect();
        // The untouched picture first, then one occluded copy per position: [1 + positions, 784].
        let mut values = Vec::with_capacity((positions.len() + 1) * IMAGE_PIXELS);
        values.extend_from_slice(&base);
        for &(top, left) in &positions {
            let start = values.len();
            values.extend_from_slice(&base);
            for row in top..top + patch {
                let offset = start + row * IMAGE_SIDE;
                values[offset + left..offset + left + patch].fill(OCCLUSION_GRAY);
            }
        }
        let probabilities = self.probabilities(values, positions.len() + 1)?;
        let classes = self.labels.len();
        let base_probability = probabilities[class_index];
        let mut sum = vec![0.0f32; IMAGE_PIXELS];
        let mut count = vec![0u32; IMAGE_PIXELS];
        for (i, &(top, left)) in positions.iter().enumerate() {
            let drop = base_probability - probabilities[(i + 1) * classes + class_index];
            for row in top..top + patch {
                for column in left..left + patch {
                    sum[row * IMAGE_SIDE + column] += drop;
                    count[row * IMAGE_SIDE + column] += 1;
                }
            }
        }
        #[allow(clippy::cast_precision_loss)] // counts are at most 784
        let heat = sum.iter().zip(&count).map(|(&s, &n)| if n == 0 { 0.0 } else { s / n as f32 }).collect();
        Ok(OcclusionMap { class_index, base_probability, patch, stride, heat })
    }

    /// The first layer's filters and feature maps for `image` (784 bytes), when the network
    /// starts with a convolution; `None` otherwise.
    ///
    /// # Errors
    /// A wrongly sized image, or a failure inside candle.
    pub fn first_conv(&self, image: &[u8]) -> Result<Option<FirstConv>, InferenceError> {
        if image.len() != IMAGE_PIXELS {
            return Err(InferenceError::InputSize { index: 0, len: image.len() });
        }
        let Some(&LayerSpec::Conv2d { stride, padding, .. }) = self.network.spec().layers.first() else {
            return Ok(None);
        };
        let tensors = self.network.named_tensors()?;
        let find = |name: &str| tensors.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone());
        let (Some(weight), Some(bias)) = (find("layers.0.weight"), find("layers.0.bias")) else {
            return Ok(None);
        };
        let weight = weight.to_device(&Device::Cpu)?.to_dtype(candle_core::DType::F32)?;
        let bias = bias.to_device(&Device::Cpu)?.to_dtype(candle_core::DType::F32)?;
        let values: Vec<f32> = image.iter().map(|&pixel| f32::from(pixel) / 255.0).collect();
        // [1, 1, 28, 28]
        let x = Tensor::from_vec(values, (1, 1, IMAGE_SIDE, IMAGE_SIDE), &Device::Cpu)?;
        // [1, filters, side, side]
        let maps = crate::ops::conv2d(&x, &weight, &bias, stride, padding)?;
        let (_, _, map_side, _) = maps.dims4()?;
        let kernel = weight.dim(3)?;
        // [filters, k·k] and [filters, side·side]
        let filters = weight.flatten_from(1)?.to_vec2::<f32>()?;
        let maps = maps.squeeze(0)?.flatten_from(1)?.to_vec2::<f32>()?;
        Ok(Some(FirstConv { kernel, filters, map_side, maps }))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::model::{ModelSpec, Network, PresetId, Task};

    /// A linear model where only the top-left 7×7 corner speaks for class 0.
    fn corner_model() -> Predictor {
        let spec = ModelSpec {
            name: "corner".to_owned(),
            task: Task::all(10),
            layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: 10 }],
        };
        let network = Network::new(&spec, &Device::Cpu, 0).unwrap();
        let mut weight = vec![0.0f32; 10 * IMAGE_PIXELS];
        for row in 0..7 {
            for column in 0..7 {
                weight[row * IMAGE_SIDE + column] = 0.1;
            }
        }
        let mut tensors = HashMap::new();
        tensors.insert(
            "layers.1.weight".to_owned(),
            Tensor::from_vec(weight, (10, IMAGE_PIXELS), &Device::Cpu).unwrap(),
        );
        tensors.insert(
            "layers.1.bias".to_owned(),
            Tensor::zeros(10, candle_core::DType::F32, &Device::Cpu).unwrap(),
        );
        network.load_named(&tensors).unwrap();
        Predictor::new(network)
    }

    #[test]
    fn covering_what_the_class_looks_at_hurts_and_elsewhere_does_not() {
        let map = corner_model().occlusion_map(&[255; IMAGE_PIXELS], 0, 4, 2).unwrap();
        assert!(map.base_probability > 0.9);
        assert!(map.heat[0] > 0.05, "corner: {}", map.heat[0]);
        // Pixels whose covering patches never reach the corner do not matter at all.
        assert!(map.heat[20 * IMAGE_SIDE + 20].abs() < 1e-6);
        assert!((map.max_drop() - map.heat.iter().copied().fold(f32::MIN, f32::max)).abs() < 1e-6);
    }

    #[test]
    fn bad_occlusion_arguments_are_refused() {
        let predictor = corner_model();
        let image = [0u8; IMAGE_PIXELS];
        assert!(matches!(predictor.occlusion_map(&image, 0, 0, 1), Err(InferenceError::Occlusion { .. })));
        assert!(matches!(predictor.occlusion_map(&image, 0, 29, 1), Err(InferenceError::Occlusion { .. })));
        assert!(matches!(
            predictor.occlusion_map(&image, 10, 4, 2),
            Err(InferenceError::ClassOutOfRange { .. })
        ));
        assert!(predictor.first_conv(&image).unwrap().is_none(), "a dense model has no convolution");
    }

    #[test]
    fn the_cnn_shows_32_filters_and_26_by_26_maps() {
        let predictor = Predictor::new(Network::new(&PresetId::Cnn.spec(), &Device::Cpu, 1).unwrap());
        let conv = predictor.first_conv(&[100; IMAGE_PIXELS]).unwrap().unwrap();
        assert_eq!((conv.filters.len(), conv.kernel, conv.filters[0].len()), (32, 3, 9));
        assert_eq!((conv.maps.len(), conv.map_side, conv.maps[0].len()), (32, 26, 676));
        // A uniform picture gives a uniform map (valid padding: every window sees the same values).
        assert!(conv.maps[0].iter().all(|&v| (v - conv.maps[0][0]).abs() < 1e-4));
    }
}
