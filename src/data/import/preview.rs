//! What the network will see of a source before it is imported: the first readable picture of the
//! first few class folders, as it is and as the chosen preparation turns it into a 28×28 input.

use std::path::{Path, PathBuf};

use super::ImportError;
use super::folders::is_picture;
use super::picture::options;
use crate::data::IMAGE_PIXELS;
use crate::data::store::Preprocessing;
use crate::picture::{self, RgbaPixels};

/// Class folders shown at most.
pub const PREVIEW_CLASSES: usize = 8;
/// Files tried per class folder before it is left out of the preview (the import names bad files).
const TRIES_PER_CLASS: usize = 4;

/// One picture of the source, before and after preparation.
#[derive(Debug, Clone)]
pub struct PreviewPicture {
    /// Its class folder's name.
    pub class_name: String,
    /// The file.
    pub path: PathBuf,
    /// The picture as it is, upright, small (see [`picture::PREVIEW_SIDE`]).
    pub original: RgbaPixels,
    /// The 28×28 network input, row by row.
    pub input: Vec<u8>,
}

/// Up to [`PREVIEW_CLASSES`] pictures of a class-folder source (of its `train/` folder when it is
/// split), one per class folder in name order, prepared as `preprocessing` says. IDX and CSV sources
/// hold pictures already 28×28 and give an empty preview, as does a folder without class folders.
///
/// # Errors
/// The source is not there, or a folder cannot be read.
pub fn preview(source: &Path, preprocessing: Preprocessing) -> Result<Vec<PreviewPicture>, ImportError> {
    if !source.is_dir() {
        // A file (IDX, CSV) shows nothing; a path that is not there says so now, not at Import.
        return match std::fs::metadata(source) {
            Ok(_) => Ok(Vec::new()),
            Err(error) => Err(ImportError::Read { path: source.to_path_buf(), source: error }),
        };
    }
    let train = source.join("train");
    let root = if train.is_dir() { train } else { source.to_path_buf() };
    let mut pictures = Vec::new();
    for class_dir in sorted_entries(&root)?.into_iter().filter(|path| path.is_dir()).take(PREVIEW_CLASSES) {
        let Some(class_name) = class_dir.file_name().and_then(|name| name.to_str()).map(str::to_owned) else {
            continue;
        };
        if class_name.starts_with('.') {
            continue;
        }
        let files = sorted_entries(&class_dir)?;
        let candidates = files.into_iter().filter(|path| is_picture(path)).take(TRIES_PER_CLASS);
        let prepared = candidates.filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            let decoded = picture::decode(&bytes).ok()?;
            let input = picture::prepare_decoded(&decoded, &options(preprocessing)).pixels();
            Some((path, decoded.preview, input))
        });
        if let Some((path, original, input)) = prepared.into_iter().next() {
            debug_assert_eq!(input.len(), IMAGE_PIXELS);
            pictures.push(PreviewPicture { class_name, path, original, input: input.to_vec() });
        }
    }
    Ok(pictures)
}

/// The entries of `dir`, sorted by name.
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let read = |source| ImportError::Read { path: dir.to_path_buf(), source };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        entries.push(entry.map_err(read)?.path());
    }
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(dir: &Path, name: &str, dark_square_at: u32) {
        std::fs::create_dir_all(dir).unwrap();
        let picture = image::RgbImage::from_fn(60, 40, |x, y| {
            let inside = (dark_square_at..dark_square_at + 20).contains(&x) && (10..30).contains(&y);
            if inside { image::Rgb([40, 20, 90]) } else { image::Rgb([235, 230, 220]) }
        });
        picture.save(dir.join(name)).unwrap();
    }

    #[test]
    fn the_first_picture_of_each_class_is_shown_before_and_after_preparation() {
        let source = tempfile::tempdir().unwrap();
        png(&source.path().join("boot"), "b.png", 30);
        png(&source.path().join("boot"), "a.png", 5);
        std::fs::write(source.path().join("boot/0-notes.txt"), b"not a picture").unwrap();
        png(&source.path().join("sandal"), "x.png", 10);
        let full = preview(source.path(), Preprocessing::Full).unwrap();
        let names: Vec<&str> = full.iter().map(|picture| picture.class_name.as_str()).collect();
        assert_eq!(names, ["boot", "sandal"]);
        assert!(full[0].path.ends_with("boot/a.png"), "the first picture by name");
        assert_eq!(full[0].input.len(), IMAGE_PIXELS);
        // Full preparation inverts the light page and crops to the dark square: a bright object.
        let bright = full[0].input.iter().filter(|&&value| value > 200).count();
        assert!(bright > IMAGE_PIXELS / 2, "{bright} bright pixels");
        let resized = preview(source.path(), Preprocessing::ResizeOnly).unwrap();
        // (Left edge, middle row: the page; the top rows are the black padding to a square.)
        assert!(resized[0].input[14 * 28] > 200, "only resized: the light page stays light");
    }

    #[test]
    fn a_split_source_shows_its_train_folder_and_a_file_shows_nothing() {
        let source = tempfile::tempdir().unwrap();
        png(&source.path().join("train/cat"), "a.png", 5);
        png(&source.path().join("test/cat"), "b.png", 5);
        let shown = preview(source.path(), Preprocessing::Full).unwrap();
        assert_eq!(shown.len(), 1);
        assert!(shown[0].path.ends_with("train/cat/a.png"));
        assert!(preview(&source.path().join("train/cat/a.png"), Preprocessing::Full).unwrap().is_empty());
        let missing = source.path().join("nowhere");
        let error = preview(&missing, Preprocessing::Full).unwrap_err();
        assert!(error.to_string().contains("nowhere"), "{error}");
    }
}
