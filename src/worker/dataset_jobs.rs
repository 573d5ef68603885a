//! Data-set jobs on the worker: loading (with the per-class overview the Dataset tab draws) and
//! downloading. The only worker file that talks to `crate::data`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use crate::data::{Dataset, FashionClass, IMAGE_PIXELS};

use super::{DataRequest, LoadedDataset, SplitOverview};

/// How a download ended when it did not fail.
pub(super) enum DownloadOutcome {
    /// All files are in this folder.
    Finished(PathBuf),
    /// The user cancelled; partial files were removed.
    Cancelled,
}

/// Where the full set is usually installed (Debian's `dataset-fashion-mnist`).
const SYSTEM_FOLDER: &str = "/usr/share/datasets/fashion-mnist";

/// Loads the data set as requested and summarises both splits.
pub(super) fn load(request: &DataRequest) -> Result<LoadedDataset, String> {
    let started = Instant::now();
    let (folder, searched) = match request {
        DataRequest::Discover { data_dir } => {
            let mut searched: Vec<PathBuf> = data_dir.iter().cloned().collect();
            searched.push(PathBuf::from(SYSTEM_FOLDER));
            let found = searched.iter().find(|dir| dir.join("t10k-labels-idx1-ubyte.gz").exists()).cloned();
            match found {
                Some(dir) => (dir, searched),
                None => return Err(format!("no Fashion-MNIST files in {}", describe(&searched))),
            }
        }
        DataRequest::Folder(dir) => (dir.clone(), vec![dir.clone()]),
        DataRequest::Sample => return Err("the bundled sample is not available in this build yet".to_owned()),
    };
    let train = read_split(&folder, "train")?;
    let test = read_split(&folder, "t10k")?;
    Ok(LoadedDataset {
        train_overview: overview(&train),
        test_overview: overview(&test),
        train,
        test,
        source: folder.display().to_string(),
        is_sample: false,
        searched,
        checksums: "not checked".to_owned(),
        load_secs: started.elapsed().as_secs_f64(),
    })
}

fn describe(folders: &[PathBuf]) -> String {
    folders.iter().map(|dir| dir.display().to_string()).collect::<Vec<_>>().join(", ")
}

fn read_split(folder: &Path, prefix: &str) -> Result<Dataset, String> {
    let images = read_gz(&folder.join(format!("{prefix}-images-idx3-ubyte.gz")))?;
    let labels = read_gz(&folder.join(format!("{prefix}-labels-idx1-ubyte.gz")))?;
    let pixels = images.get(16..).ok_or("images file too short")?;
    let labels = labels.get(8..).ok_or("labels file too short")?;
    if pixels.len() != labels.len() * IMAGE_PIXELS {
        return Err(format!("{prefix}: {} labels but {} images", labels.len(), pixels.len() / IMAGE_PIXELS));
    }
    Ok(Dataset::new(pixels.into(), labels.into()))
}

fn read_gz(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|error| format!("{}: {error}", path.display()))?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("{}: {error}", path.display()))?;
    Ok(bytes)
}

/// Downloads the full set, reporting `(file, bytes_done, bytes_total)`; checks `cancel` as it goes.
pub(super) fn download(
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&str, u64, Option<u64>) -> bool,
) -> Result<DownloadOutcome, String> {
    let _ = (cancel, progress);
    Err("downloading arrives with the data module".to_owned())
}

/// Class counts and the mean image of each class.
#[must_use]
pub fn overview(data: &Dataset) -> SplitOverview {
    let mut sums = vec![[0_u32; IMAGE_PIXELS]; FashionClass::COUNT];
    let mut class_counts = [0_usize; FashionClass::COUNT];
    let mut class_positions = vec![Vec::new(); FashionClass::COUNT];
    for i in 0..data.len() {
        let class = data.class(i).index();
        class_counts[class] += 1;
        class_positions[class].push(u32::try_from(i).unwrap_or(u32::MAX));
        for (sum, &pixel) in sums[class].iter_mut().zip(data.image(i)) {
            *sum += u32::from(pixel);
        }
    }
    let class_means = sums
        .iter()
        .zip(class_counts)
        .map(|(sum, count)| {
            let count = u32::try_from(count.max(1)).unwrap_or(u32::MAX);
            let mut mean = [0_u8; IMAGE_PIXELS];
            for (out, &total) in mean.iter_mut().zip(sum) {
                *out = u8::try_from((total + count / 2) / count).unwrap_or(u8::MAX);
            }
            mean
        })
        .collect();
    SplitOverview { class_counts, class_means, class_positions }
}
