//! The bytes of a model file: safetensors with `f32` tensors and string metadata, and the checks
//! that tell a truncated file, a file of another kind and a file of another format version apart.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors, View};

use super::ModelFileError;

/// The model-file format this build writes and reads. Bump it when the meaning of the stored
/// names or metadata changes, and say in [`ModelFileError::OlderVersion`] what to do.
pub const FORMAT_VERSION: u32 = 1;

/// The metadata keys of a model file.
pub mod keys {
    /// The format version, a decimal integer.
    pub const FORMAT_VERSION: &str = "format_version";
    /// The model spec as JSON.
    pub const SPEC: &str = "spec";
    /// The training config as JSON (optional).
    pub const TRAIN_CONFIG: &str = "train_config";
    /// The classification report as JSON (optional).
    pub const REPORT: &str = "report";
    /// The data set the model learned from, as JSON: name, class names, fingerprint.
    pub const DATASET: &str = "dataset";
    /// Checksum of the training data, in files written before [`DATASET`] (read, no longer written).
    pub const DATASET_CHECKSUM: &str = "dataset_checksum";
    /// When the file was written, RFC 3339 UTC.
    pub const CREATED: &str = "created";
    /// The test-time augmentation predictions use, as JSON (`"none"`, `"horizontal_flip"`);
    /// files written before it existed have none, which reads as `"none"`.
    pub const TEST_TIME_AUGMENTATION: &str = "test_time_augmentation";
}

/// One tensor as stored: a name, a shape and row-major `f32` values.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTensor {
    /// Stable name (`layers.0.weight`).
    pub name: String,
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Row-major values; `shape.iter().product()` of them.
    pub values: Vec<f32>,
}

impl View for &RawTensor {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.values.iter().flat_map(|value| value.to_le_bytes()).collect())
    }

    fn data_len(&self) -> usize {
        self.values.len() * std::mem::size_of::<f32>()
    }
}

/// Tensors and metadata of a model file, before they are matched to a network.
#[derive(Debug, Clone, PartialEq)]
pub struct RawModelFile {
    /// String metadata (`format_version`, `spec`, …).
    pub metadata: HashMap<String, String>,
    /// The tensors, sorted by name.
    pub tensors: Vec<RawTensor>,
}

/// Serialises tensors and metadata to the bytes of a safetensors file.
pub(super) fn encode(path: &Path, file: &RawModelFile) -> Result<Vec<u8>, ModelFileError> {
    safetensors::tensor::serialize(
        file.tensors.iter().map(|t| (t.name.as_str(), t)),
        Some(file.metadata.clone()),
    )
    .map_err(|error| ModelFileError::Encode { path: path.to_path_buf(), reason: error.to_string() })
}

/// Parses the bytes of a model file read from `path`, checking that it is a complete safetensors
/// file written by Atelier in a format version this build reads.
pub(super) fn decode(path: &Path, bytes: &[u8]) -> Result<RawModelFile, ModelFileError> {
    let path_buf = path.to_path_buf();
    let tensors = match SafeTensors::deserialize(bytes) {
        Ok(tensors) => tensors,
        Err(error) => {
            if let Some(expected_bytes) = truncated_length(bytes) {
                return Err(ModelFileError::Truncated {
                    path: path_buf,
                    expected_bytes,
                    actual_bytes: bytes.len(),
                });
            }
            return Err(ModelFileError::NotAModel { path: path_buf, reason: describe(&error) });
        }
    };
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|error| ModelFileError::NotAModel { path: path_buf.clone(), reason: describe(&error) })?;
    let metadata = header.metadata().clone().unwrap_or_default();
    check_version(path, &metadata)?;

    let mut raw = Vec::new();
    for (name, view) in tensors.iter() {
        if view.dtype() != Dtype::F32 {
            return Err(ModelFileError::TensorType {
                path: path_buf,
                tensor: name.to_owned(),
                found: format!("{:?}", view.dtype()),
            });
        }
        let values =
            view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        raw.push(RawTensor { name: name.to_owned(), shape: view.shape().to_vec(), values });
    }
    raw.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(RawModelFile { metadata, tensors: raw })
}

/// Refuses a file that is not an Atelier model or whose format version this build does not read.
fn check_version(path: &Path, metadata: &HashMap<String, String>) -> Result<(), ModelFileError> {
    let Some(version) = metadata.get(keys::FORMAT_VERSION) else {
        return Err(ModelFileError::NotAtelierModel { path: path.to_path_buf() });
    };
    let Ok(found) = version.trim().parse::<u32>() else {
        return Err(ModelFileError::Metadata {
            path: path.to_path_buf(),
            key: keys::FORMAT_VERSION,
            reason: format!("`{version}` is not a version number"),
        });
    };
    match found.cmp(&FORMAT_VERSION) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(ModelFileError::OlderVersion { path: path.to_path_buf(), found }),
        std::cmp::Ordering::Greater => Err(ModelFileError::NewerVersion { path: path.to_path_buf(), found }),
    }
}

/// If `bytes` start like a safetensors file whose header or data reach past the end, the length
/// the complete file would have.
fn truncated_length(bytes: &[u8]) -> Option<usize> {
    const MAX_HEADER_BYTES: usize = 100_000_000;
    let header_len = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
    // Beyond this the first eight bytes are not a header length: a file of another kind.
    if header_len == 0 || header_len > MAX_HEADER_BYTES {
        return None;
    }
    let Some(header) = bytes.get(8..8 + header_len) else {
        // The header itself is cut; only call it truncated if what there is looks like JSON.
        return (bytes.get(8) == Some(&b'{')).then_some(8 + header_len);
    };
    let header: serde_json::Value = serde_json::from_slice(header).ok()?;
    let data_end = header
        .as_object()?
        .iter()
        .filter(|(name, _)| name.as_str() != "__metadata__")
        .filter_map(|(_, info)| info.get("data_offsets")?.get(1)?.as_u64())
        .max()
        .unwrap_or(0);
    let expected = 8 + header_len + usize::try_from(data_end).ok()?;
    (expected > bytes.len()).then_some(expected)
}

/// A user-facing reason why bytes are not a safetensors file.
fn describe(error: &SafeTensorError) -> String {
    match error {
        SafeTensorError::HeaderTooLarge
        | SafeTensorError::HeaderTooSmall
        | SafeTensorError::InvalidHeaderLength => "it does not start with a safetensors header".to_owned(),
        SafeTensorError::InvalidHeader(_) | SafeTensorError::InvalidHeaderDeserialization(_) => {
            "its safetensors header is not valid JSON".to_owned()
        }
        other => format!("its safetensors layout is invalid ({other})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RawModelFile {
        let mut metadata = HashMap::new();
        metadata.insert(keys::FORMAT_VERSION.to_owned(), FORMAT_VERSION.to_string());
        metadata.insert(keys::SPEC.to_owned(), "{}".to_owned());
        let tensors = vec![
            RawTensor { name: "layers.0.bias".to_owned(), shape: vec![2], values: vec![0.5, -1.0] },
            RawTensor { name: "layers.0.weight".to_owned(), shape: vec![2, 3], values: vec![1.0; 6] },
        ];
        RawModelFile { metadata, tensors }
    }

    fn path() -> &'static Path {
        Path::new("model.safetensors")
    }

    #[test]
    fn encode_then_decode_gives_back_the_same_tensors_and_metadata() {
        let bytes = encode(path(), &sample()).unwrap();
        assert_eq!(decode(path(), &bytes).unwrap(), sample());
    }

    #[test]
    fn every_cut_of_the_file_is_reported_as_truncated_or_not_a_model() {
        let bytes = encode(path(), &sample()).unwrap();
        for cut in [1, 8, 20, bytes.len() / 2, bytes.len() - 1] {
            let error = decode(path(), &bytes[..cut]).unwrap_err();
            assert!(
                matches!(error, ModelFileError::Truncated { .. } | ModelFileError::NotAModel { .. }),
                "cut at {cut}: {error}"
            );
        }
        let error = decode(path(), &bytes[..bytes.len() - 1]).unwrap_err();
        assert!(
            matches!(error, ModelFileError::Truncated { actual_bytes, .. } if actual_bytes == bytes.len() - 1)
        );
    }

    #[test]
    fn a_png_is_not_a_model() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x1c\0\0\0\x1c\x08\0\0\0\0";
        assert!(matches!(decode(path(), png).unwrap_err(), ModelFileError::NotAModel { .. }));
    }

    #[test]
    fn versions_other_than_ours_are_named() {
        for (version, older) in [("0", true), ("2", false)] {
            let mut file = sample();
            file.metadata.insert(keys::FORMAT_VERSION.to_owned(), version.to_owned());
            let error = decode(path(), &encode(path(), &file).unwrap()).unwrap_err();
            if older {
                assert!(matches!(error, ModelFileError::OlderVersion { found: 0, .. }), "{error}");
            } else {
                assert!(matches!(error, ModelFileError::NewerVersion { found: 2, .. }), "{error}");
            }
        }
        let mut file = sample();
        file.metadata.clear();
        let error = decode(path(), &encode(path(), &file).unwrap()).unwrap_err();
        assert!(matches!(error, ModelFileError::NotAtelierModel { .. }));
    }
}
