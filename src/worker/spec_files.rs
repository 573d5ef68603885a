//! Model specs as JSON files, read and written on the worker (the UI thread never touches files).
//! Writes go to a temporary file in the same folder, renamed into place, so nothing is half-written.

use std::path::Path;

use crate::model::ModelSpec;

/// Writes `spec` as pretty JSON to `path`.
pub(super) fn save(spec: &ModelSpec, path: &Path) -> Result<(), String> {
    let json =
        serde_json::to_string_pretty(spec).map_err(|error| format!("could not encode the spec: {error}"))?;
    let file_name = path.file_name().ok_or_else(|| format!("{} is not a file name", path.display()))?;
    let temp = path.with_file_name(format!(".{}.tmp", file_name.to_string_lossy()));
    std::fs::write(&temp, json.as_bytes())
        .map_err(|error| format!("could not write {}: {error}", temp.display()))?;
    std::fs::rename(&temp, path).map_err(|error| {
        let _ = std::fs::remove_file(&temp);
        format!("could not write {}: {error}", path.display())
    })
}

/// Reads a spec from `path`. The spec may still be invalid; the Model tab shows why.
pub(super) fn load(path: &Path) -> Result<ModelSpec, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("could not read {}: {error}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|error| format!("{} is not a model spec: {error}", path.display()))
}
