//! The classification report as a table: precision, recall, F1 and support per class, sortable by
//! clicking a column header, with accuracy and the macro and weighted averages kept below.

use std::cmp::Ordering;

use egui::RichText;

use crate::evaluation::{ClassMetrics, ClassificationReport};
use crate::files::thousands;

/// A column the class rows can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportColumn {
    /// Class order (label order).
    #[default]
    Class,
    /// Precision.
    Precision,
    /// Recall.
    Recall,
    /// F1 score.
    F1,
    /// Support (examples of the class).
    Support,
}

impl ReportColumn {
    /// All columns, left to right.
    pub const ALL: [Self; 5] = [Self::Class, Self::Precision, Self::Recall, Self::F1, Self::Support];

    /// The header text.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::Class => "Class",
            Self::Precision => "Precision",
            Self::Recall => "Recall",
            Self::F1 => "F1",
            Self::Support => "Support",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Self::Class => "Sort by class (label order)",
            Self::Precision => "Of the images predicted as this class, the share that really are",
            Self::Recall => "Of the images of this class, the share found (the per-class accuracy)",
            Self::F1 => "Harmonic mean of precision and recall",
            Self::Support => "Test images of this class",
        }
    }
}

/// Up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Smallest first (class order for the class column).
    #[default]
    Ascending,
    /// Largest first.
    Descending,
}

/// How the class rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportSort {
    /// The column sorted by.
    pub column: ReportColumn,
    /// Its direction.
    pub order: SortOrder,
}

impl ReportSort {
    /// A click on `column`'s header: the same column flips, another starts with its most telling
    /// order (numbers largest first, classes in label order).
    pub fn click(&mut self, column: ReportColumn) {
        if self.column == column {
            self.order = match self.order {
                SortOrder::Ascending => SortOrder::Descending,
                SortOrder::Descending => SortOrder::Ascending,
            };
        } else {
            self.column = column;
            self.order =
                if column == ReportColumn::Class { SortOrder::Ascending } else { SortOrder::Descending };
        }
    }

    /// Positions of `classes` in display order.
    #[must_use]
    pub fn order_of(&self, classes: &[ClassMetrics]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..classes.len()).collect();
        let key = |index: usize| -> f64 {
            let metrics = &classes[index];
            match self.column {
                ReportColumn::Class => index as f64,
                ReportColumn::Precision => metrics.precision,
                ReportColumn::Recall => metrics.recall,
                ReportColumn::F1 => metrics.f1,
                ReportColumn::Support => metrics.support as f64,
            }
        };
        order.sort_by(|&a, &b| {
            let ordering = key(a).partial_cmp(&key(b)).unwrap_or(Ordering::Equal);
            let ordering = match self.order {
                SortOrder::Ascending => ordering,
                SortOrder::Descending => ordering.reverse(),
            };
            ordering.then(a.cmp(&b))
        });
        order
    }
}

/// Draws the table; header clicks change `sort`.
pub fn report_table_ui(ui: &mut egui::Ui, report: &ClassificationReport, sort: &mut ReportSort) {
    let order = sort.order_of(&report.classes);
    egui::Grid::new("report_table").striped(true).num_columns(5).spacing([22.0, 6.0]).show(ui, |ui| {
        for column in ReportColumn::ALL {
            let sorted = (sort.column == column).then_some(sort.order);
            // Room for the arrow, drawn by hand: the bundled font has no arrow glyphs.
            let text =
                if sorted.is_some() { format!("{}    ", column.title()) } else { column.title().to_owned() };
            let header = egui::Button::new(RichText::new(text).strong()).frame(false);
            let response = ui.add(header).on_hover_text(column.help());
            if let Some(order) = sorted {
                sort_arrow(ui, response.rect, order);
            }
            if response.clicked() {
                sort.click(column);
            }
        }
        ui.end_row();
        for index in order {
            let metrics = &report.classes[index];
            ui.label(&metrics.name);
            number_ui(ui, metrics.precision);
            number_ui(ui, metrics.recall);
            number_ui(ui, metrics.f1);
            ui.label(thousands(metrics.support as usize));
            ui.end_row();
        }
        ui.separator();
        ui.end_row();
        ui.strong("Accuracy");
        ui.label("");
        ui.label("");
        number_ui(ui, report.accuracy).on_hover_text(format!(
            "{} of {} test images classified correctly",
            thousands(report.correct as usize),
            thousands(report.total as usize)
        ));
        ui.label(thousands(report.total as usize));
        ui.end_row();
        for (name, help, average) in [
            ("Macro average", "Every class counts the same", &report.macro_avg),
            (
                "Weighted average",
                "Every image counts the same (classes weighted by support)",
                &report.weighted_avg,
            ),
        ] {
            ui.strong(name).on_hover_text(help);
            number_ui(ui, average.precision);
            number_ui(ui, average.recall);
            number_ui(ui, average.f1);
            ui.label(thousands(average.support as usize));
            ui.end_row();
        }
    });
}

/// A small triangle at the right end of `rect`: up for ascending, down for descending.
fn sort_arrow(ui: &egui::Ui, rect: egui::Rect, order: SortOrder) {
    let center = egui::pos2(rect.right() - 8.0, rect.center().y);
    let (tip, base) = match order {
        SortOrder::Ascending => (-4.0, 3.0),
        SortOrder::Descending => (4.0, -3.0),
    };
    let points =
        vec![center + egui::vec2(0.0, tip), center + egui::vec2(-4.5, base), center + egui::vec2(4.5, base)];
    let color = ui.visuals().strong_text_color();
    ui.painter().add(egui::Shape::convex_polygon(points, color, egui::Stroke::NONE));
}

fn number_ui(ui: &mut egui::Ui, value: f64) -> egui::Response {
    ui.monospace(format!("{value:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(name: &str, precision: f64, recall: f64, support: u64) -> ClassMetrics {
        let f1 = 2.0 * precision * recall / (precision + recall);
        ClassMetrics { name: name.to_owned(), precision, recall, f1, support, accuracy: recall }
    }

    #[test]
    fn clicking_headers_sorts_and_flips() {
        let classes =
            vec![metrics("a", 0.9, 0.5, 10), metrics("b", 0.6, 0.8, 30), metrics("c", 0.7, 0.9, 20)];
        let mut sort = ReportSort::default();
        assert_eq!(sort.order_of(&classes), vec![0, 1, 2]);
        sort.click(ReportColumn::Precision);
        assert_eq!(sort.order_of(&classes), vec![0, 2, 1], "largest precision first");
        sort.click(ReportColumn::Precision);
        assert_eq!(sort.order_of(&classes), vec![1, 2, 0], "a second click flips");
        sort.click(ReportColumn::Support);
        assert_eq!(sort.order_of(&classes), vec![1, 2, 0]);
        sort.click(ReportColumn::Class);
        assert_eq!(sort.order_of(&classes), vec![0, 1, 2]);
        sort.click(ReportColumn::Class);
        assert_eq!(sort.order_of(&classes), vec![2, 1, 0]);
    }
}
