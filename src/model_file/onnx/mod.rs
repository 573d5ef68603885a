//! Export to ONNX (opset 13), verified on every export: the graph is encoded by a small
//! hand-written protobuf writer, run by an independent runtime (tract) on real test pictures and
//! compared with Atelier's own outputs, and only then written, atomically.
//!
//! The file has one input `image` `[N, 1, 28, 28]` (pixel / 255, 0 = black background) and two
//! outputs, `logits` and `probabilities` `[N, classes]`; its `metadata_props` say what the classes
//! are, how to prepare a picture, and where the model came from.
//!
//! The graph is always the plain network: a model that predicts with flip test-time augmentation
//! in Atelier gets a metadata entry and [`tta_note`] saying so, not a graph that averages.

mod graph;
mod proto;
mod schema;
mod verify;

use std::path::{Path, PathBuf};

use candle_core::DType;

pub use graph::{INPUT_NAME, LOGITS_NAME, PROBABILITIES_NAME};
pub use schema::OPSET_VERSION;
pub use verify::{TOLERANCE, Verification, verify};

use super::ModelMetadata;
use crate::evaluation::TestTimeAugmentation;
use crate::model::{ModelSpec, Network};

/// How many test pictures an export is checked on when that many are at hand.
pub const CHECK_IMAGES: usize = 300;

/// The input convention, as written into the file's metadata.
pub const INPUT_CONVENTION: &str = "image: float32 [N, 1, 28, 28], grayscale, pixel / 255, \
    0 = black background (a light object on a dark background: invert pictures with a light background)";

/// Why an ONNX export failed. Nothing is written at the destination when it does.
#[derive(Debug, thiserror::Error)]
pub enum OnnxExportError {
    /// The network lacks a tensor its spec needs (a bug: loading checks every tensor).
    #[error("tensor `{name}` is missing from the network")]
    MissingWeight {
        /// The tensor's name (`layers.3.weight`).
        name: String,
    },
    /// The spec produced no operator at all (a bug: a valid spec ends with Dense).
    #[error("the model has no layers to export")]
    EmptyGraph,
    /// The network's weights could not be read.
    #[error("could not read the network's weights: {source}")]
    Weights {
        /// What candle reported.
        source: candle_core::Error,
    },
    /// There were no pictures to check the export on.
    #[error("no test pictures to check the export on")]
    NoCheckImages,
    /// A check picture does not have 28×28 pixels.
    #[error("check picture {index} has {len} pixels, expected 784 (28×28)")]
    CheckImageSize {
        /// Its position.
        index: usize,
        /// Its number of pixels.
        len: usize,
    },
    /// Atelier's own network failed on the check pictures.
    #[error("Atelier's network failed on the check pictures: {source}")]
    Network {
        /// What candle reported.
        source: candle_core::Error,
    },
    /// The independent runtime could not load or run the exported graph.
    #[error("the ONNX runtime (tract) could not run the exported graph: {reason}; nothing was written")]
    Runtime {
        /// What the runtime reported.
        reason: String,
    },
    /// The runtime's result differs from Atelier's beyond [`TOLERANCE`].
    #[error(
        "the exported graph disagrees with Atelier on check picture {image}: {output}[{class_index}] is \
         {runtime} in the ONNX runtime (tract) but {atelier} in Atelier (allowed difference {TOLERANCE}); \
         nothing was written"
    )]
    Mismatch {
        /// The output (`logits` or `probabilities`).
        output: &'static str,
        /// The picture's position among the check pictures.
        image: usize,
        /// The class's output index.
        class_index: usize,
        /// Atelier's value.
        atelier: f32,
        /// The runtime's value.
        runtime: f32,
    },
    /// The file could not be written (missing or read-only folder, full disk).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The destination.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// A finished export.
#[derive(Debug, Clone, PartialEq)]
pub struct OnnxExport {
    /// Where the file was written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: usize,
    /// How the independent runtime's outputs compared with Atelier's.
    pub verification: Verification,
}

/// One line to show beside an export of a model predicting with `tta`, when the ONNX graph does
/// not do what Atelier does (`None` when it does).
#[must_use]
pub fn tta_note(tta: TestTimeAugmentation) -> Option<&'static str> {
    match tta {
        TestTimeAugmentation::None => None,
        TestTimeAugmentation::HorizontalFlip => Some(
            "the ONNX graph is the plain network: it does not average each picture with its mirror \
             image (flip TTA) as this model does in Atelier",
        ),
        TestTimeAugmentation::FlipAndShifts => Some(
            "the ONNX graph is the plain network: it does not average each picture over its mirror \
             image and one-pixel shifts (flip + shift TTA) as this model does in Atelier",
        ),
    }
}

/// Encodes `network` with `metadata` as ONNX, checks the bytes with tract on `check_images`
/// (784 bytes each; a few hundred test pictures), and only if they agree writes them to `path`
/// atomically.
///
/// # Errors
/// Any [`OnnxExportError`]; the destination is then left as it was.
pub fn export_onnx(
    path: &Path,
    network: &Network,
    metadata: &ModelMetadata,
    check_images: &[&[u8]],
) -> Result<OnnxExport, OnnxExportError> {
    let bytes = encode(network, metadata)?;
    let verification = verify(&bytes, network, check_images)?;
    crate::files::write_atomically(path, &bytes)
        .map_err(|source| OnnxExportError::Write { path: path.to_path_buf(), source })?;
    Ok(OnnxExport { path: path.to_path_buf(), bytes: bytes.len(), verification })
}

/// The bytes of the ONNX file for `network`, unchecked.
///
/// # Errors
/// The weights cannot be read, or the network lacks one ([`OnnxExportError::MissingWeight`]).
pub fn encode(network: &Network, metadata: &ModelMetadata) -> Result<Vec<u8>, OnnxExportError> {
    let mut weights = graph::Weights::new();
    let named = network.named_tensors().map_err(|source| OnnxExportError::Weights { source })?;
    for (name, tensor) in named {
        let values = tensor
            .to_dtype(DType::F32)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|source| OnnxExportError::Weights { source })?;
        weights.insert(name, (tensor.dims().to_vec(), values));
    }
    let spec = network.spec();
    let graph = graph::build(spec, weights)?;
    let model = schema::Model {
        graph_name: spec.name.clone(),
        nodes: graph.nodes,
        initializers: graph.initializers,
        inputs: graph.inputs,
        outputs: graph.outputs,
        metadata: metadata_props(spec, metadata),
        doc: format!(
            "{} ({}), trained in Atelier: {}",
            spec.name,
            spec.task.describe(&metadata.dataset.classes),
            spec.outline()
        ),
    };
    Ok(model.encode())
}

/// The `metadata_props` entries: what a program using the file needs to know.
fn metadata_props(spec: &ModelSpec, metadata: &ModelMetadata) -> Vec<(String, String)> {
    let mut props = vec![
        ("class_names".to_owned(), serde_json::to_string(&metadata.output_names()).unwrap_or_default()),
        ("input".to_owned(), INPUT_CONVENTION.to_owned()),
        ("outputs".to_owned(), format!("{LOGITS_NAME} and {PROBABILITIES_NAME} (softmax): [N, classes]")),
        ("atelier_version".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
        ("model_name".to_owned(), spec.name.clone()),
        ("task".to_owned(), spec.task.describe(&metadata.dataset.classes)),
        ("spec".to_owned(), serde_json::to_string(spec).unwrap_or_default()),
        ("dataset_name".to_owned(), metadata.dataset.name.clone()),
    ];
    if !metadata.dataset.fingerprint.is_empty() {
        props.push(("dataset_fingerprint".to_owned(), metadata.dataset.fingerprint.clone()));
    }
    if metadata.tta != TestTimeAugmentation::None {
        // A program using the file must do the averaging itself to match Atelier's answers.
        props.push((
            "test_time_augmentation".to_owned(),
            format!(
                "{}: not in this graph; to match Atelier, average the probabilities of the image and \
                 of the image mirrored left to right (last axis reversed)",
                serde_json::to_string(&metadata.tta).unwrap_or_default().trim_matches('"')
            ),
        ));
    }
    if let Some(report) = &metadata.report {
        props.push(("test_accuracy".to_owned(), format!("{:.4}", report.accuracy)));
        props.push(("test_images".to_owned(), report.total.to_string()));
    }
    props
}
