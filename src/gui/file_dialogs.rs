//! The only caller of `rfd`: native file choosers, each on its own short-lived thread so the UI never
//! waits (with no desktop portal, rfd takes seconds to give up). `None` means cancelled or unavailable,
//! which is why every caller also offers a path text field.

use std::path::PathBuf;

use crossbeam_channel::Receiver;

/// A file chooser that is open (or starting) on a background thread; it answers one path, or
/// several (`PendingDialog<Vec<PathBuf>>`, from [`open_pictures`]).
pub struct PendingDialog<T = PathBuf> {
    answer: Receiver<Option<T>>,
}

/// What a pending chooser has to say this frame.
pub enum DialogPoll<T = PathBuf> {
    /// Still open.
    Waiting,
    /// The user picked this path (or these paths).
    Picked(T),
    /// Cancelled, or no chooser is available on this desktop.
    Nothing,
}

impl<T> PendingDialog<T> {
    /// Checks without blocking.
    #[must_use]
    pub fn poll(&self) -> DialogPoll<T> {
        match self.answer.try_recv() {
            Ok(Some(path)) => DialogPoll::Picked(path),
            Ok(None) | Err(crossbeam_channel::TryRecvError::Disconnected) => DialogPoll::Nothing,
            Err(crossbeam_channel::TryRecvError::Empty) => DialogPoll::Waiting,
        }
    }
}

/// What kind of chooser to open.
#[derive(Debug, Clone, Copy)]
pub enum DialogKind {
    /// Choose a folder (the data folder).
    PickFolder,
    /// Choose a model spec JSON file to open.
    OpenSpec,
    /// Choose where to save a model spec JSON file.
    SaveSpec,
    /// Choose where to save the Predict tab's table as CSV.
    SavePredictionsCsv,
    /// Choose a model file (`.safetensors`) to open as the current model.
    OpenModel,
    /// Choose the folder an evaluation report is exported into.
    PickReportFolder,
    /// Choose where to save the current model as a `.safetensors` file.
    SaveModel,
    /// Choose where to export the current model as an `.onnx` file.
    ExportOnnx,
}

/// Opens a chooser on a background thread; `repaint` is called when it closes.
#[must_use]
pub fn open(kind: DialogKind, repaint: impl Fn() + Send + 'static) -> PendingDialog {
    let (sender, answer) = crossbeam_channel::bounded(1);
    let spawned = std::thread::Builder::new().name("atelier-file-dialog".to_owned()).spawn(move || {
        let dialog = rfd::FileDialog::new();
        let picked = match kind {
            DialogKind::PickFolder => dialog.set_title("Choose the Fashion-MNIST folder").pick_folder(),
            DialogKind::OpenSpec => {
                dialog.set_title("Open a model spec").add_filter("Model spec", &["json"]).pick_file()
            }
            DialogKind::SaveSpec => dialog
                .set_title("Save the model spec")
                .add_filter("Model spec", &["json"])
                .set_file_name("model.json")
                .save_file(),
            DialogKind::SavePredictionsCsv => dialog
                .set_title("Save the predictions as CSV")
                .add_filter("CSV", &["csv"])
                .set_file_name("predictions.csv")
                .save_file(),
            DialogKind::OpenModel => {
                dialog.set_title("Open a model").add_filter("Model", &["safetensors"]).pick_file()
            }
            DialogKind::PickReportFolder => {
                dialog.set_title("Choose a folder for the evaluation report").pick_folder()
            }
            DialogKind::SaveModel => dialog
                .set_title("Save the model")
                .add_filter("Model", &["safetensors"])
                .set_file_name("model.safetensors")
                .save_file(),
            DialogKind::ExportOnnx => dialog
                .set_title("Export the model as ONNX")
                .add_filter("ONNX model", &["onnx"])
                .set_file_name("model.onnx")
                .save_file(),
        };
        let _ = sender.send(picked);
        repaint();
    });
    // If no thread could be started the sender is dropped, and `poll` answers `Nothing`.
    drop(spawned);
    PendingDialog { answer }
}

/// A chooser for pictures to predict, several at once, on a background thread.
#[must_use]
pub fn open_pictures(repaint: impl Fn() + Send + 'static) -> PendingDialog<Vec<PathBuf>> {
    let (sender, answer) = crossbeam_channel::bounded(1);
    let spawned = std::thread::Builder::new().name("atelier-file-dialog".to_owned()).spawn(move || {
        let picked = rfd::FileDialog::new()
            .set_title("Open pictures")
            .add_filter("Pictures", crate::picture::PICTURE_EXTENSIONS)
            .pick_files()
            .filter(|paths| !paths.is_empty());
        let _ = sender.send(picked);
        repaint();
    });
    drop(spawned);
    PendingDialog { answer }
}
