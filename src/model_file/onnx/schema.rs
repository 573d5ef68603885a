//! The ONNX messages an export needs (model, graph, node, attribute, tensor, value info), as plain
//! structs encoded with the field numbers of `onnx/onnx.proto` (stable across ONNX releases).

use super::proto::Message;

/// The operator set the graph uses: 13 (ONNX 1.8) has every operator Atelier's layers need,
/// and every current runtime reads it.
pub const OPSET_VERSION: i64 = 13;
/// The IR version that goes with opset 13 (ONNX 1.8 wrote IR version 7).
const IR_VERSION: i64 = 7;
/// `TensorProto.DataType.FLOAT`.
const FLOAT: i64 = 1;

/// One attribute of a node.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum AttributeValue {
    /// `AttributeProto.f` (type FLOAT = 1).
    Float(f32),
    /// `AttributeProto.i` (type INT = 2).
    Int(i64),
    /// `AttributeProto.ints` (type INTS = 7).
    Ints(Vec<i64>),
}

/// One operator application: `op_type(inputs…) → outputs…`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    /// Unique name, after the layer it comes from (`layers.3.Conv`).
    pub(super) name: String,
    /// The ONNX operator (`Conv`, `Gemm`, …).
    pub(super) op_type: &'static str,
    /// Names of the values it reads.
    pub(super) inputs: Vec<String>,
    /// Names of the values it writes.
    pub(super) outputs: Vec<String>,
    /// Its attributes, by name.
    pub(super) attributes: Vec<(&'static str, AttributeValue)>,
}

/// A constant `float` tensor stored in the file (the weights).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Initializer {
    /// The name nodes read it by (the model file's name: `layers.0.weight`).
    pub(super) name: String,
    /// Its dimensions.
    pub(super) dims: Vec<usize>,
    /// Row-major values.
    pub(super) values: Vec<f32>,
}

/// One dimension of a graph input or output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Dim {
    /// A fixed size.
    Fixed(usize),
    /// A size chosen at run time, named (`N`, the batch).
    Symbolic(&'static str),
}

/// A `float` tensor the graph takes or gives, with its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ValueInfo {
    /// Its name (`image`, `logits`).
    pub(super) name: String,
    /// Its shape.
    pub(super) dims: Vec<Dim>,
    /// What it holds, for people reading the graph (Netron shows it).
    pub(super) doc: String,
}

/// A whole model: the graph and what describes it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Model {
    /// The graph's name (the model's name).
    pub(super) graph_name: String,
    /// Operators in the order they run.
    pub(super) nodes: Vec<Node>,
    /// The weights.
    pub(super) initializers: Vec<Initializer>,
    /// Graph inputs.
    pub(super) inputs: Vec<ValueInfo>,
    /// Graph outputs.
    pub(super) outputs: Vec<ValueInfo>,
    /// `metadata_props`: key/value strings any runtime can read back.
    pub(super) metadata: Vec<(String, String)>,
    /// A sentence on what the model is.
    pub(super) doc: String,
}

impl Model {
    /// The bytes of the `.onnx` file (a serialised `ModelProto`).
    pub(super) fn encode(&self) -> Vec<u8> {
        // ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7,
        // opset_import 8, metadata_props 14.
        let mut model = Message::new();
        model
            .int(1, IR_VERSION)
            .string(2, "Atelier")
            .string(3, env!("CARGO_PKG_VERSION"))
            .string(6, &self.doc)
            .message(7, &self.graph());
        // OperatorSetIdProto: domain 1 (empty: the default ai.onnx domain), version 2.
        let mut opset = Message::new();
        opset.string(1, "").int(2, OPSET_VERSION);
        model.message(8, &opset);
        for (key, value) in &self.metadata {
            // StringStringEntryProto: key 1, value 2.
            let mut entry = Message::new();
            entry.string(1, key).string(2, value);
            model.message(14, &entry);
        }
        model.into_bytes()
    }

    fn graph(&self) -> Message {
        // GraphProto: node 1, name 2, initializer 5, input 11, output 12.
        let mut graph = Message::new();
        for node in &self.nodes {
            graph.message(1, &encode_node(node));
        }
        graph.string(2, &self.graph_name);
        for initializer in &self.initializers {
            graph.message(5, &encode_initializer(initializer));
        }
        for input in &self.inputs {
            graph.message(11, &encode_value_info(input));
        }
        for output in &self.outputs {
            graph.message(12, &encode_value_info(output));
        }
        graph
    }
}

fn encode_node(node: &Node) -> Message {
    // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
    let mut message = Message::new();
    for input in &node.inputs {
        message.string(1, input);
    }
    for output in &node.outputs {
        message.string(2, output);
    }
    message.string(3, &node.name).string(4, node.op_type);
    for (name, value) in &node.attributes {
        // AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7).
        let mut attribute = Message::new();
        attribute.string(1, name);
        match value {
            AttributeValue::Float(value) => {
                attribute.float(2, *value).int(20, 1);
            }
            AttributeValue::Int(value) => {
                attribute.int(3, *value).int(20, 2);
            }
            AttributeValue::Ints(values) => {
                // Not packed: onnx.proto is proto2, whose repeated scalars are one field each.
                for value in values {
                    attribute.int(8, *value);
                }
                attribute.int(20, 7);
            }
        }
        message.message(5, &attribute);
    }
    message
}

fn encode_initializer(initializer: &Initializer) -> Message {
    // TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian values).
    let mut tensor = Message::new();
    for &dim in &initializer.dims {
        tensor.int(1, dim_value(dim));
    }
    tensor.int(2, FLOAT).string(8, &initializer.name);
    let raw: Vec<u8> = initializer.values.iter().flat_map(|value| value.to_le_bytes()).collect();
    tensor.bytes(9, &raw);
    tensor
}

fn encode_value_info(info: &ValueInfo) -> Message {
    // TensorShapeProto.Dimension: dim_value 1, dim_param 2.
    let mut shape = Message::new();
    for dim in &info.dims {
        let mut dimension = Message::new();
        match dim {
            Dim::Fixed(size) => dimension.int(1, dim_value(*size)),
            Dim::Symbolic(name) => dimension.string(2, name),
        };
        // TensorShapeProto: dim 1.
        shape.message(1, &dimension);
    }
    // TypeProto.Tensor: elem_type 1, shape 2; TypeProto: tensor_type 1.
    let mut tensor_type = Message::new();
    tensor_type.int(1, FLOAT).message(2, &shape);
    let mut type_proto = Message::new();
    type_proto.message(1, &tensor_type);
    // ValueInfoProto: name 1, type 2, doc_string 3.
    let mut message = Message::new();
    message.string(1, &info.name).message(2, &type_proto).string(3, &info.doc);
    message
}

/// Sizes come from validated specs (at most millions); saturate rather than wrap should one not.
fn dim_value(size: usize) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}
