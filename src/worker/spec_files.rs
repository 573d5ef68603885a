//! Model specs as JSON files, read and written on the worker (the UI thread never touches files).
//! Writes go to a temporary file in the same folder, renamed into place, so nothing is half-written.

use std::path::Path;

use super::JobError;
use crate::model::ModelSpec;

/// Writes `spec` as pretty JSON to `path`.
pub(super) fn save(spec: &ModelSpec, path: &Path) -> Result<(), JobError> {
    let json = serde_json::to_string_pretty(spec)
        .map_err(|error| JobError::SpecFile(format!("could not encode the spec: {error}")))?;
    if path.file_name().is_none() {
        return Err(JobError::SpecFile(format!("{} is not a file name", path.display())));
    }
    // A unique temporary name: two saves at once never write into the same temporary file, and a
    // failed write leaves the previous spec as it was.
    crate::files::write_atomically(path, json.as_bytes())
        .map_err(|error| JobError::SpecFile(format!("could not write {}: {error}", path.display())))
}

/// Reads a spec from `path`. The spec may still be invalid; the Model tab shows why.
pub(super) fn load(path: &Path) -> Result<ModelSpec, JobError> {
    let bytes = std::fs::read(path)
        .map_err(|error| JobError::SpecFile(format!("could not read {}: {error}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|error| JobError::SpecFile(format!("{} is not a model spec: {error}", path.display())))
}
