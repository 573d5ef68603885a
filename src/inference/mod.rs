//! A loaded model turned into class probabilities: for one or many 28×28 inputs
//! ([`Predictor::predict_pixels`], [`Predictor::predict_inputs`]) and batched over a whole
//! dataset for evaluation ([`Predictor::evaluate`]), all through one forward pass that applies the
//! model's test-time augmentation ([`TestTimeAugmentation`]).

mod forward;
mod insight;

pub use insight::{FirstConv, OCCLUSION_GRAY, OcclusionMap};

use std::sync::Arc;

use crate::data::{ClassNames, Dataset, IMAGE_PIXELS};
use crate::evaluation::{EvaluationError, Predictions, TestTimeAugmentation};
use crate::model::Network;
use crate::model_file::LoadedModel;
use crate::training::TestPredictions;

/// Images per forward pass when evaluating a dataset: big enough to keep the kernels busy, small
/// enough that the CNN's intermediate maps stay well under 200 MB.
pub const EVALUATION_BATCH: usize = 500;

/// What can go wrong while predicting.
#[derive(Debug, thiserror::Error)]
pub enum InferenceError {
    /// An input does not have 28×28 values.
    #[error("input {index} has {len} values, expected {IMAGE_PIXELS} (28×28)")]
    InputSize {
        /// Position of the input in the batch.
        index: usize,
        /// Its number of values.
        len: usize,
    },
    /// An occlusion patch that does not fit the picture, or a zero stride.
    #[error("an occlusion patch of {patch} pixels with stride {stride} does not fit a 28×28 picture")]
    Occlusion {
        /// Patch side asked for.
        patch: usize,
        /// Stride asked for.
        stride: usize,
    },
    /// A class index beyond the model's outputs.
    #[error("class {class_index} is out of range: the model has {classes} classes")]
    ClassOutOfRange {
        /// Index asked for.
        class_index: usize,
        /// Number of outputs.
        classes: usize,
    },
    /// The network failed to run (out of memory, a bug in a layer).
    #[error("the network failed to run: {0}")]
    Network(#[from] candle_core::Error),
    /// The predictions could not be turned into metrics.
    #[error(transparent)]
    Evaluation(#[from] EvaluationError),
}

/// One input's class probabilities (softmax of the logits), in the model's output order.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The class names in output order (shared by every prediction of one model).
    pub class_names: Arc<[String]>,
    /// One probability per class, summing to 1.
    pub probabilities: Vec<f32>,
    /// How they were made: from the picture alone, or averaged with its mirror image.
    pub tta: TestTimeAugmentation,
}

impl Prediction {
    /// The `k` most probable classes as (output index, probability), most probable first.
    #[must_use]
    pub fn top_k(&self, k: usize) -> Vec<(usize, f32)> {
        let mut ranked: Vec<(usize, f32)> = self.probabilities.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked.truncate(k);
        ranked
    }

    /// The most probable class (output index) and its probability.
    #[must_use]
    pub fn top(&self) -> Option<(usize, f32)> {
        self.top_k(1).into_iter().next()
    }

    /// The name of output `index` ("?" beyond the outputs).
    #[must_use]
    pub fn class_name(&self, index: usize) -> &str {
        self.class_names.get(index).map_or("?", String::as_str)
    }

    /// The most probable class's name and probability.
    #[must_use]
    pub fn top_name(&self) -> Option<(&str, f32)> {
        self.top().map(|(index, probability)| (self.class_name(index), probability))
    }
}

/// The result of evaluating a dataset: the predictions and the view they index into.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Predictions; `Example::index` is a position in `dataset`.
    pub predictions: Predictions,
    /// The examples evaluated: the given dataset, restricted to the task's classes.
    pub dataset: Dataset,
    /// The test-time augmentation the predictions were made with.
    pub tta: TestTimeAugmentation,
}

/// A network ready to answer: turns 28×28 inputs into [`Prediction`]s.
#[derive(Debug)]
pub struct Predictor {
    network: Network,
    /// The data set labels in output order.
    labels: Vec<u8>,
    /// The class names in output order.
    class_names: Arc<[String]>,
    /// The test-time augmentation every prediction uses.
    tta: TestTimeAugmentation,
}

impl From<LoadedModel> for Predictor {
    /// The model file's network, classes and test-time augmentation.
    fn from(model: LoadedModel) -> Self {
        Self::with_classes(model.network, &model.metadata.dataset.classes).with_tta(model.metadata.tta)
    }
}

impl Predictor {
    /// Wraps a network that learned Fashion-MNIST's classes (or numbered classes when its task has
    /// another count); prefer [`Predictor::with_classes`].
    #[must_use]
    pub fn new(network: Network) -> Self {
        let classes = ClassNames::fashion_mnist();
        if network.spec().task.needs_classes() <= classes.len() {
            Self::with_classes(network, &classes)
        } else {
            let count = network.spec().task.needs_classes();
            Self::with_classes(network, &ClassNames::numbered(count))
        }
    }

    /// Wraps a network whose task's labels name classes of `classes` (the data set it learned).
    #[must_use]
    pub fn with_classes(network: Network, classes: &ClassNames) -> Self {
        let task = network.spec().task;
        Self {
            labels: task.labels(),
            class_names: task.output_names(classes).into(),
            network,
            tta: TestTimeAugmentation::None,
        }
    }

    /// The same predictor, predicting with `tta`.
    #[must_use]
    pub fn with_tta(mut self, tta: TestTimeAugmentation) -> Self {
        self.tta = tta;
        self
    }

    /// Predicts with `tta` from now on (the Evaluate tab's choice for the current model).
    pub fn set_tta(&mut self, tta: TestTimeAugmentation) {
        self.tta = tta;
    }

    /// The test-time augmentation every prediction uses.
    #[must_use]
    pub fn tta(&self) -> TestTimeAugmentation {
        self.tta
    }

    /// The network inside.
    #[must_use]
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The data set labels in output order.
    #[must_use]
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// How many classes the model tells apart (its outputs).
    #[must_use]
    pub fn output_count(&self) -> usize {
        self.labels.len()
    }

    /// The class names in output order.
    #[must_use]
    pub fn class_names(&self) -> Vec<String> {
        self.class_names.to_vec()
    }

    /// Probabilities for images given as 784 bytes each (0 = black background, as in the dataset).
    ///
    /// # Errors
    /// An input of the wrong size, or a failure inside the network.
    pub fn predict_pixels(&self, images: &[&[u8]]) -> Result<Vec<Prediction>, InferenceError> {
        let mut values = Vec::with_capacity(images.len() * IMAGE_PIXELS);
        for (index, image) in images.iter().enumerate() {
            if image.len() != IMAGE_PIXELS {
                return Err(InferenceError::InputSize { index, len: image.len() });
            }
            values.extend(image.iter().map(|&pixel| f32::from(pixel) / 255.0));
        }
        self.predict_values(values, images.len())
    }

    /// Probabilities for network inputs (values in `0.0..=1.0`, row-major 28×28).
    ///
    /// # Errors
    /// A failure inside the network.
    pub fn predict_inputs(&self, inputs: &[[f32; IMAGE_PIXELS]]) -> Result<Vec<Prediction>, InferenceError> {
        let values: Vec<f32> = inputs.iter().flatten().copied().collect();
        self.predict_values(values, inputs.len())
    }

    fn predict_values(&self, values: Vec<f32>, count: usize) -> Result<Vec<Prediction>, InferenceError> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let probabilities = self.probabilities(values, count)?;
        Ok(probabilities
            .chunks_exact(self.labels.len())
            .map(|row| Prediction {
                class_names: Arc::clone(&self.class_names),
                probabilities: row.to_vec(),
                tta: self.tta,
            })
            .collect())
    }

    /// Class probabilities for `count` inputs, row-major `[count, classes]`, with this
    /// predictor's test-time augmentation.
    fn probabilities(&self, values: Vec<f32>, count: usize) -> Result<Vec<f32>, InferenceError> {
        forward::probabilities(&self.network, values, count, self.tta)
    }

    /// The predictions of a training run's one test pass ([`TestPredictions`]), over this
    /// predictor's classes: the report after training without a second pass over the test split.
    ///
    /// # Errors
    /// Outputs that do not match this predictor's classes.
    pub fn test_predictions(&self, test: &TestPredictions) -> Result<Predictions, InferenceError> {
        let true_classes = test.targets.iter().map(|&target| target as usize).collect();
        Ok(Predictions::new(self.class_names(), true_classes, test.probabilities.clone())?)
    }

    /// Predicts every example of `dataset` whose class belongs to the task (the binary task sees
    /// only its two classes), [`EVALUATION_BATCH`] images at a time with the predictor's
    /// test-time augmentation, calling `progress(done, total)` after each batch.
    ///
    /// # Errors
    /// A failure inside the network.
    pub fn evaluate(
        &self,
        dataset: &Dataset,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Evaluation, InferenceError> {
        let task = self.network.spec().task;
        let view = match task {
            crate::model::Task::AllClasses { .. } => dataset.clone(),
            crate::model::Task::Binary { .. } => dataset.filter_labels(&self.labels),
        };
        let total = view.len();
        let mut true_classes = Vec::with_capacity(total);
        let mut probabilities = Vec::with_capacity(total * self.labels.len());
        let mut start = 0;
        while start < total {
            let end = (start + EVALUATION_BATCH).min(total);
            let mut values = Vec::with_capacity((end - start) * IMAGE_PIXELS);
            for i in start..end {
                values.extend(view.image(i).iter().map(|&pixel| f32::from(pixel) / 255.0));
                true_classes.push(task.output_index(view.label(i)).unwrap_or(0));
            }
            probabilities.extend(self.probabilities(values, end - start)?);
            progress(end, total);
            start = end;
        }
        let predictions = Predictions::new(self.class_names(), true_classes, probabilities)?;
        Ok(Evaluation { predictions, dataset: view, tta: self.tta })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LayerSpec, ModelSpec, Task};
    use candle_core::Device;

    fn dense(task: Task) -> Network {
        let spec = ModelSpec {
            name: "t".to_owned(),
            task,
            layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: task.class_count() }],
        };
        Network::new(&spec, &Device::Cpu, 1).unwrap()
    }

    fn dataset(labels: &[u8]) -> Dataset {
        let pixels: Vec<u8> = (0..labels.len() * IMAGE_PIXELS).map(|i| (i * 31 % 251) as u8).collect();
        Dataset::new(pixels.into(), labels.to_vec().into())
    }

    #[test]
    fn probabilities_sum_to_one_and_top_k_is_sorted() {
        let predictor = Predictor::new(dense(Task::all(10)));
        let image = [128u8; IMAGE_PIXELS];
        let predictions = predictor.predict_pixels(&[&image, &[0; IMAGE_PIXELS]]).unwrap();
        assert_eq!(predictions.len(), 2);
        let sum: f32 = predictions[0].probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5);
        let top = predictions[0].top_k(3);
        assert_eq!(top.len(), 3);
        assert!(top[0].1 >= top[1].1 && top[1].1 >= top[2].1);
        assert_eq!(predictions[0].top().map(|t| t.0), Some(top[0].0));
    }

    #[test]
    fn pixels_and_inputs_give_the_same_answer() {
        let predictor = Predictor::new(dense(Task::all(10)));
        let image: Vec<u8> = (0..IMAGE_PIXELS).map(|i| (i % 256) as u8).collect();
        let input: [f32; IMAGE_PIXELS] = std::array::from_fn(|i| f32::from(image[i]) / 255.0);
        assert_eq!(predictor.predict_pixels(&[&image]).unwrap(), predictor.predict_inputs(&[input]).unwrap());
    }

    #[test]
    fn a_wrongly_sized_input_is_refused() {
        let predictor = Predictor::new(dense(Task::all(10)));
        let error = predictor.predict_pixels(&[&[0; IMAGE_PIXELS], &[0; 10]]).unwrap_err();
        assert!(matches!(error, InferenceError::InputSize { index: 1, len: 10 }));
    }

    #[test]
    fn evaluation_batches_match_single_predictions_and_report_progress() {
        let predictor = Predictor::new(dense(Task::all(10)));
        let labels: Vec<u8> = (0..(EVALUATION_BATCH + 7)).map(|i| (i % 10) as u8).collect();
        let data = dataset(&labels);
        let mut calls = Vec::new();
        let evaluation = predictor.evaluate(&data, &mut |done, total| calls.push((done, total))).unwrap();
        assert_eq!(calls, vec![(EVALUATION_BATCH, labels.len()), (labels.len(), labels.len())]);
        let last = labels.len() - 1;
        let single = predictor.predict_pixels(&[data.image(last)]).unwrap();
        assert_eq!(evaluation.predictions.probabilities(last), single[0].probabilities.as_slice());
        assert_eq!(evaluation.predictions.true_classes()[last], usize::from(labels[last]));
    }

    #[test]
    fn binary_evaluation_sees_only_its_two_classes() {
        let task = Task::Binary { positive: 9, negative: 7 };
        let predictor = Predictor::new(dense(task));
        let data = dataset(&[7, 0, 9, 9, 3]);
        let evaluation = predictor.evaluate(&data, &mut |_, _| {}).unwrap();
        assert_eq!(evaluation.predictions.len(), 3);
        assert_eq!(evaluation.predictions.true_classes(), &[0, 1, 1]);
        assert_eq!(evaluation.dataset.source_index(1), 2);
        assert_eq!(predictor.class_names(), vec!["Sneaker", "Ankle boot"]);
    }
}
