//! A spec and its weights as an ONNX graph: one or two operators per layer, the weights as
//! initializers under the model file's names, `image` in, `logits` and `probabilities` out.
//!
//! The operators compute exactly what `ops/` does: convolutions with symmetric zero padding of
//! `kernel / 2` for `Same`, max pooling with stride = window (floor), batch normalisation in its
//! inference form with ε = [`BATCH_NORM_EPS`], dense layers as `Gemm` with the `[out, in]` weight
//! transposed, and `Flatten` in NCHW order like `flatten_from(1)`. Dropout does nothing at inference
//! and is left out.

use std::collections::HashMap;

use super::OnnxExportError;
use super::schema::{AttributeValue, Dim, Initializer, Node, ValueInfo};
use crate::data::IMAGE_SIDE;
use crate::model::{LayerSpec, ModelSpec};
use crate::ops::BATCH_NORM_EPS;

/// The graph input's name.
pub const INPUT_NAME: &str = "image";
/// The output holding one logit per class.
pub const LOGITS_NAME: &str = "logits";
/// The output holding the softmax of the logits.
pub const PROBABILITIES_NAME: &str = "probabilities";
/// The symbolic batch dimension.
const BATCH: &str = "N";

/// The nodes, initializers, inputs and outputs of a model's graph.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Graph {
    pub(super) nodes: Vec<Node>,
    pub(super) initializers: Vec<Initializer>,
    pub(super) inputs: Vec<ValueInfo>,
    pub(super) outputs: Vec<ValueInfo>,
}

/// One stored tensor: its shape and row-major values.
pub(super) type Weights = HashMap<String, (Vec<usize>, Vec<f32>)>;

/// Builds the graph of `spec` with `weights` (`layers.{i}.weight`, …, as `Network::named_tensors`
/// names them).
///
/// # Errors
/// [`OnnxExportError::MissingWeight`] naming a tensor the spec needs and `weights` lacks.
pub(super) fn build(spec: &ModelSpec, mut weights: Weights) -> Result<Graph, OnnxExportError> {
    let mut builder = Builder { nodes: Vec::new(), initializers: Vec::new(), current: INPUT_NAME.to_owned() };
    for (index, layer) in spec.layers.iter().enumerate() {
        let mut weight = |suffix: &str| -> Result<String, OnnxExportError> {
            let name = format!("layers.{index}.{suffix}");
            let (dims, values) =
                weights.remove(&name).ok_or_else(|| OnnxExportError::MissingWeight { name: name.clone() })?;
            builder.initializers.push(Initializer { name: name.clone(), dims, values });
            Ok(name)
        };
        match *layer {
            LayerSpec::Dense { .. } => {
                let inputs = vec![weight("weight")?, weight("bias")?];
                // y = x·Wᵀ + b: the stored weight is [units, in], like PyTorch's Linear.
                builder.push(index, "Gemm", inputs, vec![("transB", AttributeValue::Int(1))]);
            }
            LayerSpec::Conv2d { kernel, stride, padding, .. } => {
                let inputs = vec![weight("weight")?, weight("bias")?];
                let pad = to_i64(padding.amount(kernel));
                let attributes = vec![
                    ("kernel_shape", AttributeValue::Ints(vec![to_i64(kernel); 2])),
                    ("strides", AttributeValue::Ints(vec![to_i64(stride); 2])),
                    // Begin and end of each axis: the same `kernel / 2` on every side.
                    ("pads", AttributeValue::Ints(vec![pad; 4])),
                ];
                builder.push(index, "Conv", inputs, attributes);
            }
            LayerSpec::MaxPool { size } => {
                let window = AttributeValue::Ints(vec![to_i64(size); 2]);
                builder.push(
                    index,
                    "MaxPool",
                    vec![],
                    vec![("kernel_shape", window.clone()), ("strides", window)],
                );
            }
            LayerSpec::GlobalAvgPool => {
                // [N, C, 1, 1], then [N, C] as the spec's shape rules say.
                builder.push(index, "GlobalAveragePool", vec![], vec![]);
                builder.push(index, "Flatten", vec![], vec![("axis", AttributeValue::Int(1))]);
            }
            LayerSpec::BatchNorm => {
                let inputs =
                    vec![weight("weight")?, weight("bias")?, weight("running_mean")?, weight("running_var")?];
                // 1e-5 rounded to f32, as ONNX stores it (the kernels add it in the tensor's dtype).
                #[allow(clippy::cast_possible_truncation)]
                let epsilon = AttributeValue::Float(BATCH_NORM_EPS as f32);
                builder.push(index, "BatchNormalization", inputs, vec![("epsilon", epsilon)]);
            }
            LayerSpec::Dropout { .. } => {}
            LayerSpec::Flatten => {
                builder.push(index, "Flatten", vec![], vec![("axis", AttributeValue::Int(1))]);
            }
            LayerSpec::Relu => builder.push(index, "Relu", vec![], vec![]),
            LayerSpec::LeakyRelu { negative_slope } => {
                builder.push(
                    index,
                    "LeakyRelu",
                    vec![],
                    vec![("alpha", AttributeValue::Float(negative_slope))],
                );
            }
            LayerSpec::Tanh => builder.push(index, "Tanh", vec![], vec![]),
            LayerSpec::Sigmoid => builder.push(index, "Sigmoid", vec![], vec![]),
        }
    }
    let Builder { mut nodes, initializers, .. } = builder;
    // The last operator writes `logits` (a valid spec always has one: it ends with Dense).
    let last = nodes.last_mut().ok_or(OnnxExportError::EmptyGraph)?;
    last.outputs = vec![LOGITS_NAME.to_owned()];
    nodes.push(Node {
        name: "softmax".to_owned(),
        op_type: "Softmax",
        inputs: vec![LOGITS_NAME.to_owned()],
        outputs: vec![PROBABILITIES_NAME.to_owned()],
        attributes: vec![("axis", AttributeValue::Int(1))],
    });
    let classes = spec.task.class_count();
    let side = IMAGE_SIDE;
    let inputs = vec![ValueInfo {
        name: INPUT_NAME.to_owned(),
        dims: vec![Dim::Symbolic(BATCH), Dim::Fixed(1), Dim::Fixed(side), Dim::Fixed(side)],
        doc: "grayscale pictures, pixel / 255, 0 = black background (light object on dark)".to_owned(),
    }];
    let outputs = vec![
        ValueInfo {
            name: LOGITS_NAME.to_owned(),
            dims: vec![Dim::Symbolic(BATCH), Dim::Fixed(classes)],
            doc: "one score per class, in the order of the `class_names` metadata".to_owned(),
        },
        ValueInfo {
            name: PROBABILITIES_NAME.to_owned(),
            dims: vec![Dim::Symbolic(BATCH), Dim::Fixed(classes)],
            doc: "softmax of the logits: one probability per class".to_owned(),
        },
    ];
    Ok(Graph { nodes, initializers, inputs, outputs })
}

/// Appends nodes, each reading the previous node's output.
struct Builder {
    nodes: Vec<Node>,
    initializers: Vec<Initializer>,
    /// The value the next node reads.
    current: String,
}

impl Builder {
    /// Adds `op_type(current, extra_inputs…)` for layer `index`; its output becomes `current`.
    fn push(
        &mut self,
        index: usize,
        op_type: &'static str,
        extra_inputs: Vec<String>,
        attributes: Vec<(&'static str, AttributeValue)>,
    ) {
        let name = format!("layers.{index}.{op_type}");
        let output = format!("{name}.out");
        let mut inputs = vec![std::mem::replace(&mut self.current, output.clone())];
        inputs.extend(extra_inputs);
        self.nodes.push(Node { name, op_type, inputs, outputs: vec![output], attributes });
    }
}

/// Sizes of validated specs are small; saturate rather than wrap should one not be.
fn to_i64(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PresetId;

    fn zero_weights(spec: &ModelSpec) -> Weights {
        let network = crate::model::Network::new(spec, &candle_core::Device::Cpu, 0).unwrap();
        network
            .named_tensors()
            .unwrap()
            .into_iter()
            .map(|(name, tensor)| (name, (tensor.dims().to_vec(), vec![0.0; tensor.elem_count()])))
            .collect()
    }

    #[test]
    fn the_cnn_preset_becomes_a_chain_ending_in_logits_and_probabilities() {
        let spec = PresetId::Cnn.spec();
        let graph = build(&spec, zero_weights(&spec)).unwrap();
        let ops: Vec<&str> = graph.nodes.iter().map(|node| node.op_type).collect();
        assert!(!ops.contains(&"Dropout"), "{ops:?}");
        assert_eq!(ops.first(), Some(&"Conv"));
        assert_eq!(&ops[ops.len() - 2..], ["Gemm", "Softmax"]);
        assert_eq!(graph.nodes[0].inputs[0], INPUT_NAME);
        for pair in graph.nodes.windows(2) {
            assert_eq!(pair[1].inputs[0], pair[0].outputs[0], "each node reads the one before");
        }
        assert_eq!(graph.nodes[graph.nodes.len() - 2].outputs, [LOGITS_NAME]);
        assert_eq!(graph.nodes.last().unwrap().outputs, [PROBABILITIES_NAME]);
        let names: Vec<&str> = graph.initializers.iter().map(|init| init.name.as_str()).collect();
        assert!(names.contains(&"layers.0.weight"), "{names:?}");
    }

    #[test]
    fn a_missing_weight_is_named() {
        let spec = PresetId::Dense.spec();
        let mut weights = zero_weights(&spec);
        let dense_bias = weights.keys().find(|name| name.ends_with(".bias")).unwrap().clone();
        weights.remove(&dense_bias);
        let error = build(&spec, weights).unwrap_err();
        assert!(error.to_string().contains(&dense_bias), "{error}");
    }
}
