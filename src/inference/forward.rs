//! The one forward pass every prediction goes through (Predict, evaluation, the occlusion map, the
//! command line): network inputs → class probabilities, with the model's test-time augmentation.

use candle_core::{DType, Device, Tensor};

use super::InferenceError;
use crate::data::IMAGE_SIDE;
use crate::evaluation::TestTimeAugmentation;
use crate::model::{ForwardMode, Network};

/// Class probabilities for `count` inputs given as row-major 28×28 values in `0.0..=1.0`, returned
/// row-major `[count, classes]`. With test-time augmentation each row is the mean of the softmaxes
/// on the picture's looks (with [`TestTimeAugmentation::HorizontalFlip`], the picture and its
/// left-right mirror).
pub(super) fn probabilities(
    network: &Network,
    values: Vec<f32>,
    count: usize,
    tta: TestTimeAugmentation,
) -> Result<Vec<f32>, InferenceError> {
    // [count, 1, 28, 28]
    let x = Tensor::from_vec(values, (count, 1, IMAGE_SIDE, IMAGE_SIDE), &Device::Cpu)?
        .to_device(network.device())?
        .to_dtype(network.dtype())?;
    // [count, classes]
    let mut probabilities = candle_nn::ops::softmax_last_dim(&network.forward(&x, ForwardMode::Eval)?)?;
    if tta != TestTimeAugmentation::None {
        // One pass of `count` per look rather than one of looks·count: evaluation's batch size was
        // chosen for the memory of one pass.
        probabilities = network.mean_over_looks(&probabilities, tta.other_looks(&x))?;
    }
    Ok(probabilities.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::IMAGE_PIXELS;
    use crate::evaluation::mirror_rows;
    use crate::inference::Predictor;
    use crate::model::{LayerSpec, ModelSpec, Task};

    /// A small CNN whose answer depends on left and right (its weights are not symmetric).
    fn cnn() -> Network {
        let spec = ModelSpec {
            name: "t".to_owned(),
            task: Task::all(10),
            layers: vec![
                LayerSpec::Conv2d { filters: 4, kernel: 3, stride: 1, padding: crate::ops::Padding::Valid },
                LayerSpec::Relu,
                LayerSpec::Flatten,
                LayerSpec::Dense { units: 10 },
            ],
        };
        Network::new(&spec, &Device::Cpu, 7).unwrap()
    }

    fn lopsided() -> Vec<u8> {
        (0..IMAGE_PIXELS).map(|i| u8::try_from((i % IMAGE_SIDE) * 9).unwrap()).collect()
    }

    #[test]
    fn flip_tta_is_the_mean_of_the_picture_and_its_mirror() {
        let plain = Predictor::new(cnn());
        let tta = Predictor::new(cnn()).with_tta(TestTimeAugmentation::HorizontalFlip);
        let picture = lopsided();
        let mut mirror = picture.clone();
        mirror_rows(&mut mirror, IMAGE_SIDE);
        let singles = plain.predict_pixels(&[&picture, &mirror]).unwrap();
        let averaged = &tta.predict_pixels(&[&picture]).unwrap()[0];
        assert_eq!(averaged.tta, TestTimeAugmentation::HorizontalFlip);
        assert_ne!(singles[0].probabilities, singles[1].probabilities, "the network sees left from right");
        for (class, &probability) in averaged.probabilities.iter().enumerate() {
            let mean = f32::midpoint(singles[0].probabilities[class], singles[1].probabilities[class]);
            assert!((probability - mean).abs() < 1e-6, "class {class}: {probability} vs {mean}");
        }
        let sum: f32 = averaged.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5);
    }

    /// `picture` mirrored (or not) and moved `dx` right, `dy` down, background coming in.
    fn look_at(picture: &[u8], mirrored: bool, dx: i64, dy: i64) -> Vec<u8> {
        let side = i64::try_from(IMAGE_SIDE).unwrap();
        let mut seen = vec![0; IMAGE_PIXELS];
        for y in 0..side {
            for x in 0..side {
                let (from_x, from_y) = (x - dx, y - dy);
                if (0..side).contains(&from_x) && (0..side).contains(&from_y) {
                    let from_x = if mirrored { side - 1 - from_x } else { from_x };
                    seen[usize::try_from(y * side + x).unwrap()] =
                        picture[usize::try_from(from_y * side + from_x).unwrap()];
                }
            }
        }
        seen
    }

    #[test]
    fn flip_shift_tta_is_the_mean_over_the_ten_looks() {
        let plain = Predictor::new(cnn());
        let tta = Predictor::new(cnn()).with_tta(TestTimeAugmentation::FlipAndShifts);
        // Lopsided in both directions, with content up to the edges.
        let picture: Vec<u8> = (0..IMAGE_PIXELS)
            .map(|i| u8::try_from((i % IMAGE_SIDE) * 5 + i / IMAGE_SIDE * 4).unwrap())
            .collect();
        let looks: Vec<Vec<u8>> = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]
            .into_iter()
            .flat_map(|(dx, dy)| [false, true].map(|mirrored| look_at(&picture, mirrored, dx, dy)))
            .collect();
        let singles = plain.predict_pixels(&looks.iter().map(Vec::as_slice).collect::<Vec<_>>()).unwrap();
        let averaged = &tta.predict_pixels(&[&picture]).unwrap()[0];
        assert_eq!(averaged.tta, TestTimeAugmentation::FlipAndShifts);
        for class in 0..10 {
            let mean = singles.iter().map(|single| single.probabilities[class]).sum::<f32>() / 10.0;
            let probability = averaged.probabilities[class];
            assert!((probability - mean).abs() < 1e-6, "class {class}: {probability} vs {mean}");
        }
        let flip_only = Predictor::new(cnn()).with_tta(TestTimeAugmentation::HorizontalFlip);
        assert_ne!(flip_only.predict_pixels(&[&picture]).unwrap()[0].probabilities, averaged.probabilities);
    }

    #[test]
    fn a_symmetric_picture_gets_the_same_answer_with_and_without_tta() {
        let plain = Predictor::new(cnn());
        let tta = Predictor::new(cnn()).with_tta(TestTimeAugmentation::HorizontalFlip);
        // Bright in the middle columns, dark at both edges: its own mirror image.
        let picture: Vec<u8> = (0..IMAGE_PIXELS)
            .map(|i| {
                let column = i % IMAGE_SIDE;
                let from_edge = column.min(IMAGE_SIDE - 1 - column);
                u8::try_from(from_edge * 9 + i / IMAGE_SIDE).unwrap()
            })
            .collect();
        let mut mirror = picture.clone();
        mirror_rows(&mut mirror, IMAGE_SIDE);
        assert_eq!(mirror, picture);
        let without = &plain.predict_pixels(&[&picture]).unwrap()[0];
        let with = &tta.predict_pixels(&[&picture]).unwrap()[0];
        for (a, b) in without.probabilities.iter().zip(&with.probabilities) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn evaluation_with_tta_matches_single_predictions_with_tta() {
        let tta = Predictor::new(cnn()).with_tta(TestTimeAugmentation::HorizontalFlip);
        let pixels: Vec<u8> = lopsided().into_iter().chain(lopsided().into_iter().rev()).collect();
        let data = crate::data::Dataset::new(pixels.into(), vec![3, 5].into());
        let evaluation = tta.evaluate(&data, &mut |_, _| {}).unwrap();
        let single = tta.predict_pixels(&[data.image(1)]).unwrap();
        assert_eq!(evaluation.predictions.probabilities(1), single[0].probabilities.as_slice());
    }
}
