//! `atelier data info | download | export-png | make-sample | import | list | rename | delete`.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use super::datasets::{self, ImportArgs};
use crate::data::{self, FileOutcome, LoadedData, Split};
use crate::files::thousands;

/// The `data` subcommands.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Where the data was found, counts per split and class, checksum status and load time.
    Info,
    /// Download the full Fashion-MNIST set from the official mirror, verifying checksums.
    Download {
        /// Destination folder (default: the user data folder).
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
        /// Base URL of the mirror (for testing against a local server).
        #[arg(long, value_name = "URL", hide = true)]
        mirror: Option<String>,
    },
    /// Write images of a split as PNG files named `<index>_<class>.png`, or as class folders.
    ExportPng {
        /// Which split to export from (`both`: into OUT/train and OUT/test).
        #[arg(long, value_enum, default_value = "test")]
        split: ExportSplit,
        /// How many images to write per split, from its start (default: 20, or all with
        /// --class-folders).
        #[arg(long)]
        count: Option<usize>,
        /// Folder to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Write `OUT/<class>/<index>.png` and `OUT/classes.txt`, a folder `atelier data import`
        /// reads back as the same pictures.
        #[arg(long)]
        class_folders: bool,
    },
    /// Regenerate the small stratified sample in `data/sample/` from the full set.
    MakeSample {
        /// Folder to write the sample into.
        #[arg(long, value_name = "DIR", default_value = "data/sample")]
        out: PathBuf,
    },
    /// Import a data set (class folders, IDX files or CSV) into the user data folder.
    Import(ImportArgs),
    /// List the imported data sets.
    List,
    /// Rename an imported data set.
    Rename {
        /// Its current name.
        old: String,
        /// The new name.
        new: String,
    },
    /// Delete an imported data set.
    Delete {
        /// Its name.
        name: String,
    },
}

/// The splits `export-png` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportSplit {
    /// The training split.
    Train,
    /// The test split.
    Test,
    /// Both, into `OUT/train` and `OUT/test`.
    Both,
}

/// Pictures exported per split without `--class-folders` or `--count`.
const DEFAULT_EXPORT_COUNT: usize = 20;

/// Runs a `data` subcommand.
///
/// # Errors
/// Data that cannot be found, read or written.
pub fn run(command: DataCommand, data_dir: Option<&Path>) -> anyhow::Result<()> {
    match command {
        DataCommand::Info => info(data_dir),
        DataCommand::Download { to, mirror } => download(to, mirror.as_deref()),
        DataCommand::ExportPng { split, count, out, class_folders } => {
            export(data_dir, split, count, &out, class_folders)
        }
        DataCommand::MakeSample { out } => make_sample(data_dir, &out),
        DataCommand::Import(args) => datasets::run_import(&args),
        DataCommand::List => datasets::run_list(),
        DataCommand::Rename { old, new } => datasets::run_rename(&old, &new),
        DataCommand::Delete { name } => datasets::run_delete(&name),
    }
}

/// `export-png`: flat PNG files or class folders, of one split or both.
fn export(
    data_dir: Option<&Path>,
    split: ExportSplit,
    count: Option<usize>,
    out: &Path,
    class_folders: bool,
) -> anyhow::Result<()> {
    let data = load_with_notices(data_dir)?;
    let classes = data.classes.clone();
    let splits: &[Split] = match split {
        ExportSplit::Train => &[Split::Train],
        ExportSplit::Test => &[Split::Test],
        ExportSplit::Both => &[Split::Train, Split::Test],
    };
    let mut pictures = vec![0; classes.len()];
    for &one in splits {
        let folder = if split == ExportSplit::Both { out.join(one.name()) } else { out.to_path_buf() };
        let written = if class_folders {
            let per_label = data::export_class_folders(data.split(one), &classes, count, &folder)?;
            pictures.iter_mut().zip(&per_label).for_each(|(total, count)| *total += count);
            per_label.iter().sum()
        } else {
            data::export_png(data.split(one), &classes, count.unwrap_or(DEFAULT_EXPORT_COUNT), &folder)?.len()
        };
        let layout = if class_folders { " as class folders" } else { "" };
        println!("wrote {} {} images{layout} to {}", thousands(written), one.name(), folder.display());
    }
    if class_folders {
        // At the top (beside train/ and test/ for both splits), where the importer looks for the
        // names and their order.
        data::write_classes_txt(&classes, &pictures, out)?;
    }
    Ok(())
}

/// Loads the data and prints its notices (SAMPLE, checksum warnings) to stderr.
fn load_with_notices(data_dir: Option<&Path>) -> anyhow::Result<LoadedData> {
    let data = data::load(data_dir)?;
    for notice in data.notices() {
        eprintln!("warning: {notice}");
    }
    Ok(data)
}

fn info(data_dir: Option<&Path>) -> anyhow::Result<()> {
    let data = data::load(data_dir)?;
    let banner = data.source.is_sample().then(|| format!("*** {} ***", data.source.describe()));
    if let Some(banner) = &banner {
        println!("{banner}\n");
    }
    println!("Fashion-MNIST");
    println!("  source:    {}", data.source.describe());
    println!("  train:     {} images", thousands(data.train.len()));
    println!("  test:      {} images", thousands(data.test.len()));
    println!("  checksums: {}", data.checksums.describe());
    println!("  load time: {:.3} s", data.load_secs);
    println!();
    println!("  {:<2} {:<12} {:>7} {:>7}", "#", "class", "train", "test");
    let class_count = data.classes.len();
    let (train_counts, test_counts) =
        (data.train.class_counts(class_count), data.test.class_counts(class_count));
    for (label, name) in data.classes.iter() {
        println!(
            "  {:<2} {:<12} {:>7} {:>7}",
            label,
            name,
            thousands(train_counts[label]),
            thousands(test_counts[label])
        );
    }
    println!();
    println!("Searched, in order:");
    print!("{}", data.source.describe_search());
    for warning in data.checksums.warnings() {
        eprintln!("warning: {warning}");
    }
    if let Some(banner) = &banner {
        println!("\n{banner}");
    }
    Ok(())
}

fn download(to: Option<PathBuf>, mirror: Option<&str>) -> anyhow::Result<()> {
    let to = match to {
        Some(dir) => dir,
        None => data::user_data_dir().ok_or(data::DataError::NoUserDataDir)?,
    };
    let mirror = mirror.unwrap_or(data::OFFICIAL_MIRROR);
    println!("downloading Fashion-MNIST from {mirror} into {}", to.display());
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:32} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut current_file = String::new();
    let mut on_progress = |progress: &data::DownloadProgress| {
        if progress.file != current_file {
            current_file.clone_from(&progress.file);
            bar.reset();
            bar.set_message(format!("{}/{} {}", progress.file_index + 1, progress.file_count, progress.file));
        }
        if let Some(total) = progress.total_bytes {
            bar.set_length(total);
        }
        bar.set_position(progress.received_bytes);
    };
    // The command line has no cancel button: Ctrl-C ends the process, and the temporary files are
    // hidden names that discovery ignores.
    let cancel = AtomicBool::new(false);
    let report = data::download(&to, mirror, &mut on_progress, &cancel);
    bar.finish_and_clear();
    let report = report?;
    for (file, outcome) in &report.files {
        match outcome {
            FileOutcome::Downloaded(bytes) => println!(
                "  {file}: downloaded {} bytes, verified",
                thousands(usize::try_from(*bytes).unwrap_or(usize::MAX))
            ),
            FileOutcome::AlreadyPresent => println!("  {file}: already present, verified"),
        }
    }
    println!("Fashion-MNIST is in {}; `atelier data info` shows it", report.dir.display());
    Ok(())
}

fn make_sample(data_dir: Option<&Path>, out: &Path) -> anyhow::Result<()> {
    let full = data::load(data_dir)?;
    if full.source.is_sample() {
        anyhow::bail!(
            "make-sample needs the full set, but only the bundled sample was found; \
             run `atelier data download` or pass --data-dir"
        );
    }
    let summary = data::make_sample(&full, out, data::SAMPLE_TRAIN_PER_CLASS, data::SAMPLE_TEST_PER_CLASS)?;
    println!(
        "wrote the sample ({} train, {} test images) from {}:",
        thousands(summary.train_images),
        thousands(summary.test_images),
        full.source.describe()
    );
    for (path, bytes) in &summary.files {
        println!("  {} ({} bytes)", path.display(), thousands(usize::try_from(*bytes).unwrap_or(usize::MAX)));
    }
    Ok(())
}
