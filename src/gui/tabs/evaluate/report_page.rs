//! The report page: the classification report table (sortable) beside the per-class accuracy chart,
//! with one sentence on where the model struggles most.

use crate::evaluation::ClassificationReport;

use super::super::super::widgets::confusion_matrix::plural;
use super::super::super::widgets::per_class_bars::{WEAK_CLASS_MARGIN, per_class_bars_ui};
use super::super::super::widgets::report_table::report_table_ui;
use super::EvaluateView;

/// Draws the page.
pub(super) fn show_ui(ui: &mut egui::Ui, view: &mut EvaluateView) {
    let Some(summary) = &view.summary else { return };
    let report = &summary.report;
    egui::ScrollArea::vertical().id_salt("report_page").auto_shrink([false, false]).show(ui, |ui| {
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.strong("Classification report");
                ui.weak("Click a column header to sort the classes by it.");
                ui.add_space(4.0);
                report_table_ui(ui, report, &mut view.sort);
                ui.add_space(10.0);
                if let Some(text) = weakest_class(report) {
                    ui.label(text);
                }
            });
            ui.add_space(24.0);
            ui.vertical(|ui| {
                ui.set_max_width(520.0);
                ui.strong("Accuracy per class");
                ui.weak(format!(
                    "The share of each class's test images classified correctly (its recall); the line is the \
                     overall accuracy, and classes more than {:.0} points below it are in orange.",
                    WEAK_CLASS_MARGIN * 100.0
                ));
                let names = report.class_names();
                let values: Vec<f64> = report.classes.iter().map(|metrics| metrics.accuracy).collect();
                let height = (names.len() as f32 * 30.0).clamp(120.0, 340.0);
                per_class_bars_ui(ui, "per_class_accuracy", &names, &values, report.accuracy, height);
            });
        });
    });
}

/// "Shirt is the hardest class (F1 0.52): 23% of Shirts are taken for T-shirt/top."
fn weakest_class(report: &ClassificationReport) -> Option<String> {
    let (class, metrics) = report.classes.iter().enumerate().min_by(|a, b| a.1.f1.total_cmp(&b.1.f1))?;
    let shares = report.confusion.normalized_by_row();
    let row = shares.get(class)?;
    let confused = row
        .iter()
        .enumerate()
        .filter(|(column, _)| *column != class)
        .max_by(|a, b| a.1.total_cmp(b.1))
        .filter(|(_, share)| **share > 0.0);
    let mut text = format!("{} is the hardest class (F1 {:.2})", metrics.name, metrics.f1);
    if let Some((column, share)) = confused {
        let other = report.classes.get(column).map_or("?", |other| other.name.as_str());
        text.push_str(&format!(
            ": {:.0}% of {} are taken for {other}.",
            share * 100.0,
            plural(&metrics.name)
        ));
    } else {
        text.push('.');
    }
    Some(text)
}
