//! The one-file model format: a `.safetensors` file holding the weights under the network's
//! stable names and, as string metadata, the spec, the training config, the report and the
//! dataset checksum. Writes are atomic; loading validates everything and names what is wrong.

mod format;
mod metadata;
pub mod onnx;

use std::path::{Path, PathBuf};

pub use format::{FORMAT_VERSION, RawModelFile, RawTensor, keys};
pub use metadata::{LoadedModel, ModelMetadata, load_model, load_model_bytes, read_metadata, save_model};

/// Why a model file could not be written or loaded. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// The file could not be read or written.
    #[error("cannot {access} {}: {source}", path.display())]
    Io {
        /// The model file.
        path: PathBuf,
        /// Reading or writing.
        access: Access,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is shorter than its own header says: an interrupted copy or download.
    #[error("{} is truncated: it has {actual_bytes} bytes, its header announces {expected_bytes}", path.display())]
    Truncated {
        /// The model file.
        path: PathBuf,
        /// Size the header announces.
        expected_bytes: usize,
        /// Size on disk.
        actual_bytes: usize,
    },
    /// The file is not a safetensors file at all (a picture, random bytes, …).
    #[error("{} is not a model file: {reason}", path.display())]
    NotAModel {
        /// The file.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// A safetensors file, but not one written by Atelier (no format version).
    #[error("{} is a safetensors file but not an Atelier model (it has no `format_version` metadata)", path.display())]
    NotAtelierModel {
        /// The file.
        path: PathBuf,
    },
    /// Written by an older Atelier in a format this build no longer reads.
    #[error(
        "{} uses model format {found}, written by an older Atelier; this version reads format {}: retrain the model or open it with the Atelier that made it",
        path.display(), FORMAT_VERSION
    )]
    OlderVersion {
        /// The file.
        path: PathBuf,
        /// Its format version.
        found: u32,
    },
    /// Written by a newer Atelier.
    #[error(
        "{} uses model format {found}, written by a newer Atelier; this version reads format {}: update Atelier to open it",
        path.display(), FORMAT_VERSION
    )]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// Its format version.
        found: u32,
    },
    /// A metadata entry is missing or cannot be parsed.
    #[error("{}: metadata `{key}` {reason}", path.display())]
    Metadata {
        /// The file.
        path: PathBuf,
        /// The metadata key.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A tensor is stored in a number type other than `f32`.
    #[error("{}: tensor `{tensor}` is stored as {found}, expected F32", path.display())]
    TensorType {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// Its stored type.
        found: String,
    },
    /// The tensors do not fit the architecture the file's spec describes (missing, extra or
    /// wrongly shaped tensor, named in `source`).
    #[error("{}: the weights do not match the model's architecture: {source}", path.display())]
    Architecture {
        /// The file.
        path: PathBuf,
        /// What differs, naming the tensor (boxed: candle's errors are large).
        source: Box<crate::model::ModelError>,
    },
    /// The tensors could not be serialised.
    #[error("could not encode {}: {reason}", path.display())]
    Encode {
        /// The file being written.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
}

/// What was being done with a file when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reading it.
    Read,
    /// Writing it (or its folder: full disk, read-only folder, missing folder).
    Write,
}

impl std::fmt::Display for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Read => "read",
            Self::Write => "write",
        })
    }
}

/// Reads and checks a model file without building a network: its tensors and metadata.
///
/// # Errors
/// The file cannot be read, is truncated, is not a safetensors file, is not an Atelier model,
/// has another format version, or holds a tensor that is not `f32`.
pub fn read_raw(path: &Path) -> Result<RawModelFile, ModelFileError> {
    let bytes = std::fs::read(path).map_err(|source| ModelFileError::Io {
        path: path.to_path_buf(),
        access: Access::Read,
        source,
    })?;
    format::decode(path, &bytes)
}

/// Writes tensors and metadata as a model file, atomically (temporary file, fsync, rename).
///
/// # Errors
/// Encoding fails or the file cannot be written; the previous file at `path`, if any, is kept.
pub fn write_raw(path: &Path, file: &RawModelFile) -> Result<(), ModelFileError> {
    let bytes = format::encode(path, file)?;
    crate::files::write_atomically(path, &bytes).map_err(|source| ModelFileError::Io {
        path: path.to_path_buf(),
        access: Access::Write,
        source,
    })
}
