//! Shape inference, parameter counts and validation of a [`ModelSpec`], with messages that name
//! the layer at fault ("layer 5 MaxPool 2: input is 1×1, smaller than the 2×2 window").
//!
//! Layers are numbered from 0, like the tensor names in a model file (`layers.4.weight`).

use std::fmt;

use super::spec::{LayerSpec, ModelSpec, Task};
use crate::data::IMAGE_SIDE;
use crate::files::thousands;
use crate::ops::Padding;

/// Refuse models above this many parameters: 50 million f32 is 200 MB of weights, plus as much
/// again for each of the optimizer's moments, which is beyond what this app is for.
pub const MAX_PARAMS: usize = 50_000_000;

/// Refuse layers whose output has more values than this per image (×batch ×4 bytes, kept for
/// the backward pass), so a typo like 50,000 filters fails here instead of exhausting memory.
pub const MAX_VALUES_PER_IMAGE: usize = 1_000_000;

/// The shape of one image's activations between layers (the batch dimension left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Channels × height × width.
    Image {
        /// Channels (1 for the input).
        channels: usize,
        /// Rows.
        height: usize,
        /// Columns.
        width: usize,
    },
    /// A vector of features.
    Flat {
        /// Number of values.
        features: usize,
    },
}

impl Shape {
    /// The network input: one grayscale 28×28 image.
    pub const INPUT: Self = Self::Image { channels: 1, height: IMAGE_SIDE, width: IMAGE_SIDE };

    /// Values per image.
    #[must_use]
    pub fn values(self) -> usize {
        match self {
            Self::Image { channels, height, width } => channels.saturating_mul(height).saturating_mul(width),
            Self::Flat { features } => features,
        }
    }

    /// The tensor dims with a leading batch dimension.
    #[must_use]
    pub fn dims_with_batch(self, batch: usize) -> Vec<usize> {
        match self {
            Self::Image { channels, height, width } => vec![batch, channels, height, width],
            Self::Flat { features } => vec![batch, features],
        }
    }
}

/// "32×13×13" for images, "1600" for flat vectors.
impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Image { channels, height, width } => write!(f, "{channels}×{height}×{width}"),
            Self::Flat { features } => write!(f, "{features}"),
        }
    }
}

/// One row of a model summary.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSummary {
    /// Position in `spec.layers` (from 0).
    pub index: usize,
    /// The layer as specified.
    pub layer: LayerSpec,
    /// Display name ("Conv2d 32 3×3 valid").
    pub name: String,
    /// Output shape per image.
    pub output: Shape,
    /// Trainable parameters of this layer.
    pub params: usize,
}

/// Why a layer cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayerProblem {
    /// A size setting is zero.
    #[error("{setting} must be at least 1")]
    Zero {
        /// Which setting ("units", "filters", "kernel", "stride", "size").
        setting: &'static str,
    },
    /// `Same` padding with an even kernel has no centre.
    #[error("same padding needs an odd kernel, not {kernel}×{kernel}")]
    EvenKernelSamePadding {
        /// The kernel side.
        kernel: usize,
    },
    /// A layer that needs a flat vector got an image.
    #[error("input is an image ({input}); add Flatten before it")]
    NeedsFlatInput {
        /// What it got.
        input: Shape,
    },
    /// A layer that needs an image got a flat vector.
    #[error("input is flat ({input} values); it needs an image, so it must come before Flatten")]
    NeedsImageInput {
        /// What it got.
        input: Shape,
    },
    /// The window does not fit in the input.
    #[error("input is {height}×{width}, smaller than the {window}×{window} window")]
    InputTooSmall {
        /// Input rows.
        height: usize,
        /// Input columns.
        width: usize,
        /// Kernel or pool side.
        window: usize,
    },
    /// A dropout rate outside `0.0..1.0`.
    #[error("rate {rate} is outside 0 ≤ rate < 1")]
    DropoutRate {
        /// The rate given.
        rate: f32,
    },
    /// A leaky ReLU slope that is not a finite number.
    #[error("negative slope {slope} is not a finite number")]
    NegativeSlope {
        /// The slope given.
        slope: f32,
    },
    /// The output is too large to train.
    #[error("its output has {} values per image; the limit is {}", thousands(*.values), thousands(*.limit))]
    OutputTooLarge {
        /// Values per image.
        values: usize,
        /// [`MAX_VALUES_PER_IMAGE`].
        limit: usize,
    },
}

/// Why a spec is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpecError {
    /// One layer cannot be built on its input.
    #[error("layer {index} {layer}: {problem}")]
    Layer {
        /// Position in `spec.layers` (from 0).
        index: usize,
        /// The layer at fault.
        layer: LayerSpec,
        /// What is wrong.
        problem: LayerProblem,
    },
    /// The spec has no layers.
    #[error("the model has no layers; it needs at least Flatten and Dense {classes}")]
    NoLayers {
        /// Logits the task needs.
        classes: usize,
    },
    /// The last layer outputs an image, not one value per class.
    #[error("the model ends with an image ({output}); end it with Flatten and Dense {classes}")]
    OutputNotFlat {
        /// The final shape.
        output: Shape,
        /// Logits the task needs.
        classes: usize,
    },
    /// The last layer outputs the wrong number of values.
    #[error(
        "the model outputs {outputs} values but the task ({task}) has {classes} classes; end it with Dense {classes}"
    )]
    WrongClassCount {
        /// Values the model outputs.
        outputs: usize,
        /// Logits the task needs.
        classes: usize,
        /// The task.
        task: Task,
    },
    /// A task for fewer than 2 or more than 100 classes.
    #[error("a model tells {min} to {max} classes apart; this task has {count}", min = crate::data::MIN_CLASSES, max = crate::data::MAX_CLASSES)]
    ClassCount {
        /// The task's class count.
        count: usize,
    },
    /// A binary task whose two classes are the same.
    #[error("a binary task needs two different classes, but both are class {label}")]
    SameBinaryClasses {
        /// The repeated label.
        label: u8,
    },
    /// More parameters than [`MAX_PARAMS`].
    #[error("the model has {} parameters; the limit is {}", thousands(*.count), thousands(*.limit))]
    TooManyParameters {
        /// Parameters of the spec.
        count: usize,
        /// [`MAX_PARAMS`].
        limit: usize,
    },
}

/// The output shape and parameter count of one layer on `input`.
fn infer_layer(layer: &LayerSpec, input: Shape) -> Result<(Shape, usize), LayerProblem> {
    let zero = |setting| Err(LayerProblem::Zero { setting });
    match *layer {
        LayerSpec::Dense { units } => {
            if units == 0 {
                return zero("units");
            }
            let Shape::Flat { features } = input else { return Err(LayerProblem::NeedsFlatInput { input }) };
            let params = features.saturating_mul(units).saturating_add(units);
            Ok((Shape::Flat { features: units }, params))
        }
        LayerSpec::Conv2d { filters, kernel, stride, padding } => {
            if filters == 0 {
                return zero("filters");
            }
            if kernel == 0 {
                return zero("kernel");
            }
            if stride == 0 {
                return zero("stride");
            }
            if padding == Padding::Same && kernel % 2 == 0 {
                return Err(LayerProblem::EvenKernelSamePadding { kernel });
            }
            let Shape::Image { channels, height, width } = input else {
                return Err(LayerProblem::NeedsImageInput { input });
            };
            let pad = match padding {
                Padding::Valid => 0,
                Padding::Same => kernel / 2,
            };
            if height + 2 * pad < kernel || width + 2 * pad < kernel {
                return Err(LayerProblem::InputTooSmall { height, width, window: kernel });
            }
            let out = |side: usize| (side + 2 * pad - kernel) / stride + 1;
            let params =
                filters.saturating_mul(channels).saturating_mul(kernel * kernel).saturating_add(filters);
            Ok((Shape::Image { channels: filters, height: out(height), width: out(width) }, params))
        }
        LayerSpec::MaxPool { size } => {
            if size == 0 {
                return zero("size");
            }
            let Shape::Image { channels, height, width } = input else {
                return Err(LayerProblem::NeedsImageInput { input });
            };
            if height < size || width < size {
                return Err(LayerProblem::InputTooSmall { height, width, window: size });
            }
            Ok((Shape::Image { channels, height: height / size, width: width / size }, 0))
        }
        LayerSpec::GlobalAvgPool => match input {
            Shape::Image { channels, .. } => Ok((Shape::Flat { features: channels }, 0)),
            Shape::Flat { .. } => Err(LayerProblem::NeedsImageInput { input }),
        },
        LayerSpec::BatchNorm => {
            let channels = match input {
                Shape::Image { channels, .. } => channels,
                Shape::Flat { features } => features,
            };
            Ok((input, 2 * channels))
        }
        LayerSpec::Dropout { rate } => {
            if (0.0..1.0).contains(&rate) {
                Ok((input, 0))
            } else {
                Err(LayerProblem::DropoutRate { rate })
            }
        }
        LayerSpec::Flatten => Ok((Shape::Flat { features: input.values() }, 0)),
        LayerSpec::LeakyRelu { negative_slope } if !negative_slope.is_finite() => {
            Err(LayerProblem::NegativeSlope { slope: negative_slope })
        }
        LayerSpec::Relu | LayerSpec::LeakyRelu { .. } | LayerSpec::Tanh | LayerSpec::Sigmoid => {
            Ok((input, 0))
        }
    }
}

impl ModelSpec {
    /// Each layer's output shape and parameter count, or the first layer that cannot be built.
    ///
    /// This checks the layers one by one; [`ModelSpec::validate`] also checks the model as a
    /// whole (that it outputs one logit per class), so a GUI can show a summary of a model that is
    /// still being edited.
    ///
    /// # Errors
    /// [`SpecError::Layer`] naming the first layer that does not fit its input.
    pub fn summary(&self) -> Result<Vec<LayerSummary>, SpecError> {
        let mut shape = Shape::INPUT;
        let mut rows = Vec::with_capacity(self.layers.len());
        for (index, layer) in self.layers.iter().enumerate() {
            let fail = |problem| SpecError::Layer { index, layer: *layer, problem };
            let (output, params) = infer_layer(layer, shape).map_err(fail)?;
            if output.values() > MAX_VALUES_PER_IMAGE {
                return Err(fail(LayerProblem::OutputTooLarge {
                    values: output.values(),
                    limit: MAX_VALUES_PER_IMAGE,
                }));
            }
            rows.push(LayerSummary { index, layer: *layer, name: layer.to_string(), output, params });
            shape = output;
        }
        Ok(rows)
    }

    /// Trainable parameters (weights, biases, batch-norm scales and shifts; not running statistics).
    ///
    /// # Errors
    /// As [`ModelSpec::summary`].
    pub fn param_count(&self) -> Result<usize, SpecError> {
        Ok(self.summary()?.iter().fold(0_usize, |total, row| total.saturating_add(row.params)))
    }

    /// Checks that the spec can be built and trained: every layer fits its input, the model ends
    /// with one value per class of the task, and it is not absurdly large.
    ///
    /// # Errors
    /// The first problem found, as a [`SpecError`] whose message names the layer at fault.
    pub fn validate(&self) -> Result<(), SpecError> {
        let classes = self.task.class_count();
        if !(crate::data::MIN_CLASSES..=crate::data::MAX_CLASSES).contains(&classes) {
            return Err(SpecError::ClassCount { count: classes });
        }
        if let Task::Binary { positive, negative } = self.task
            && positive == negative
        {
            return Err(SpecError::SameBinaryClasses { label: positive });
        }
        let rows = self.summary()?;
        let Some(last) = rows.last() else { return Err(SpecError::NoLayers { classes }) };
        match last.output {
            Shape::Image { .. } => return Err(SpecError::OutputNotFlat { output: last.output, classes }),
            Shape::Flat { features } if features != classes => {
                return Err(SpecError::WrongClassCount { outputs: features, classes, task: self.task });
            }
            Shape::Flat { .. } => {}
        }
        let count = rows.iter().fold(0_usize, |total, row| total.saturating_add(row.params));
        if count > MAX_PARAMS {
            return Err(SpecError::TooManyParameters { count, limit: MAX_PARAMS });
        }
        Ok(())
    }

    /// The output shape of the whole model per image.
    ///
    /// # Errors
    /// As [`ModelSpec::summary`].
    pub fn output_shape(&self) -> Result<Shape, SpecError> {
        Ok(self.summary()?.last().map_or(Shape::INPUT, |row| row.output))
    }
}
