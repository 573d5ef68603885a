//! Class folders: `DIR/<class>/…/*.png` (any depth below the class folder), or the same under
//! `DIR/train/`, `DIR/test/` and `DIR/val|valid|validation/`. An optional `DIR/classes.txt` gives
//! the label order and the names (a folder matches its name, or the name made file-safe).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::decode::{PictureJob, decode_all};
use super::split::{Examples, Gathered};
use super::walk::{self, Entry};
use super::{ImportError, ImportOptions, ImportProgress, class_names, read_classes_txt};
use crate::data::store::{SkippedFile, SourceKind, StoredSplit};
use crate::data::{MAX_CLASSES, class_folder_name};

/// File extensions read as pictures (any case).
pub const PICTURE_EXTENSIONS: [&str; 8] = ["png", "jpg", "jpeg", "bmp", "gif", "webp", "tiff", "tif"];

/// Whether `entries` look like class folders: at least one visible folder.
pub(super) fn looks_like_class_folders(entries: &[Entry]) -> bool {
    entries.iter().any(|entry| entry.is_dir && !entry.is_hidden())
}

/// The split a top-level folder name stands for, if it is one.
fn split_of(name: &str) -> Option<StoredSplit> {
    match name.to_ascii_lowercase().as_str() {
        "train" | "training" => Some(StoredSplit::Train),
        "test" | "testing" => Some(StoredSplit::Test),
        "val" | "valid" | "validation" => Some(StoredSplit::Validation),
        _ => None,
    }
}

/// One class folder found in one split.
struct ClassFolder {
    name: String,
    path: PathBuf,
    split: StoredSplit,
}

/// Scans, decodes and gathers a class-folder data set.
///
/// # Errors
/// An empty folder, too few or too many classes, a class folder without a readable picture, a link
/// loop, a folder name that is not UTF-8, or a cancel.
pub(super) fn gather(
    root: &Path,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<Gathered, ImportError> {
    let mut skipped = Vec::new();
    let top = visible(root, &mut skipped)?;
    let split_dirs: Vec<(&Entry, StoredSplit)> =
        top.iter().filter(|e| e.is_dir).filter_map(|e| Some((e, split_of(e.utf8_name()?)?))).collect();
    let mut folders = Vec::new();
    if split_dirs.is_empty() {
        folders.extend(class_folders(&top, StoredSplit::Train, &mut skipped)?);
    } else {
        if !split_dirs.iter().any(|(_, split)| *split == StoredSplit::Train) {
            return Err(ImportError::NoTrainSplit { path: root.to_path_buf() });
        }
        for entry in &top {
            if entry.is_dir && !split_dirs.iter().any(|(split_dir, _)| split_dir.path == entry.path) {
                let reason = "a folder beside train/ and test/ that is not a split folder (val/ is one)";
                skipped.push(SkippedFile { path: entry.path.clone(), reason: reason.into() });
            }
        }
        for (entry, split) in &split_dirs {
            let inner = visible(&entry.path, &mut skipped)?;
            folders.extend(class_folders(&inner, *split, &mut skipped)?);
        }
    }
    let classes_txt = root.join("classes.txt");
    let listed = if classes_txt.is_file() { Some(read_classes_txt(&classes_txt)?) } else { None };
    let names = class_order(root, &folders, listed.as_deref())?;
    let classes = class_names(root, names.clone())?;
    // Examples in label order within each split, whatever the folders' alphabetical order.
    folders.sort_by_key(|folder| label_of(&names, &folder.name));

    let mut jobs = Vec::new();
    for (index, folder) in folders.iter().enumerate() {
        let label = label_of(&names, &folder.name);
        let (files, unreadable) = walk::files_under(&folder.path)?;
        skipped.extend(unreadable);
        let before = jobs.len();
        for file in files {
            if is_picture(&file.path) {
                let (path, size) = (file.path, file.size);
                jobs.push(PictureJob { path, size, label, split: folder.split, folder: index });
            } else {
                let reason = "not a picture file (PNG, JPEG, BMP, GIF, WebP or TIFF)".to_owned();
                skipped.push(SkippedFile { path: file.path, reason });
            }
        }
        if jobs.len() == before {
            return Err(ImportError::EmptyClass {
                path: folder.path.clone(),
                reason: "no picture files".into(),
            });
        }
    }

    let decoded = decode_all(&jobs, options.preprocessing, progress, cancel)?;
    let mut readable = vec![0_usize; folders.len()];
    let mut first_problem: Vec<Option<String>> = vec![None; folders.len()];
    let (mut train, mut test, mut validation) =
        (Examples::default(), Examples::default(), Examples::default());
    for (job, result) in jobs.iter().zip(decoded) {
        match result {
            Ok(input) => {
                readable[job.folder] += 1;
                let part = match job.split {
                    StoredSplit::Train => &mut train,
                    StoredSplit::Test => &mut test,
                    StoredSplit::Validation => &mut validation,
                };
                part.push(&input, job.label);
            }
            Err(reason) => {
                first_problem[job.folder].get_or_insert_with(|| reason.clone());
                skipped.push(SkippedFile { path: job.path.clone(), reason });
            }
        }
    }
    if let Some(index) = readable.iter().position(|&count| count == 0) {
        let reason = first_problem[index].take().unwrap_or_default();
        return Err(ImportError::EmptyClass { path: folders[index].path.clone(), reason });
    }
    let has = |split: StoredSplit| folders.iter().any(|folder| folder.split == split);
    Ok(Gathered {
        kind: SourceKind::ClassFolders,
        classes,
        train,
        test: has(StoredSplit::Test).then_some(test),
        validation: has(StoredSplit::Validation).then_some(validation),
        skipped,
    })
}

/// The visible entries of `dir`; unreadable ones are recorded as skipped.
fn visible(dir: &Path, skipped: &mut Vec<SkippedFile>) -> Result<Vec<Entry>, ImportError> {
    let mut found = Vec::new();
    for entry in walk::entries(dir)? {
        match entry {
            Ok(entry) if entry.is_hidden() => {}
            Ok(entry) => found.push(entry),
            Err(problem) => skipped.push(problem),
        }
    }
    Ok(found)
}

/// The class folders among `entries`; loose files beside them (other than `classes.txt`) are
/// recorded as skipped.
fn class_folders(
    entries: &[Entry],
    split: StoredSplit,
    skipped: &mut Vec<SkippedFile>,
) -> Result<Vec<ClassFolder>, ImportError> {
    let mut folders = Vec::new();
    for entry in entries {
        if !entry.is_dir {
            if entry.name != "classes.txt" {
                let reason = "not inside a class folder".to_owned();
                skipped.push(SkippedFile { path: entry.path.clone(), reason });
            }
            continue;
        }
        let name = entry.utf8_name().ok_or_else(|| ImportError::NonUtf8Name { path: entry.path.clone() })?;
        folders.push(ClassFolder { name: name.to_owned(), path: entry.path.clone(), split });
    }
    Ok(folders)
}

/// The class names in label order: `classes.txt`'s order when given (every folder must be listed),
/// else sorted (numerically when every name is a number, so `2` comes before `10`).
fn class_order(
    root: &Path,
    folders: &[ClassFolder],
    listed: Option<&[String]>,
) -> Result<Vec<String>, ImportError> {
    let mut names: Vec<String> = Vec::new();
    for folder in folders {
        if !names.contains(&folder.name) {
            names.push(folder.name.clone());
        }
    }
    if names.is_empty() {
        return Err(ImportError::UnknownFormat {
            path: root.to_path_buf(),
            hint: "it holds no class folders; put each class's pictures in a folder named after the class \
                   (DIR/<class>/picture.png)"
                .into(),
        });
    }
    if names.len() > MAX_CLASSES {
        return Err(ImportError::TooManyClasses { path: root.to_path_buf(), count: names.len() });
    }
    if let [only] = names.as_slice() {
        return Err(ImportError::SingleClass { path: root.to_path_buf(), class: only.clone() });
    }
    let Some(listed) = listed else {
        if names.iter().all(|name| name.parse::<u64>().is_ok()) {
            names.sort_by_key(|name| name.parse::<u64>().unwrap_or(u64::MAX));
        } else {
            names.sort_by(|a, b| a.to_lowercase().cmp(&b.to_lowercase()).then_with(|| a.cmp(b)));
        }
        return Ok(names);
    };
    // classes.txt: each folder takes the listed name it matches, in the listed order.
    let mut ordered: Vec<String> = Vec::with_capacity(listed.len());
    for name in listed {
        match folders.iter().find(|folder| folder_matches(&folder.name, name)) {
            Some(_) => ordered.push(name.clone()),
            None => {
                let path = root.join(class_folder_name(name));
                let reason = "classes.txt lists it, but there is no such folder".into();
                return Err(ImportError::EmptyClass { path, reason });
            }
        }
    }
    if let Some(folder) =
        folders.iter().find(|folder| !listed.iter().any(|name| folder_matches(&folder.name, name)))
    {
        let reason = "classes.txt does not list it".into();
        return Err(ImportError::EmptyClass { path: folder.path.clone(), reason });
    }
    Ok(ordered)
}

fn folder_matches(folder: &str, listed: &str) -> bool {
    folder == listed || folder == class_folder_name(listed)
}

fn label_of(names: &[String], folder: &str) -> u8 {
    let position = names
        .iter()
        .position(|name| name == folder)
        .or_else(|| names.iter().position(|name| folder_matches(folder, name)))
        .unwrap_or(0);
    u8::try_from(position).unwrap_or(u8::MAX)
}

pub(super) fn is_picture(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| PICTURE_EXTENSIONS.iter().any(|known| ext.eq_ignore_ascii_case(known)))
}
