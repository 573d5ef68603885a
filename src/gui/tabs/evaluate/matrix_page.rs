//! The confusion-matrix page: the clickable heatmap on the left, the clicked cell's images on the
//! right (or, before a click, the model's biggest confusions as shortcuts).

use crate::evaluation::ConfusionMatrix;

use super::super::super::widgets::confusion_matrix::{
    Cell, MatrixValues, cell_sentence, confusion_matrix_ui,
};
use super::gallery::{Pictures, gallery_ui};
use super::{EvaluateView, Inspected};

/// Shortcuts listed before a cell is clicked.
const TOP_CONFUSIONS: usize = 6;

/// Draws the page.
pub(super) fn show_ui(ui: &mut egui::Ui, view: &mut EvaluateView) {
    let (Some(result), Some(summary)) = (&view.result, &view.summary) else { return };
    // Cheap clones: the pixels are shared, the matrix is 10×10.
    let dataset = result.evaluation.dataset.clone();
    let names = result.evaluation.predictions.class_names().to_vec();
    let confusion = summary.report.confusion.clone();
    let mut clicked = None;
    let mut inspect = None;
    ui.horizontal_top(|ui| {
        let matrix_width = (ui.available_width() * 0.52).max(420.0);
        ui.vertical(|ui| {
            ui.set_width(matrix_width);
            ui.horizontal(|ui| {
                ui.label("Show:");
                ui.selectable_value(&mut view.values, MatrixValues::Counts, "Counts");
                ui.selectable_value(&mut view.values, MatrixValues::RowShares, "Share of each true class");
            });
            ui.weak("Rows: the true class. Columns: what the model said. Blue: right; orange: wrong (darker = more often).");
            ui.add_space(4.0);
            let selected = view.gallery.as_ref().map(|gallery| gallery.cell);
            clicked = confusion_matrix_ui(ui, &confusion, &names, view.values, selected);
        });
        ui.separator();
        ui.vertical(|ui| {
            let pictures = Pictures { dataset: &dataset, names: &names };
            match &view.gallery {
                Some(gallery) => {
                    ui.heading(cell_sentence(&confusion, &names, gallery.cell));
                    if gallery.examples.is_empty() {
                        ui.label("No images in this cell.");
                        return;
                    }
                    ui.weak("Most confident first; the number is the model's confidence. Click an image to see it large.");
                    ui.add_space(4.0);
                    let caption =
                        |example: &crate::evaluation::Example| vec![format!("{:.0}%", example.confidence * 100.0)];
                    let examples = &gallery.examples;
                    inspect = gallery_ui(ui, "cell_gallery", &mut view.textures, &pictures, examples, (&caption, 1));
                }
                None => clicked = clicked.or(top_confusions_ui(ui, &confusion, &names)),
            }
        });
    });
    if let Some(cell) = clicked {
        view.open_cell(cell);
    }
    if let Some(example) = inspect {
        view.inspected = Some(Inspected { example, map_class: example.true_class });
    }
}

/// The most frequent mistakes as buttons that open their cell.
fn top_confusions_ui(ui: &mut egui::Ui, confusion: &ConfusionMatrix, names: &[String]) -> Option<Cell> {
    ui.heading("Click a cell to see its images");
    ui.label("Every cell opens a gallery of exactly the test images it counts.");
    ui.add_space(12.0);
    let n = confusion.num_classes();
    let mut cells: Vec<(u64, Cell)> = (0..n)
        .flat_map(|row| (0..n).map(move |column| Cell { true_class: row, predicted_class: column }))
        .filter(|cell| cell.true_class != cell.predicted_class)
        .map(|cell| (confusion.count(cell.true_class, cell.predicted_class), cell))
        .filter(|(count, _)| *count > 0)
        .collect();
    cells.sort_by_key(|&(count, _)| std::cmp::Reverse(count));
    if cells.is_empty() {
        ui.label("No mistakes at all on the test set.");
        return None;
    }
    ui.strong("The most frequent mistakes");
    let mut clicked = None;
    for (_, cell) in cells.into_iter().take(TOP_CONFUSIONS) {
        if ui.link(cell_sentence(confusion, names, cell)).clicked() {
            clicked = Some(cell);
        }
    }
    clicked
}
