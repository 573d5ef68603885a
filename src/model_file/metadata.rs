//! Saving a [`Network`] with its metadata as one model file, and loading it back with every check:
//! format version, spec, and each tensor's name and shape.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};

use super::format::{FORMAT_VERSION, keys};
use super::{Access, ModelFileError, RawModelFile, RawTensor, read_raw, write_raw};
use crate::data::{ClassNames, DatasetIdentity};
use crate::evaluation::{ClassificationReport, TestTimeAugmentation};
use crate::files::now_rfc3339;
use crate::model::{ModelSpec, Network, Task};
use crate::training::TrainConfig;

/// What a model file says besides its weights.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMetadata {
    /// The architecture; must equal the saved network's own spec.
    pub spec: ModelSpec,
    /// The training config the weights came from.
    pub train_config: Option<TrainConfig>,
    /// The final classification report on the test split.
    pub report: Option<ClassificationReport>,
    /// The data set the model learned from: its name, class names (which name the outputs) and
    /// fingerprint. Files written before data sets became data read as Fashion-MNIST.
    pub dataset: DatasetIdentity,
    /// When the file was written, RFC 3339 UTC (set by [`save_model`]).
    pub created: String,
    /// How predictions are made from a picture (flip averaging or not); every use of the model
    /// (evaluation, Predict, the command line) follows it. Older files have none: `None`.
    pub tta: TestTimeAugmentation,
}

impl ModelMetadata {
    /// Metadata for `network`, which learned from `dataset`, with no config or report yet.
    #[must_use]
    pub fn new(network: &Network, dataset: DatasetIdentity) -> Self {
        Self {
            spec: network.spec().clone(),
            train_config: None,
            report: None,
            dataset,
            created: now_rfc3339(),
            tta: TestTimeAugmentation::None,
        }
    }

    /// Metadata for `network` with no config or report, assuming it learned Fashion-MNIST's classes
    /// (numbered classes when its task needs more than ten).
    #[must_use]
    pub fn for_network(network: &Network) -> Self {
        Self::new(network, default_identity(&network.spec().task))
    }

    /// The class names of the model's outputs, in output order.
    #[must_use]
    pub fn output_names(&self) -> Vec<String> {
        self.spec.task.output_names(&self.dataset.classes)
    }
}

/// A network loaded from a model file, with its metadata.
#[derive(Debug)]
pub struct LoadedModel {
    /// The network, weights in place, on the device asked for.
    pub network: Network,
    /// What the file says about it.
    pub metadata: ModelMetadata,
}

/// Writes `network`'s weights and `metadata` to `path` atomically; `created` is set to now.
///
/// # Errors
/// `metadata.spec` differs from the network's spec, a tensor cannot be read, or the file cannot be
/// written (the previous file at `path`, if any, is then left as it was).
pub fn save_model(path: &Path, network: &Network, metadata: &ModelMetadata) -> Result<(), ModelFileError> {
    let metadata_error =
        |key, reason: String| ModelFileError::Metadata { path: path.to_path_buf(), key, reason };
    if metadata.spec != *network.spec() {
        return Err(metadata_error(keys::SPEC, "differs from the network's own spec".to_owned()));
    }
    let mut tensors = Vec::new();
    for (name, tensor) in network.named_tensors().map_err(|error| encode_error(path, &error))? {
        let shape = tensor.dims().to_vec();
        let values = tensor
            .to_dtype(DType::F32)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|error| encode_error(path, &error))?;
        tensors.push(RawTensor { name, shape, values });
    }
    let mut entries = HashMap::new();
    entries.insert(keys::FORMAT_VERSION.to_owned(), FORMAT_VERSION.to_string());
    entries.insert(keys::SPEC.to_owned(), json(&metadata.spec));
    entries.insert(keys::CREATED.to_owned(), now_rfc3339());
    if let Some(config) = &metadata.train_config {
        entries.insert(keys::TRAIN_CONFIG.to_owned(), json(config));
    }
    if let Some(report) = &metadata.report {
        entries.insert(keys::REPORT.to_owned(), json(report));
    }
    entries.insert(keys::DATASET.to_owned(), json(&metadata.dataset));
    entries.insert(keys::TEST_TIME_AUGMENTATION.to_owned(), json(&metadata.tta));
    write_raw(path, &RawModelFile { metadata: entries, tensors })
}

/// Loads the model file at `path` onto `device`: checks the format version, parses and validates
/// the spec, builds the network and loads every tensor, refusing a missing, extra or wrongly
/// shaped one by name.
///
/// # Errors
/// Any [`ModelFileError`]; each names the file.
pub fn load_model(path: &Path, device: &Device) -> Result<LoadedModel, ModelFileError> {
    let bytes = std::fs::read(path).map_err(|source| ModelFileError::Io {
        path: path.to_path_buf(),
        access: Access::Read,
        source,
    })?;
    load_model_bytes(path, &bytes, device)
}

/// Loads a model from the bytes of a model file (`path` only names it in errors): the bundled
/// model, and the fuzzer's entry point. Checked exactly like [`load_model`].
///
/// # Errors
/// Any [`ModelFileError`] but `Io`; each names `path`.
pub fn load_model_bytes(path: &Path, bytes: &[u8], device: &Device) -> Result<LoadedModel, ModelFileError> {
    let raw = super::format::decode(path, bytes)?;
    let metadata = parse_metadata(path, &raw.metadata)?;
    let network = Network::new(&metadata.spec, device, 0).map_err(|source| ModelFileError::Architecture {
        path: path.to_path_buf(),
        source: Box::new(source),
    })?;
    let mut tensors = HashMap::with_capacity(raw.tensors.len());
    for tensor in raw.tensors {
        // A NaN or infinite weight makes every prediction meaningless; training never saves one.
        if let Some(at) = tensor.values.iter().position(|value| !value.is_finite()) {
            return Err(ModelFileError::Metadata {
                path: path.to_path_buf(),
                key: "tensors",
                reason: format!("tensor `{}` holds a value that is not finite at position {at}", tensor.name),
            });
        }
        let values =
            Tensor::from_vec(tensor.values, tensor.shape.as_slice(), &Device::Cpu).map_err(|error| {
                ModelFileError::Metadata {
                    path: path.to_path_buf(),
                    key: "tensors",
                    reason: format!("tensor `{}` cannot be read: {error}", tensor.name),
                }
            })?;
        tensors.insert(tensor.name, values);
    }
    network.load_named(&tensors).map_err(|source| ModelFileError::Architecture {
        path: path.to_path_buf(),
        source: Box::new(source),
    })?;
    Ok(LoadedModel { network, metadata })
}

/// Reads only the metadata of a model file (checked like [`load_model`] up to the spec), without
/// building the network: cheap enough for a list of runs.
///
/// # Errors
/// As [`load_model`], except tensor checks.
pub fn read_metadata(path: &Path) -> Result<ModelMetadata, ModelFileError> {
    parse_metadata(path, &read_raw(path)?.metadata)
}

fn parse_metadata(path: &Path, entries: &HashMap<String, String>) -> Result<ModelMetadata, ModelFileError> {
    let error = |key, reason: String| ModelFileError::Metadata { path: path.to_path_buf(), key, reason };
    let spec_json = entries.get(keys::SPEC).ok_or_else(|| error(keys::SPEC, "is missing".to_owned()))?;
    let spec: ModelSpec = serde_json::from_str(spec_json)
        .map_err(|e| error(keys::SPEC, format!("is not a valid model spec: {e}")))?;
    spec.validate().map_err(|e| error(keys::SPEC, format!("describes an invalid model: {e}")))?;
    let train_config = entries
        .get(keys::TRAIN_CONFIG)
        .map(|json| serde_json::from_str(json))
        .transpose()
        .map_err(|e| error(keys::TRAIN_CONFIG, format!("is not a valid training config: {e}")))?;
    let report = entries
        .get(keys::REPORT)
        .map(|json| serde_json::from_str(json))
        .transpose()
        .map_err(|e| error(keys::REPORT, format!("is not a valid report: {e}")))?;
    let dataset = match entries.get(keys::DATASET) {
        Some(json) => serde_json::from_str::<DatasetIdentity>(json)
            .map_err(|e| error(keys::DATASET, format!("is not a valid data set description: {e}")))?,
        None => {
            let mut legacy = default_identity(&spec.task);
            legacy.fingerprint = entries.get(keys::DATASET_CHECKSUM).cloned().unwrap_or_default();
            legacy
        }
    };
    let tta = entries
        .get(keys::TEST_TIME_AUGMENTATION)
        .map(|json| serde_json::from_str(json))
        .transpose()
        .map_err(|e| {
            error(keys::TEST_TIME_AUGMENTATION, format!("is not a test-time augmentation Atelier knows: {e}"))
        })?
        .unwrap_or_default();
    let needed = spec.task.needs_classes();
    let classes = dataset.classes.len();
    let fits = match spec.task {
        Task::AllClasses { count } => count == classes,
        Task::Binary { .. } => needed <= classes,
    };
    if !fits {
        return Err(error(
            keys::DATASET,
            format!("names {classes} classes, but the model's task needs {needed}"),
        ));
    }
    Ok(ModelMetadata {
        spec,
        train_config,
        report,
        dataset,
        created: entries.get(keys::CREATED).cloned().unwrap_or_default(),
        tta,
    })
}

/// Fashion-MNIST for a task it fits (what every model was before data sets became data), else
/// numbered classes.
fn default_identity(task: &Task) -> DatasetIdentity {
    let fashion = DatasetIdentity::fashion_mnist(None);
    let fits = match *task {
        Task::AllClasses { count } => count == fashion.classes.len(),
        Task::Binary { .. } => task.needs_classes() <= fashion.classes.len(),
    };
    if fits {
        fashion
    } else {
        DatasetIdentity {
            name: "unknown data set".to_owned(),
            classes: ClassNames::numbered(task.needs_classes()),
            fingerprint: String::new(),
        }
    }
}

fn encode_error(path: &Path, error: &candle_core::Error) -> ModelFileError {
    ModelFileError::Encode { path: path.to_path_buf(), reason: error.to_string() }
}

/// Metadata values as JSON text. serde_json cannot fail on these plain types; should it ever,
/// `null` is written and loading reports it, rather than a panic here.
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}
