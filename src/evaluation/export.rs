//! Exports of an evaluation: the report as CSV and JSON, the confusion matrix as CSV and PNG.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::files::csv_field;

use super::{ClassificationReport, ConfusionMatrix, EvaluationError, save_confusion_png};

/// The report as CSV: one row per class, then the macro and weighted averages and the accuracy.
///
/// Columns: `class,precision,recall,f1_score,support,accuracy` (numbers at full precision; the
/// per-class `accuracy` is the share of that class classified correctly).
#[must_use]
pub fn report_csv(report: &ClassificationReport) -> String {
    let mut csv = String::from("class,precision,recall,f1_score,support,accuracy\n");
    for metrics in &report.classes {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{}",
            csv_field(&metrics.name),
            metrics.precision,
            metrics.recall,
            metrics.f1,
            metrics.support,
            metrics.accuracy
        );
    }
    for (name, avg) in [("macro avg", &report.macro_avg), ("weighted avg", &report.weighted_avg)] {
        let _ = writeln!(csv, "{name},{},{},{},{},", avg.precision, avg.recall, avg.f1, avg.support);
    }
    let _ = writeln!(csv, "accuracy,,,,{},{}", report.total, report.accuracy);
    csv
}

/// The confusion matrix as CSV: a header of predicted class names, then one row per true class.
#[must_use]
pub fn confusion_csv(confusion: &ConfusionMatrix, class_names: &[String]) -> String {
    let name = |class: usize| class_names.get(class).cloned().unwrap_or_else(|| format!("class {class}"));
    let mut csv = String::from("true \\ predicted");
    for class in 0..confusion.num_classes() {
        let _ = write!(csv, ",{}", csv_field(&name(class)));
    }
    csv.push('\n');
    for (class, row) in confusion.counts().iter().enumerate() {
        csv.push_str(&csv_field(&name(class)));
        for count in row {
            let _ = write!(csv, ",{count}");
        }
        csv.push('\n');
    }
    csv
}

/// Writes `report.csv`, `report.json`, `confusion.csv` and `confusion.png` into `folder` (created if
/// missing), each atomically, and returns their paths.
///
/// # Errors
/// The folder cannot be created or a file cannot be written.
pub fn write_report_files(
    report: &ClassificationReport,
    folder: &Path,
) -> Result<Vec<PathBuf>, EvaluationError> {
    std::fs::create_dir_all(folder)
        .map_err(|source| EvaluationError::Write { path: folder.to_path_buf(), source })?;
    let names = report.class_names();
    let write = |file: &str, contents: &[u8]| {
        let path = folder.join(file);
        crate::files::write_atomically(&path, contents)
            .map_err(|source| EvaluationError::Write { path: path.clone(), source })?;
        Ok::<_, EvaluationError>(path)
    };
    // A report that cannot be encoded is an error, not an empty report.json.
    let json = serde_json::to_string_pretty(report).map_err(|error| EvaluationError::Write {
        path: folder.join("report.json"),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
    })?;
    let mut paths = vec![
        write("report.csv", report_csv(report).as_bytes())?,
        write("report.json", json.as_bytes())?,
        write("confusion.csv", confusion_csv(&report.confusion, &names).as_bytes())?,
    ];
    let png = folder.join("confusion.png");
    save_confusion_png(&report.confusion, &names, &png)?;
    paths.push(png);
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> ClassificationReport {
        let confusion = ConfusionMatrix::from_predictions(2, &[0, 0, 1, 1], &[0, 1, 1, 1]).unwrap();
        let names = vec!["Sneaker".to_owned(), "Boot, ankle".to_owned()];
        ClassificationReport::from_confusion(&confusion, &names).unwrap()
    }

    #[test]
    fn report_csv_has_a_row_per_class_and_the_summary_rows() {
        let csv = report_csv(&report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "class,precision,recall,f1_score,support,accuracy");
        assert_eq!(lines[1], "Sneaker,1,0.5,0.6666666666666666,2,0.5");
        assert!(lines[2].starts_with("\"Boot, ankle\",0.6666666666666666,1,0.8,2,1"));
        assert!(lines[3].starts_with("macro avg,"));
        assert!(lines[4].starts_with("weighted avg,"));
        assert_eq!(lines[5], "accuracy,,,,4,0.75");
        assert_eq!(lines.len(), 6);
    }

    #[test]
    fn confusion_csv_is_true_rows_by_predicted_columns() {
        let r = report();
        let csv = confusion_csv(&r.confusion, &r.class_names());
        assert_eq!(csv, "true \\ predicted,Sneaker,\"Boot, ankle\"\nSneaker,1,1\n\"Boot, ankle\",0,2\n");
    }

    #[test]
    fn report_files_are_all_written_and_the_json_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("nested").join("report");
        let paths = write_report_files(&report(), &folder).unwrap();
        assert_eq!(paths.len(), 4);
        for path in &paths {
            assert!(std::fs::metadata(path).unwrap().len() > 0, "{}", path.display());
        }
        let json = std::fs::read_to_string(folder.join("report.json")).unwrap();
        let parsed: ClassificationReport = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed.to_text(9), report().to_text(9));
    }
}
