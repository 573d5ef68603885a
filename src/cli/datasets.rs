//! `atelier data import | list | rename | delete`: the imported data sets in the user data folder
//! (`~/.local/share/atelier/datasets`, following `XDG_DATA_HOME`).

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};

use crate::data::LoadedData;
use crate::data::import::{
    IdxLayout, ImportOptions, ImportProgress, ImportReport, ImportStage, LabelBase, Resolved, import,
    open_or_import,
};
use crate::data::store::{DatasetStore, Preprocessing};
use crate::files::thousands;

/// Skipped files printed one by one; the rest are counted (all are in `dataset.json`).
const SKIPPED_SHOWN: usize = 20;

/// The options of `atelier data import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// A folder of class folders (optionally under train/ test/ val/), IDX files, or a CSV file.
    #[arg(value_name = "DIR")]
    pub source: std::path::PathBuf,
    /// The data set's name (default: the folder's or file's name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Only resize pictures (no background inversion, no crop): for data already centred, like digits.
    #[arg(long)]
    pub resize_only: bool,
    /// IDX pictures are stored column by column (EMNIST).
    #[arg(long)]
    pub transposed: bool,
    /// IDX or CSV labels start at 1 (EMNIST letters).
    #[arg(long)]
    pub one_based: bool,
    /// Seed that chooses the test pictures when the source has no test split.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl ImportArgs {
    /// The import options these flags stand for.
    #[must_use]
    pub fn options(&self) -> ImportOptions {
        ImportOptions {
            name: self.name.clone(),
            preprocessing: if self.resize_only { Preprocessing::ResizeOnly } else { Preprocessing::Full },
            idx_layout: if self.transposed { IdxLayout::Transposed } else { IdxLayout::RowMajor },
            label_base: if self.one_based { LabelBase::One } else { LabelBase::Zero },
            seed: self.seed,
        }
    }
}

/// The store in the user data folder.
///
/// # Errors
/// The system has no home folder.
pub fn default_store() -> anyhow::Result<DatasetStore> {
    let root = DatasetStore::default_root().context("no user data folder on this system (no home folder)")?;
    Ok(DatasetStore::new(root))
}

/// `atelier data import DIR …`: imports with a progress bar, then prints the report.
///
/// # Errors
/// The import's error (naming the file, folder or line at fault).
pub fn run_import(args: &ImportArgs) -> anyhow::Result<()> {
    let store = default_store()?;
    let started = Instant::now();
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:10} [{bar:30}] {pos}/{len} {per_sec} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut on_progress = |progress: ImportProgress| {
        bar.set_message(match progress.stage {
            ImportStage::Scanning => "scanning",
            ImportStage::Reading => "reading",
            ImportStage::Decoding => "decoding",
            ImportStage::Writing => "writing",
        });
        bar.set_length(progress.total as u64);
        bar.set_position(progress.done as u64);
    };
    // The command line has no cancel button: Ctrl-C ends the process before the final rename.
    let result = import(&args.source, &args.options(), &store, &mut on_progress, &AtomicBool::new(false));
    bar.finish_and_clear();
    let report = result?;
    print_report(&report, started.elapsed().as_secs_f64());
    Ok(())
}

/// What an import did, for people: the name, where from, classes, counts, the split note and the
/// skipped files.
fn print_report(report: &ImportReport, elapsed_secs: f64) {
    let dataset = &report.dataset;
    let manifest = &dataset.manifest;
    println!(
        "imported \"{}\" from {} ({}) in {:.1} s",
        manifest.name,
        manifest.source.path.display(),
        manifest.source.kind.describe(),
        elapsed_secs
    );
    let names = manifest.classes.as_slice();
    let shown: Vec<&str> = names.iter().take(12).map(String::as_str).collect();
    let more = if names.len() > shown.len() {
        format!(", … ({} more)", names.len() - shown.len())
    } else {
        String::new()
    };
    println!("  classes:       {} ({}{more})", names.len(), shown.join(", "));
    println!("  train:         {} pictures", thousands(manifest.counts.train));
    println!("  test:          {} pictures", thousands(manifest.counts.test));
    if let Some(validation) = manifest.counts.validation {
        println!("  validation:    {} pictures", thousands(validation));
    }
    println!("  preprocessing: {}", manifest.preprocessing.describe());
    println!("  stored in:     {}", dataset.dir.display());
    if let Some(note) = &report.split_note {
        println!("  test split:    {note}");
    }
    if !report.skipped.is_empty() {
        let count = report.skipped.len();
        println!("skipped {} {}:", thousands(count), if count == 1 { "file" } else { "files" });
        for file in report.skipped.iter().take(SKIPPED_SHOWN) {
            println!("  {}: {}", file.path.display(), file.reason);
        }
        if report.skipped.len() > SKIPPED_SHOWN {
            let rest = report.skipped.len() - SKIPPED_SHOWN;
            println!(
                "  … and {} more (all listed in {})",
                thousands(rest),
                dataset.dir.join("dataset.json").display()
            );
        }
    }
}

/// The data a command works on: `--data DIR|NAME` (a folder or file is imported on the fly, or its
/// earlier import reused; a name opens a stored data set; `fashion-mnist` is the built-in one), else
/// Fashion-MNIST from the usual places (`--data-dir`, `ATELIER_DATA`, …). The caller prints the
/// data's notices.
///
/// # Errors
/// An unknown name, a source that cannot be imported, or missing Fashion-MNIST files.
pub fn load_data(data: Option<&str>, data_dir: Option<&std::path::Path>) -> anyhow::Result<LoadedData> {
    let wanted = data.filter(|name| !name.eq_ignore_ascii_case("fashion-mnist"));
    let Some(dir_or_name) = wanted else {
        return Ok(crate::data::load(data_dir)?);
    };
    let store = default_store()?;
    let started = Instant::now();
    let bar = ProgressBar::new(0);
    let mut on_progress = |progress: ImportProgress| {
        bar.set_length(progress.total as u64);
        bar.set_position(progress.done as u64);
    };
    let options = ImportOptions::default();
    let resolved = open_or_import(dir_or_name, &store, &options, &mut on_progress, &AtomicBool::new(false));
    bar.finish_and_clear();
    let dataset = match resolved.with_context(|| format!("--data {dir_or_name}"))? {
        Resolved::Imported(report) => {
            print_report(&report, started.elapsed().as_secs_f64());
            report.dataset
        }
        Resolved::Cached(dataset) => {
            eprintln!("using \"{}\", imported from it before (unchanged since)", dataset.manifest.name);
            dataset
        }
        Resolved::Stored(dataset) => dataset,
    };
    Ok(LoadedData::from(dataset))
}

/// `atelier data list`: the imported data sets, one line each.
///
/// # Errors
/// The store's folder cannot be read.
pub fn run_list() -> anyhow::Result<()> {
    let store = default_store()?;
    let summaries = store.list()?;
    if summaries.is_empty() {
        println!(
            "no imported data sets in {}; import one with `atelier data import DIR`",
            store.root().display()
        );
        return Ok(());
    }
    let width = summaries.iter().map(|summary| summary.name.chars().count()).max().unwrap_or(4).max(4);
    println!(
        "{:<width$}  {:>7}  {:>9}  {:>8}  {:>10}  created",
        "name", "classes", "train", "test", "validation"
    );
    for summary in &summaries {
        let validation = summary.counts.validation.map_or_else(|| "-".to_owned(), thousands);
        println!(
            "{:<width$}  {:>7}  {:>9}  {:>8}  {:>10}  {}",
            summary.name,
            summary.classes.len(),
            thousands(summary.counts.train),
            thousands(summary.counts.test),
            validation,
            summary.created
        );
    }
    println!("({} in {})", summaries.len(), store.root().display());
    Ok(())
}

/// `atelier data rename OLD NEW`.
///
/// # Errors
/// No such data set, or the new name is unusable or taken.
pub fn run_rename(old: &str, new: &str) -> anyhow::Result<()> {
    let dir = default_store()?.rename(old, new)?;
    println!("renamed \"{old}\" to \"{}\" ({})", new.trim(), dir.display());
    Ok(())
}

/// `atelier data delete NAME`.
///
/// # Errors
/// No such data set, or its folder cannot be removed.
pub fn run_delete(name: &str) -> anyhow::Result<()> {
    let store = default_store()?;
    let dir = store.find(name)?;
    store.delete(name)?;
    println!("deleted \"{name}\" ({})", dir.display());
    Ok(())
}
