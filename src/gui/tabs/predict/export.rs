//! The Predict table as CSV: one row per picture (file, top-1, confidence, top-2, every class's
//! probability, notes or the error), written atomically on a background thread.

use std::fmt::Write as _;
use std::path::PathBuf;

use crossbeam_channel::Receiver;

use super::pictures::{Picture, PictureStatus};
use crate::files::csv_field;
use crate::files::write_atomically;

/// The CSV text of `pictures`, in the order given (the table's order). The class columns are
/// those of the first predicted picture (all predictions come from the current model).
#[must_use]
pub fn predictions_csv(pictures: &[&Picture]) -> String {
    let classes = pictures
        .iter()
        .find_map(|picture| picture.result().and_then(|result| result.prediction.as_ref()))
        .map(|prediction| prediction.class_names.to_vec())
        .unwrap_or_default();
    let mut csv = String::from("file,top1,confidence,top2,top2_confidence");
    for class in &classes {
        let _ = write!(csv, ",{}", csv_field(&format!("p_{class}")));
    }
    csv.push_str(",notes\n");
    for picture in pictures {
        csv.push_str(&csv_field(&picture.name.display().to_string()));
        let top = picture.top_two();
        for rank in 0..2 {
            match top.get(rank) {
                Some((class, probability)) => {
                    let _ = write!(csv, ",{},{probability:.6}", csv_field(class));
                }
                None => csv.push_str(",,"),
            }
        }
        let prediction = picture.result().and_then(|result| result.prediction.as_ref());
        for class in &classes {
            let probability = prediction.and_then(|prediction| {
                prediction.class_names.iter().position(|c| c == class).map(|i| prediction.probabilities[i])
            });
            match probability {
                Some(probability) => {
                    let _ = write!(csv, ",{probability:.6}");
                }
                None => csv.push(','),
            }
        }
        let notes = match &picture.status {
            PictureStatus::Failed(error) => format!("error: {error}"),
            PictureStatus::Waiting => "waiting".to_owned(),
            PictureStatus::Ready(result) if result.prediction.is_none() => "no model yet".to_owned(),
            PictureStatus::Ready(_) => picture
                .warnings()
                .into_iter()
                .map(|warning| warning.describe())
                .collect::<Vec<_>>()
                .join("; "),
        };
        let _ = writeln!(csv, ",{}", csv_field(&notes));
    }
    csv
}

/// A CSV file being written on its own thread.
pub struct PendingWrite {
    answer: Receiver<Result<PathBuf, String>>,
}

impl PendingWrite {
    /// Starts writing `text` to `path` (temporary file, then renamed over it); `repaint` is called
    /// when done.
    #[must_use]
    pub fn start(path: PathBuf, text: String, repaint: impl Fn() + Send + 'static) -> Self {
        let (sender, answer) = crossbeam_channel::bounded(1);
        let spawned = std::thread::Builder::new().name("atelier-export".to_owned()).spawn(move || {
            let result = write_atomically(&path, text.as_bytes())
                .map(|()| path.clone())
                .map_err(|error| format!("cannot write {}: {error}", path.display()));
            let _ = sender.send(result);
            repaint();
        });
        if let Err(error) = spawned {
            let (sender, answer) = crossbeam_channel::bounded(1);
            let _ = sender.send(Err(format!("cannot start writing: {error}")));
            return Self { answer };
        }
        Self { answer }
    }

    /// The result once written (`None` while writing).
    #[must_use]
    pub fn poll(&self) -> Option<Result<PathBuf, String>> {
        match self.answer.try_recv() {
            Ok(result) => Some(result),
            Err(crossbeam_channel::TryRecvError::Empty) => None,
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                Some(Err("the export stopped unexpectedly".to_owned()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::tabs::predict::pictures::PictureSource;
    use crate::inference::Prediction;
    use crate::picture::{self, GrayPixels, PrepOptions, RgbaPixels};
    use crate::worker::PictureResult;

    fn picture(name: &str, status: PictureStatus) -> Picture {
        Picture {
            name: name.into(),
            source: PictureSource::File,
            options: PrepOptions::default(),
            status,
            revision: 0,
        }
    }

    #[test]
    fn rows_carry_the_top_two_every_probability_and_errors() {
        let mut pixels = vec![0; 784];
        pixels[300..500].fill(200);
        let gray = GrayPixels::new(28, 28, pixels).unwrap();
        let result = PictureResult {
            original_size: (28, 28),
            preview: RgbaPixels { width: 1, height: 1, pixels: vec![0; 4] },
            prepared: picture::prepare_gray(&gray, &PrepOptions::default()),
            prediction: Some(Prediction {
                class_names: vec!["Sneaker".to_owned(), "Ankle boot".to_owned()].into(),
                probabilities: vec![0.25, 0.75],
                tta: crate::evaluation::TestTimeAugmentation::None,
            }),
            first_conv: None,
        };
        let good = picture("/p/boot, left.png", PictureStatus::Ready(Box::new(result)));
        let bad = picture("/p/empty.png", PictureStatus::Failed("the file is empty (0 bytes)".into()));
        let csv = predictions_csv(&[&good, &bad]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "file,top1,confidence,top2,top2_confidence,p_Sneaker,p_Ankle boot,notes");
        assert_eq!(lines[1], "\"/p/boot, left.png\",Ankle boot,0.750000,Sneaker,0.250000,0.250000,0.750000,");
        assert_eq!(lines[2], "/p/empty.png,,,,,,,error: the file is empty (0 bytes)");
    }

    #[test]
    fn the_file_is_written_whole_on_its_own_thread() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("out.csv");
        let pending = PendingWrite::start(path.clone(), "a,b\n".to_owned(), || {});
        let written = loop {
            if let Some(result) = pending.poll() {
                break result;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        assert_eq!(written.unwrap(), path);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n");
        let missing = PendingWrite::start(folder.path().join("no/such/dir/out.csv"), String::new(), || {});
        let failed = loop {
            if let Some(result) = missing.poll() {
                break result;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        assert!(failed.unwrap_err().contains("cannot write"));
    }
}
