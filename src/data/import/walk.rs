//! Reading folders for an import: entries sorted by name with symbolic links followed, loops
//! refused, and the listing fingerprint that tells an unchanged source from a changed one.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use super::ImportError;
use crate::data::store::SkippedFile;

/// One entry of a folder, its symbolic link (if any) followed.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// The entry's path (through the link, not its target).
    pub path: PathBuf,
    /// Its file name.
    pub name: OsString,
    /// A folder (or a link to one).
    pub is_dir: bool,
    /// Size in bytes (0 for folders).
    pub size: u64,
    /// Modification time in nanoseconds since 1970 (0 when unknown).
    pub modified_nanos: u128,
}

impl Entry {
    /// Hidden (a dot file such as `.DS_Store`): never part of a data set.
    pub fn is_hidden(&self) -> bool {
        self.name.as_encoded_bytes().starts_with(b".")
    }

    /// The name as text, or `None` when it is not valid UTF-8.
    pub fn utf8_name(&self) -> Option<&str> {
        self.name.to_str()
    }
}

/// What an unreadable entry is: a link loop (refused), or a plain read error.
fn entry_error(path: &Path, source: std::io::Error) -> ImportError {
    if is_loop(&source) {
        ImportError::SymlinkLoop { path: path.to_path_buf() }
    } else {
        ImportError::Read { path: path.to_path_buf(), source }
    }
}

fn is_loop(error: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        error.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = error;
        false
    }
}

/// The entries of `dir`, sorted by name (so imports are reproducible), links followed.
///
/// An entry whose metadata cannot be read comes back as `Err` in the list (a broken link is one
/// skipped file, not a failed import); a link loop is an error for the whole listing.
///
/// # Errors
/// `dir` cannot be read, or an entry is a link loop.
pub(super) fn entries(dir: &Path) -> Result<Vec<Result<Entry, SkippedFile>>, ImportError> {
    let read = std::fs::read_dir(dir).map_err(|source| entry_error(dir, source))?;
    let mut found = Vec::new();
    for entry in read {
        let entry = entry.map_err(|source| entry_error(dir, source))?;
        let path = entry.path();
        match std::fs::metadata(&path) {
            Ok(metadata) => found.push(Ok(Entry {
                name: entry.file_name(),
                is_dir: metadata.is_dir(),
                size: if metadata.is_dir() { 0 } else { metadata.len() },
                modified_nanos: metadata
                    .modified()
                    .ok()
                    .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |elapsed| elapsed.as_nanos()),
                path,
            })),
            Err(error) if is_loop(&error) => return Err(ImportError::SymlinkLoop { path }),
            Err(error) => found.push(Err(SkippedFile { path, reason: format!("cannot read it: {error}") })),
        }
    }
    found.sort_by(|a, b| entry_name(a).cmp(entry_name(b)));
    Ok(found)
}

fn entry_name(entry: &Result<Entry, SkippedFile>) -> &std::ffi::OsStr {
    match entry {
        Ok(entry) => &entry.name,
        Err(skipped) => skipped.path.file_name().unwrap_or_default(),
    }
}

/// Every file under `dir`, depth first in name order, with the unreadable ones apart.
///
/// # Errors
/// A folder reached twice through links (a loop), or a folder that cannot be read.
pub(super) fn files_under(dir: &Path) -> Result<(Vec<Entry>, Vec<SkippedFile>), ImportError> {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    let mut ancestors = Vec::new();
    collect(dir, &mut ancestors, &mut files, &mut unreadable)?;
    Ok((files, unreadable))
}

fn collect(
    dir: &Path,
    ancestors: &mut Vec<PathBuf>,
    files: &mut Vec<Entry>,
    unreadable: &mut Vec<SkippedFile>,
) -> Result<(), ImportError> {
    let canonical = dir.canonicalize().map_err(|source| entry_error(dir, source))?;
    if ancestors.contains(&canonical) {
        return Err(ImportError::SymlinkLoop { path: dir.to_path_buf() });
    }
    ancestors.push(canonical);
    for entry in entries(dir)? {
        match entry {
            Ok(entry) if entry.is_hidden() => {}
            Ok(entry) if entry.is_dir => collect(&entry.path, ancestors, files, unreadable)?,
            Ok(entry) => files.push(entry),
            Err(problem) => unreadable.push(problem),
        }
    }
    ancestors.pop();
    Ok(())
}

/// `sha256:…` over what `source` holds: for a folder every file below it, for a file the entries
/// of its folder (the IDX partner or `classes.txt` beside it count too); each as relative name,
/// size and modification time. Cheap (no file is opened), and it changes when a file is added,
/// removed, renamed or rewritten.
///
/// # Errors
/// The source cannot be read, or holds a link loop.
pub fn listing_fingerprint(source: &Path) -> Result<String, ImportError> {
    let metadata = std::fs::metadata(source).map_err(|error| entry_error(source, error))?;
    let (base, files) = if metadata.is_dir() {
        let (files, _) = files_under(source)?;
        (source.to_path_buf(), files)
    } else {
        let parent =
            source.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let files =
            entries(parent)?.into_iter().filter_map(Result::ok).filter(|entry| !entry.is_dir).collect();
        (parent.to_path_buf(), files)
    };
    let mut hasher = Sha256::new();
    for file in &files {
        let relative = file.path.strip_prefix(&base).unwrap_or(&file.path);
        hasher.update(relative.as_os_str().as_encoded_bytes());
        hasher.update([0]);
        hasher.update(file.size.to_le_bytes());
        hasher.update(file.modified_nanos.to_le_bytes());
    }
    let hex: String = hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!("sha256:{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_follows_additions_and_ignores_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("cat")).unwrap();
        std::fs::write(dir.path().join("cat/a.png"), b"x").unwrap();
        let first = listing_fingerprint(dir.path()).unwrap();
        assert_eq!(listing_fingerprint(dir.path()).unwrap(), first);
        std::fs::write(dir.path().join("cat/b.png"), b"y").unwrap();
        assert_ne!(listing_fingerprint(dir.path()).unwrap(), first);
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_linked_into_itself_is_a_loop_named_by_its_link() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("cat")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("cat"), dir.path().join("cat/again")).unwrap();
        let error = files_under(&dir.path().join("cat")).unwrap_err();
        assert!(
            matches!(&error, ImportError::SymlinkLoop { path } if path.ends_with("cat/again")),
            "{error}"
        );
        std::os::unix::fs::symlink("self", dir.path().join("self")).unwrap();
        let error = entries(dir.path()).unwrap_err();
        assert!(matches!(&error, ImportError::SymlinkLoop { path } if path.ends_with("self")), "{error}");
    }
}
