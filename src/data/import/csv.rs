//! CSV as Kaggle ships Fashion-MNIST: `label,pixel1,…,pixel784` per line, a header line optional,
//! any square picture size; one file per split (`…train….csv`, `…test….csv`) or one file that is
//! split 80/20. Class names come from `classes.txt` beside the files, else the label numbers.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::picture::gray_to_network_input;
use super::split::{Examples, Gathered};
use super::walk::{self, Entry};
use super::{
    ImportError, ImportOptions, ImportProgress, ImportStage, LabelBase, class_names, read_classes_txt,
};
use crate::data::image_input::GrayImage;
use crate::data::store::{Preprocessing, SourceKind, StoredSplit};
use crate::data::{IMAGE_PIXELS, IMAGE_SIDE, MAX_CLASSES};

/// Lines read between two progress reports.
const LINES_PER_REPORT: usize = 2000;

/// Whether `path` is named like a CSV file.
pub(super) fn is_csv(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("csv"))
}

/// Whether the visible files of a folder include a CSV file.
pub(super) fn looks_like_csv(entries: &[Entry]) -> bool {
    entries.iter().any(|entry| !entry.is_dir && is_csv(&entry.path))
}

/// One parsed CSV file: raw pictures (`side²` bytes each) and 0-based labels.
struct Parsed {
    side: usize,
    pixels: Vec<u8>,
    labels: Vec<u8>,
    /// Line number of each example, for messages about its label.
    lines: Vec<usize>,
}

/// Reads, checks, converts and gathers a CSV data set.
///
/// # Errors
/// A line with the wrong number of cells or a cell that is not 0-255 (named by line), a file with
/// no data, labels outside the classes, too few or too many classes, or a cancel.
pub(super) fn gather(
    source: &Path,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<Gathered, ImportError> {
    let (dir, files) = if source.is_dir() {
        let entries: Vec<Entry> = walk::entries(source)?.into_iter().filter_map(Result::ok).collect();
        let files: Vec<PathBuf> = entries
            .into_iter()
            .filter(|entry| !entry.is_dir && !entry.is_hidden() && is_csv(&entry.path))
            .map(|entry| entry.path)
            .collect();
        (source.to_path_buf(), files)
    } else {
        (source.parent().map(Path::to_path_buf).unwrap_or_default(), vec![source.to_path_buf()])
    };
    let mut by_split: Vec<(StoredSplit, PathBuf)> = Vec::new();
    for file in files {
        let name = file.file_name().unwrap_or_default().to_string_lossy().to_ascii_lowercase();
        let split = if name.contains("test") {
            StoredSplit::Test
        } else if name.contains("val") {
            StoredSplit::Validation
        } else {
            StoredSplit::Train
        };
        if let Some((_, other)) = by_split.iter().find(|(s, _)| *s == split) {
            let hint = format!(
                "it holds two CSV files for the {} split ({} and {}); import one file",
                split.name(),
                other.display(),
                file.display()
            );
            return Err(ImportError::UnknownFormat { path: source.to_path_buf(), hint });
        }
        by_split.push((split, file));
    }
    if !by_split.iter().any(|(split, _)| *split == StoredSplit::Train) {
        let hint = "no CSV file for training (a name without \"test\" or \"val\")".to_owned();
        return Err(ImportError::UnknownFormat { path: source.to_path_buf(), hint });
    }
    let mut parsed = Vec::new();
    for (split, path) in by_split {
        if cancel.load(Ordering::Relaxed) {
            return Err(ImportError::Cancelled);
        }
        let file = parse_file(&path, options.label_base, progress)?;
        parsed.push((split, path, file));
    }

    let classes_txt = dir.join("classes.txt");
    let max_label = parsed.iter().flat_map(|(_, _, file)| file.labels.iter().copied()).max().unwrap_or(0);
    let names = if classes_txt.is_file() {
        read_classes_txt(&classes_txt)?
    } else {
        (0..=usize::from(max_label)).map(|label| label.to_string()).collect()
    };
    if names.len() > MAX_CLASSES {
        return Err(ImportError::TooManyClasses { path: source.to_path_buf(), count: names.len() });
    }
    for (_, path, file) in &parsed {
        if let Some(index) = file.labels.iter().position(|&label| usize::from(label) >= names.len()) {
            let reason = format!("but {} names {} classes", classes_txt.display(), names.len());
            let label = usize::from(file.labels[index]) + usize::from(options.label_base == LabelBase::One);
            return Err(ImportError::BadLabel {
                path: path.clone(),
                entry: file.lines[index],
                label,
                reason,
            });
        }
    }
    let classes = class_names(source, names)?;
    let mut gathered = Gathered {
        kind: SourceKind::Csv,
        classes,
        train: Examples::default(),
        test: None,
        validation: None,
        skipped: Vec::new(),
    };
    for (split, _, file) in parsed {
        if cancel.load(Ordering::Relaxed) {
            return Err(ImportError::Cancelled);
        }
        let examples = Examples { pixels: convert(&file, options.preprocessing), labels: file.labels };
        match split {
            StoredSplit::Train => gathered.train = examples,
            StoredSplit::Test => gathered.test = Some(examples),
            StoredSplit::Validation => gathered.validation = Some(examples),
        }
    }
    Ok(gathered)
}

fn parse_file(
    path: &Path,
    base: LabelBase,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<Parsed, ImportError> {
    let read_error = |source| ImportError::Read { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let total = usize::try_from(file.metadata().map_err(read_error)?.len()).unwrap_or(usize::MAX);
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut parsed = Parsed { side: 0, pixels: Vec::new(), labels: Vec::new(), lines: Vec::new() };
    let mut expected: Option<usize> = None;
    let (mut line, mut number, mut done) = (String::new(), 0, 0);
    let mut cells: Vec<u8> = Vec::new();
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(read_error)?;
        if read == 0 {
            break;
        }
        number += 1;
        done += read;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let found = text.split(',').count();
        let first = text.split(',').next().map(clean).unwrap_or_default();
        if number == 1 && first.parse::<u64>().is_err() {
            // A header line: it sets the number of columns, nothing else.
            expected = Some(found);
            continue;
        }
        let expected = *expected.get_or_insert(found);
        if found != expected {
            return Err(ImportError::CsvColumns { path: path.to_path_buf(), line: number, found, expected });
        }
        let side = parsed.side.max(square_side(path, number, found - 1)?);
        parsed.side = side;
        cells.clear();
        for (column, cell) in text.split(',').enumerate() {
            let value = clean(cell).parse::<u8>().map_err(|_| ImportError::CsvValue {
                path: path.to_path_buf(),
                line: number,
                column: column + 1,
                value: cell.trim().chars().take(20).collect(),
            })?;
            cells.push(value);
        }
        let label = match base {
            LabelBase::Zero => cells[0],
            LabelBase::One => cells[0].checked_sub(1).ok_or_else(|| ImportError::BadLabel {
                path: path.to_path_buf(),
                entry: number,
                label: 0,
                reason: "but labels were declared 1-based".into(),
            })?,
        };
        parsed.labels.push(label);
        parsed.lines.push(number);
        parsed.pixels.extend_from_slice(&cells[1..]);
        if parsed.labels.len().is_multiple_of(LINES_PER_REPORT) {
            let current = Some(path.to_path_buf());
            progress(ImportProgress { stage: ImportStage::Reading, done, total, current });
        }
    }
    if parsed.labels.is_empty() {
        return Err(ImportError::NoExamples { path: path.to_path_buf() });
    }
    Ok(parsed)
}

/// A cell without surrounding spaces or quotes.
fn clean(cell: &str) -> &str {
    cell.trim().trim_matches('"').trim()
}

/// The side of a square picture of `pixels` pixels.
fn square_side(path: &Path, line: usize, pixels: usize) -> Result<usize, ImportError> {
    let side = (1..=pixels).find(|side| side * side >= pixels).unwrap_or(0);
    if side == 0 || side * side != pixels {
        return Err(ImportError::CsvNotSquare { path: path.to_path_buf(), line, pixels });
    }
    Ok(side)
}

fn convert(parsed: &Parsed, preprocessing: Preprocessing) -> Vec<u8> {
    let side = parsed.side;
    let mut pixels = vec![0_u8; parsed.labels.len() * IMAGE_PIXELS];
    pixels.par_chunks_mut(IMAGE_PIXELS).zip(parsed.pixels.par_chunks(side * side)).for_each(
        |(out, image)| {
            if side == IMAGE_SIDE && preprocessing == Preprocessing::ResizeOnly {
                out.copy_from_slice(image);
            } else {
                let gray = GrayImage::new(side, side, image.to_vec())
                    .unwrap_or_else(|| unreachable!("checked size"));
                out.copy_from_slice(&gray_to_network_input(&gray, preprocessing));
            }
        },
    );
    pixels
}
