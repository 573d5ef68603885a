//! The run history on disk: one folder per training run under the user data folder
//! (`~/.local/share/atelier/runs/` on Linux), holding `run.json` (spec, config, curves, report,
//! timings), `model.safetensors` and `resume.safetensors` (what continuing the run needs). A broken
//! entry is skipped with a warning, never fatal.

mod record;

use std::path::{Path, PathBuf};

use candle_core::Device;

pub use record::RunRecord;

use crate::model::Network;
use crate::model_file::{self, LoadedModel, ModelFileError, ModelMetadata};
use crate::training::{RESUME_FILE, ResumeFileError, ResumeState, load_resume_state, save_resume_state};

/// File name of a run's description.
pub const RUN_FILE: &str = "run.json";
/// File name of a run's model.
pub const MODEL_FILE: &str = "model.safetensors";

/// What can go wrong with the run history.
#[derive(Debug, thiserror::Error)]
pub enum RunsError {
    /// The platform has no user data folder (no home directory).
    #[error("no user data folder to keep the run history in (is HOME set?)")]
    NoDataFolder,
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A run's `run.json` is missing or unreadable.
    #[error("run {} is damaged: {reason}", path.display())]
    Corrupt {
        /// The run's folder.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// No run has this id.
    #[error("there is no run `{id}`")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// An id that cannot name a run folder (empty, with a path separator, or starting with a dot).
    #[error("`{id}` is not a run id")]
    InvalidId {
        /// The id given.
        id: String,
    },
    /// The run's model file could not be written or loaded.
    #[error(transparent)]
    Model(#[from] ModelFileError),
    /// The run's resume state could not be written or read.
    #[error(transparent)]
    Resume(#[from] ResumeFileError),
    /// The run was stored without a resume state (by an older version): it cannot be continued.
    #[error("run `{id}` was stored without its training state, so it cannot be continued")]
    NoResumeState {
        /// The run's id.
        id: String,
    },
}

/// The runs found on disk, newest first, and the entries that had to be skipped.
#[derive(Debug, Default)]
pub struct RunList {
    /// Readable runs, newest first.
    pub runs: Vec<RunRecord>,
    /// One warning per skipped entry (a damaged `run.json`, a folder without one).
    pub warnings: Vec<RunsError>,
}

/// The run history in one folder.
#[derive(Debug, Clone)]
pub struct RunStore {
    root: PathBuf,
}

impl RunStore {
    /// The history in the user data folder (`…/atelier/runs`).
    ///
    /// # Errors
    /// [`RunsError::NoDataFolder`] when the platform has none.
    pub fn open_default() -> Result<Self, RunsError> {
        Self::default_dir().map(Self::at).ok_or(RunsError::NoDataFolder)
    }

    /// The history's folder in the user data folder (`…/atelier/runs`), if the platform has one.
    #[must_use]
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "atelier").map(|dirs| dirs.data_dir().join("runs"))
    }

    /// The history in `root` (created on the first save); tests point this at a temporary folder.
    #[must_use]
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder holding the runs.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every readable run, newest first. A missing history folder is an empty history; a damaged
    /// entry is skipped with a warning and the others are kept.
    ///
    /// # Errors
    /// Only when the history folder exists but cannot be listed.
    pub fn list(&self) -> Result<RunList, RunsError> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(RunList::default()),
            Err(source) => return Err(RunsError::Io { path: self.root.clone(), source }),
        };
        let mut list = RunList::default();
        for entry in entries {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            // Temporary folders of a save or delete in progress start with a dot.
            if name.starts_with('.') || !path.is_dir() {
                continue;
            }
            match read_record(&path) {
                Ok(record) => list.runs.push(record),
                Err(warning) => list.warnings.push(warning),
            }
        }
        list.runs.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.cmp(&a.id)));
        Ok(list)
    }

    /// The run `id`.
    ///
    /// # Errors
    /// An invalid or unknown id, or a damaged `run.json`.
    pub fn get(&self, id: &str) -> Result<RunRecord, RunsError> {
        read_record(&self.existing_folder(id)?)
    }

    /// Stores a finished run: gives `record` a fresh id and creation time, writes its model file
    /// and `run.json` into a hidden folder and renames it into place, so a crash leaves either the
    /// whole run or nothing visible. Returns the stored record.
    ///
    /// # Errors
    /// The history folder cannot be written, or the model cannot be saved.
    pub fn save(&self, record: RunRecord, network: &Network) -> Result<RunRecord, RunsError> {
        self.save_with_resume(record, network, None)
    }

    /// As [`RunStore::save`], with the state that continuing the run needs (`resume.safetensors`).
    ///
    /// # Errors
    /// As [`RunStore::save`], and a resume state that cannot be written.
    pub fn save_with_resume(
        &self,
        mut record: RunRecord,
        network: &Network,
        resume: Option<&ResumeState>,
    ) -> Result<RunRecord, RunsError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| RunsError::Io { path, source }
        };
        std::fs::create_dir_all(&self.root).map_err(io(&self.root))?;
        record.created = crate::files::now_rfc3339();
        // Another save (a second window, the command line) may pick the same id at the same
        // moment: creating the hidden folder is the reservation, and a taken name means try the next.
        let staging = loop {
            record.id = self.fresh_id(&record);
            let staging = self.root.join(format!(".saving-{}", record.id));
            match std::fs::create_dir(&staging) {
                Ok(()) => break staging,
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(source) => return Err(RunsError::Io { path: staging, source }),
            }
        };
        let result = (|| {
            let mut metadata = ModelMetadata::new(network, record.dataset_identity());
            metadata.train_config = Some(record.config.clone());
            metadata.tta = record.config.test_time_augmentation;
            metadata.report.clone_from(&record.report);
            model_file::save_model(&staging.join(MODEL_FILE), network, &metadata)?;
            if let Some(resume) = resume {
                save_resume_state(&staging.join(RESUME_FILE), resume)?;
            }
            write_record(&staging, &record)?;
            self.publish(&staging, &mut record)
        })();
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        result.map(|()| record)
    }

    /// Renames a complete staging folder to its run id; if a concurrent save took that id in the
    /// meantime, to the next free one (the folder name is the id, whatever `run.json` says).
    fn publish(&self, staging: &Path, record: &mut RunRecord) -> Result<(), RunsError> {
        for _ in 0..100 {
            let folder = self.root.join(&record.id);
            // A rename onto an existing empty folder would succeed on Unix; never replace anything.
            if !folder.exists() {
                match std::fs::rename(staging, &folder) {
                    Ok(()) => return Ok(()),
                    Err(_) if folder.exists() => {}
                    Err(source) => return Err(RunsError::Io { path: folder, source }),
                }
            }
            record.id = self.fresh_id(record);
        }
        Err(RunsError::Io {
            path: self.root.join(&record.id),
            source: std::io::Error::other("no free run id after 100 tries"),
        })
    }

    /// Gives run `id` a new display name (its id and folder stay).
    ///
    /// # Errors
    /// An invalid or unknown id, a damaged run, or a failed write.
    pub fn rename(&self, id: &str, name: &str) -> Result<RunRecord, RunsError> {
        let folder = self.existing_folder(id)?;
        let mut record = read_record(&folder)?;
        name.trim().clone_into(&mut record.name);
        write_record(&folder, &record)?;
        Ok(record)
    }

    /// Deletes run `id` and its model file. The folder is first renamed to a hidden name, so an
    /// interrupted delete never leaves a half run in the list.
    ///
    /// # Errors
    /// An invalid or unknown id, or a folder that cannot be removed.
    pub fn delete(&self, id: &str) -> Result<(), RunsError> {
        let folder = self.existing_folder(id)?;
        let doomed = self.root.join(format!(".deleting-{id}"));
        std::fs::rename(&folder, &doomed).map_err(|source| RunsError::Io { path: folder.clone(), source })?;
        std::fs::remove_dir_all(&doomed).map_err(|source| RunsError::Io { path: doomed, source })
    }

    /// The path of run `id`'s model file.
    ///
    /// # Errors
    /// An invalid or unknown id.
    pub fn model_path(&self, id: &str) -> Result<PathBuf, RunsError> {
        Ok(self.existing_folder(id)?.join(MODEL_FILE))
    }

    /// Loads run `id`'s model onto `device`.
    ///
    /// # Errors
    /// An invalid or unknown id, or a model file that does not load.
    pub fn load_model(&self, id: &str, device: &Device) -> Result<LoadedModel, RunsError> {
        Ok(model_file::load_model(&self.model_path(id)?, device)?)
    }

    /// The state to continue run `id` from.
    ///
    /// # Errors
    /// An invalid or unknown id, a run stored without one, or a damaged resume file.
    pub fn load_resume(&self, id: &str) -> Result<ResumeState, RunsError> {
        let path = self.existing_folder(id)?.join(RESUME_FILE);
        if !path.is_file() {
            return Err(RunsError::NoResumeState { id: id.to_owned() });
        }
        Ok(load_resume_state(&path)?)
    }

    fn existing_folder(&self, id: &str) -> Result<PathBuf, RunsError> {
        let valid = !id.is_empty()
            && !id.starts_with('.')
            && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(RunsError::InvalidId { id: id.to_owned() });
        }
        let folder = self.root.join(id);
        if folder.is_dir() { Ok(folder) } else { Err(RunsError::NotFound { id: id.to_owned() }) }
    }

    /// `2026-11-28T12-34-56-cnn`, with `-2`, `-3`, … when that folder exists already.
    fn fresh_id(&self, record: &RunRecord) -> String {
        let stamp: String = record.created.trim_end_matches('Z').replace(':', "-");
        let slug: String = record
            .spec
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
            .take(32)
            .collect();
        let base = format!("{stamp}-{}", slug.trim_matches('-'));
        let base = base.trim_end_matches('-').to_owned();
        let mut id = base.clone();
        let mut n = 2;
        while self.root.join(&id).exists() || self.root.join(format!(".saving-{id}")).exists() {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }
}

fn read_record(folder: &Path) -> Result<RunRecord, RunsError> {
    let corrupt = |reason: String| RunsError::Corrupt { path: folder.to_path_buf(), reason };
    let text =
        std::fs::read_to_string(folder.join(RUN_FILE)).map_err(|e| corrupt(format!("{RUN_FILE}: {e}")))?;
    let mut record: RunRecord =
        serde_json::from_str(&text).map_err(|e| corrupt(format!("{RUN_FILE} is not a valid run: {e}")))?;
    // The folder name is the id, whatever the file says (a copied folder stays addressable).
    if let Some(name) = folder.file_name() {
        record.id = name.to_string_lossy().into_owned();
    }
    Ok(record)
}

fn write_record(folder: &Path, record: &RunRecord) -> Result<(), RunsError> {
    let path = folder.join(RUN_FILE);
    let json = serde_json::to_string_pretty(record)
        .map_err(|e| RunsError::Corrupt { path: folder.to_path_buf(), reason: e.to_string() })?;
    crate::files::write_atomically(&path, json.as_bytes()).map_err(|source| RunsError::Io { path, source })
}
