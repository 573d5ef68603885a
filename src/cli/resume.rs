//! `atelier train --resume RUN_OR_FILE`: finding the resume state a user names, the continued
//! run's config, and the check that it continues on the data it started on.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::data::LoadedData;
use crate::runs::RunStore;
use crate::training::{RESUME_FILE, ResumeState, TrainConfig, load_resume_state};

/// Where the resume state of the model file `model` goes: `x.resume.safetensors` beside `x.safetensors`.
#[must_use]
pub fn path_beside(model: &Path) -> PathBuf {
    let stem = model.file_stem().map_or_else(|| "model".into(), |stem| stem.to_string_lossy().into_owned());
    model.with_file_name(format!("{stem}.resume.safetensors"))
}

/// The resume state `source` names: a resume file, a model file with one beside it, a run folder,
/// or the id of a run in the window's history.
///
/// # Errors
/// Nothing found under that name, or a file that is not a resume state.
pub fn load(source: &str) -> anyhow::Result<ResumeState> {
    let path = Path::new(source);
    let file = if path.is_dir() {
        path.join(RESUME_FILE)
    } else if path.is_file() {
        let beside = path_beside(path);
        if beside.is_file() && !source.ends_with(".resume.safetensors") { beside } else { path.to_path_buf() }
    } else {
        let store = RunStore::open_default()?;
        return store.load_resume(source).with_context(|| {
            format!("`{source}` is neither a file nor a run in {}", store.root().display())
        });
    };
    Ok(load_resume_state(&file)?)
}

/// The continued run's config: the saved one, with `epochs` as its new total when given.
///
/// # Errors
/// A total that is not above the epochs already done.
pub fn config(state: &ResumeState, epochs: Option<usize>) -> anyhow::Result<TrainConfig> {
    let total = epochs.unwrap_or(state.config.epochs);
    if total <= state.epochs_done {
        anyhow::bail!(
            "the run has done {} of its {} epochs; pass --epochs with a new total above {} to train it further",
            state.epochs_done,
            state.config.epochs,
            state.epochs_done
        );
    }
    Ok(TrainConfig { epochs: total, ..state.config.clone() })
}

/// Refuses to continue on other data than the run started on.
///
/// # Errors
/// The fingerprints differ.
pub fn check_data(state: &ResumeState, data: &LoadedData) -> anyhow::Result<()> {
    match &state.dataset_checksum {
        Some(saved) if *saved != data.fingerprint() => anyhow::bail!(
            "the run was trained on other data ({saved}) than {} ({}): continue it on the same data",
            data.source.describe(),
            data.fingerprint()
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_file_sits_beside_the_model() {
        assert_eq!(path_beside(Path::new("out/cnn.safetensors")), Path::new("out/cnn.resume.safetensors"));
    }
}
