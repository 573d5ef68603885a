//! The model spec: what a user describes (a task and an ordered list of layers), as serde data.
//!
//! JSON looks like `{"name": "cnn", "task": {"type": "AllClasses", "count": 10}, "layers": [{"type": "Conv2d",
//! "filters": 32, "kernel": 3}, {"type": "Relu"}, …]}`; omitted fields take their defaults
//! (`stride` 1, `padding` Valid, `negative_slope` 0.01, task: all ten classes). Shape inference and
//! validation live in `shape.rs`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ops::Padding;

/// A network description: the task it solves and its layers, applied in order to a
/// `[batch, 1, 28, 28]` input of pixels scaled to `0.0..=1.0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelSpec {
    /// A short name shown in lists and reports (a preset's id, or what the user typed).
    pub name: String,
    /// Which classes the network tells apart; fixes the size of the last layer.
    pub task: Task,
    /// The layers in the order they are applied.
    pub layers: Vec<LayerSpec>,
}

impl Default for ModelSpec {
    fn default() -> Self {
        Self { name: "custom".to_owned(), task: Task::default(), layers: Vec::new() }
    }
}

/// What the network predicts.
///
/// The network outputs one logit per class, in the order of [`Task::labels`]: for `AllClasses` the
/// data set's labels `0..count`; for `Binary` **index 0 is the negative class and index 1 the
/// positive class** (2 logits, trained with the same softmax cross-entropy). Labels are indices into
/// the data set's class names (`crate::data::ClassNames`); the task itself holds no names, so the same
/// spec works for any data set with enough classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Task {
    /// Every class of the data set, one logit each. Model files written before data sets became
    /// data say `{"type": "TenClass"}`: that reads as ten classes.
    #[serde(alias = "TenClass")]
    AllClasses {
        /// How many classes (the data set's class count).
        #[serde(default = "fashion_mnist_class_count")]
        count: usize,
    },
    /// Two classes only; pictures of other classes are left out of training and evaluation.
    Binary {
        /// The label at output index 1.
        #[serde(deserialize_with = "label_or_legacy_name")]
        positive: u8,
        /// The label at output index 0.
        #[serde(deserialize_with = "label_or_legacy_name")]
        negative: u8,
    },
}

impl Default for Task {
    fn default() -> Self {
        Self::AllClasses { count: fashion_mnist_class_count() }
    }
}

fn fashion_mnist_class_count() -> usize {
    crate::data::FASHION_MNIST_NAMES.len()
}

/// A binary task's class: a label, or (in files written before data sets became data) a
/// Fashion-MNIST class written as its Rust name (`"AnkleBoot"`).
fn label_or_legacy_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u8, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum LabelOrName {
        Label(u8),
        Name(String),
    }
    const LEGACY: [&str; 10] = [
        "TShirtTop",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "AnkleBoot",
    ];
    match LabelOrName::deserialize(deserializer)? {
        LabelOrName::Label(label) => Ok(label),
        LabelOrName::Name(name) => LEGACY
            .iter()
            .position(|&legacy| legacy == name)
            .and_then(|label| u8::try_from(label).ok())
            .ok_or_else(|| {
                serde::de::Error::custom(format!("unknown class `{name}`: expected a label number"))
            }),
    }
}

impl Task {
    /// All classes of a data set with `count` classes.
    #[must_use]
    pub fn all(count: usize) -> Self {
        Self::AllClasses { count }
    }

    /// How many logits the network must output.
    #[must_use]
    pub fn class_count(self) -> usize {
        match self {
            Self::AllClasses { count } => count,
            Self::Binary { .. } => 2,
        }
    }

    /// The data set labels in output order (output index → label).
    #[must_use]
    pub fn labels(self) -> Vec<u8> {
        match self {
            Self::AllClasses { count } => (0..count).filter_map(|label| u8::try_from(label).ok()).collect(),
            Self::Binary { positive, negative } => vec![negative, positive],
        }
    }

    /// The output index of a data set label, or `None` when the task does not include it.
    #[must_use]
    pub fn output_index(self, label: u8) -> Option<usize> {
        match self {
            Self::AllClasses { count } => (usize::from(label) < count).then_some(usize::from(label)),
            Self::Binary { positive, .. } if label == positive => Some(1),
            Self::Binary { negative, .. } if label == negative => Some(0),
            Self::Binary { .. } => None,
        }
    }

    /// The fewest classes a data set needs for this task (its largest label + 1).
    #[must_use]
    pub fn needs_classes(self) -> usize {
        match self {
            Self::AllClasses { count } => count,
            Self::Binary { positive, negative } => usize::from(positive.max(negative)) + 1,
        }
    }

    /// The task in words with the data set's class names: "all 10 classes", "Sneaker vs Ankle boot".
    #[must_use]
    pub fn describe(self, classes: &crate::data::ClassNames) -> String {
        match self {
            Self::AllClasses { count } => format!("all {count} classes"),
            Self::Binary { positive, negative } => {
                format!("{} vs {}", classes.name(usize::from(negative)), classes.name(usize::from(positive)))
            }
        }
    }

    /// The class names in output order, taken from the data set's names.
    #[must_use]
    pub fn output_names(self, classes: &crate::data::ClassNames) -> Vec<String> {
        self.labels().into_iter().map(|label| classes.name(usize::from(label)).into_owned()).collect()
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AllClasses { count } => write!(f, "all {count} classes"),
            Self::Binary { positive, negative } => write!(f, "class {negative} vs class {positive}"),
        }
    }
}

/// One layer of a [`ModelSpec`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum LayerSpec {
    /// Fully connected layer with bias, on a flat input: `[batch, in]` → `[batch, units]`.
    Dense {
        /// Output features.
        units: usize,
    },
    /// 2-D convolution with bias over an image: `[batch, c, h, w]` → `[batch, filters, h', w']`.
    Conv2d {
        /// Output channels.
        filters: usize,
        /// Side of the square kernel.
        kernel: usize,
        /// Step between kernel positions (default 1).
        #[serde(default = "default_stride")]
        stride: usize,
        /// Border handling (default `Valid`); `Same` needs an odd kernel.
        #[serde(default = "default_padding")]
        padding: Padding,
    },
    /// Max pooling with a `size`×`size` window and stride `size`; leftover rows/columns are dropped.
    MaxPool {
        /// Window side and stride.
        size: usize,
    },
    /// Averages each channel over the whole image: `[batch, c, h, w]` → `[batch, c]`.
    GlobalAvgPool,
    /// Batch normalisation (per channel on images, per feature on flat inputs), with a learned
    /// scale and shift, ε = 1e-5 and running statistics updated with momentum 0.1.
    BatchNorm,
    /// Zeroes each value with probability `rate` while training (scaling the rest by
    /// `1 / (1 - rate)`); does nothing in evaluation.
    Dropout {
        /// Probability of dropping a value, in `0.0..1.0`.
        rate: f32,
    },
    /// `[batch, c, h, w]` → `[batch, c·h·w]`.
    Flatten,
    /// `max(x, 0)`.
    Relu,
    /// `x` if positive, else `negative_slope · x`.
    LeakyRelu {
        /// Slope for negative inputs (default 0.01).
        #[serde(default = "default_negative_slope")]
        negative_slope: f32,
    },
    /// Hyperbolic tangent.
    Tanh,
    /// Logistic sigmoid.
    Sigmoid,
}

fn default_stride() -> usize {
    1
}

fn default_padding() -> Padding {
    Padding::Valid
}

fn default_negative_slope() -> f32 {
    0.01
}

impl LayerSpec {
    /// The kind of layer without its settings ("Conv2d", "Dense", …).
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Dense { .. } => "Dense",
            Self::Conv2d { .. } => "Conv2d",
            Self::MaxPool { .. } => "MaxPool",
            Self::GlobalAvgPool => "GlobalAvgPool",
            Self::BatchNorm => "BatchNorm",
            Self::Dropout { .. } => "Dropout",
            Self::Flatten => "Flatten",
            Self::Relu => "ReLU",
            Self::LeakyRelu { .. } => "LeakyReLU",
            Self::Tanh => "Tanh",
            Self::Sigmoid => "Sigmoid",
        }
    }

    /// Whether the layer is an activation function (no parameters, elementwise).
    #[must_use]
    pub fn is_activation(&self) -> bool {
        matches!(self, Self::Relu | Self::LeakyRelu { .. } | Self::Tanh | Self::Sigmoid)
    }
}

/// The display name used in summaries and error messages: "Conv2d 32 3×3 valid", "Dense 128",
/// "MaxPool 2", "Dropout 0.5".
impl fmt::Display for LayerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dense { units } => write!(f, "Dense {units}"),
            Self::Conv2d { filters, kernel, stride, padding } => {
                let padding = match padding {
                    Padding::Valid => "valid",
                    Padding::Same => "same",
                };
                write!(f, "Conv2d {filters} {kernel}×{kernel} {padding}")?;
                if *stride != 1 {
                    write!(f, " stride {stride}")?;
                }
                Ok(())
            }
            Self::MaxPool { size } => write!(f, "MaxPool {size}"),
            Self::Dropout { rate } => write!(f, "Dropout {rate}"),
            Self::LeakyRelu { negative_slope } => write!(f, "LeakyReLU {negative_slope}"),
            Self::GlobalAvgPool
            | Self::BatchNorm
            | Self::Flatten
            | Self::Relu
            | Self::Tanh
            | Self::Sigmoid => f.write_str(self.kind_name()),
        }
    }
}

impl ModelSpec {
    /// A compact one-line outline for tables: the layers that shape the network, with batch norm
    /// marked on the layer it follows ("Conv32 3×3+BN → Pool2 → Dense128 → Dense10").
    #[must_use]
    pub fn outline(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for layer in &self.layers {
            match layer {
                LayerSpec::Dense { units } => parts.push(format!("Dense{units}")),
                LayerSpec::Conv2d { filters, kernel, .. } => {
                    parts.push(format!("Conv{filters} {kernel}×{kernel}"));
                }
                LayerSpec::MaxPool { size } => parts.push(format!("Pool{size}")),
                LayerSpec::GlobalAvgPool => parts.push("AvgPool".to_owned()),
                LayerSpec::BatchNorm => match parts.last_mut() {
                    Some(last) => last.push_str("+BN"),
                    None => parts.push("BN".to_owned()),
                },
                LayerSpec::Dropout { .. }
                | LayerSpec::Flatten
                | LayerSpec::Relu
                | LayerSpec::LeakyRelu { .. }
                | LayerSpec::Tanh
                | LayerSpec::Sigmoid => {}
            }
        }
        parts.join(" → ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_and_fills_defaults() {
        let json = r#"{"name": "mine", "layers": [
            {"type": "Conv2d", "filters": 8, "kernel": 3},
            {"type": "LeakyRelu"},
            {"type": "MaxPool", "size": 2},
            {"type": "Flatten"},
            {"type": "Dense", "units": 10}]}"#;
        let spec: ModelSpec = serde_json::from_str(json).unwrap();
        assert_eq!(spec.task, Task::all(10));
        assert_eq!(
            spec.layers[0],
            LayerSpec::Conv2d { filters: 8, kernel: 3, stride: 1, padding: Padding::Valid }
        );
        assert_eq!(spec.layers[1], LayerSpec::LeakyRelu { negative_slope: 0.01 });
        let back: ModelSpec = serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
        assert_eq!(back, spec);

        let binary = ModelSpec { task: Task::Binary { positive: 9, negative: 7 }, ..spec };
        let text = serde_json::to_string(&binary).unwrap();
        assert!(text.contains(r#""task":{"type":"Binary","positive":9,"negative":7}"#), "{text}");
        assert_eq!(serde_json::from_str::<ModelSpec>(&text).unwrap(), binary);
        // Files written before data sets became data name Fashion-MNIST classes.
        let legacy =
            text.replace(r#""positive":9,"negative":7"#, r#""positive":"AnkleBoot","negative":"Sneaker""#);
        assert_eq!(serde_json::from_str::<ModelSpec>(&legacy).unwrap(), binary);
        let ten = serde_json::from_str::<Task>(r#"{"type":"TenClass"}"#).unwrap();
        assert_eq!(ten, Task::all(10));
    }

    #[test]
    fn binary_task_puts_negative_at_index_zero() {
        let task = Task::Binary { positive: 9, negative: 7 };
        assert_eq!(task.labels(), vec![7, 9]);
        assert_eq!(task.output_index(9), Some(1));
        assert_eq!(task.output_index(7), Some(0));
        assert_eq!(task.output_index(8), None);
        assert_eq!(task.describe(&crate::data::ClassNames::fashion_mnist()), "Sneaker vs Ankle boot");
        assert_eq!(task.needs_classes(), 10);
        assert_eq!(Task::all(10).output_index(8), Some(8));
        assert_eq!(Task::all(3).output_index(3), None);
    }

    #[test]
    fn display_names_read_like_the_docs() {
        let conv = LayerSpec::Conv2d { filters: 32, kernel: 3, stride: 1, padding: Padding::Valid };
        assert_eq!(conv.to_string(), "Conv2d 32 3×3 valid");
        let strided = LayerSpec::Conv2d { filters: 16, kernel: 5, stride: 2, padding: Padding::Same };
        assert_eq!(strided.to_string(), "Conv2d 16 5×5 same stride 2");
        assert_eq!(LayerSpec::Dropout { rate: 0.5 }.to_string(), "Dropout 0.5");
        assert_eq!(LayerSpec::Relu.to_string(), "ReLU");
    }
}
