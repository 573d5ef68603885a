//! The confusion matrix as a clickable heatmap: true classes down, predicted classes across, counts
//! or row shares in the cells, a sentence on hover, and an accessible label on every cell.

use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, Vec2};

use crate::evaluation::ConfusionMatrix;
use crate::files::thousands;

/// What the cells show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatrixValues {
    /// How many examples fall in each cell.
    #[default]
    Counts,
    /// Each cell as a share of its row (its true class), so classes of any size read alike.
    RowShares,
}

/// One cell: examples of `true_class` predicted as `predicted_class`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// Row: the true class.
    pub true_class: usize,
    /// Column: the class the model chose.
    pub predicted_class: usize,
}

/// Largest cell side, in points.
const MAX_CELL: f32 = 58.0;
/// Smallest cell side, in points (below this the counts no longer fit).
const MIN_CELL: f32 = 30.0;
/// Room for the axis titles.
const TITLE_SPACE: f32 = 22.0;

/// The accessible label of a cell ("Shirt predicted as T-shirt/top: 94"); tests find cells by it.
#[must_use]
pub fn cell_label(names: &[String], cell: Cell, count: u64) -> String {
    format!("{} predicted as {}: {count}", name(names, cell.true_class), name(names, cell.predicted_class))
}

/// The hover sentence of a cell ("94 Shirts predicted as T-shirt/top (9.4% of the Shirts)").
#[must_use]
pub fn cell_sentence(confusion: &ConfusionMatrix, names: &[String], cell: Cell) -> String {
    let count = confusion.count(cell.true_class, cell.predicted_class);
    let support = confusion.row_total(cell.true_class);
    let truth = name(names, cell.true_class);
    let things = if count == 1 { truth.to_owned() } else { plural(truth) };
    let share = if support == 0 { 0.0 } else { count as f64 / support as f64 * 100.0 };
    let verdict = if cell.true_class == cell.predicted_class {
        "predicted correctly".to_owned()
    } else {
        format!("predicted as {}", name(names, cell.predicted_class))
    };
    format!(
        "{} {things} {verdict} ({share:.1}% of the {} {})",
        thousands(count as usize),
        thousands(support as usize),
        plural(truth)
    )
}

/// An English plural of a class name ("Dress" → "Dresses", "Ankle boot" → "Ankle boots").
#[must_use]
pub fn plural(name: &str) -> String {
    if name.ends_with('s') || name.ends_with('x') { format!("{name}es") } else { format!("{name}s") }
}

fn name(names: &[String], class: usize) -> &str {
    names.get(class).map_or("?", String::as_str)
}

/// Draws the matrix with `names` on both axes and returns the cell clicked this frame. `selected`
/// is outlined.
pub fn confusion_matrix_ui(
    ui: &mut egui::Ui,
    confusion: &ConfusionMatrix,
    names: &[String],
    values: MatrixValues,
    selected: Option<Cell>,
) -> Option<Cell> {
    let n = confusion.num_classes();
    if n == 0 {
        ui.weak("No classes to show.");
        return None;
    }
    let label_font = FontId::proportional(13.0);
    let text_color = ui.visuals().text_color();
    let label_width = names
        .iter()
        .map(|label| ui.painter().layout_no_wrap(label.clone(), label_font.clone(), text_color).size().x)
        .fold(0.0, f32::max)
        + 10.0;
    let available = ui.available_size();
    let fit_width = (available.x - label_width - TITLE_SPACE) / n as f32;
    let fit_height = (available.y - label_width - 2.0 * TITLE_SPACE) / n as f32;
    let cell_side = fit_width.min(fit_height).clamp(MIN_CELL, MAX_CELL).floor();
    let grid_size = Vec2::splat(cell_side * n as f32);
    let total = Vec2::new(TITLE_SPACE + label_width + grid_size.x, TITLE_SPACE + label_width + grid_size.y);
    let (outer, _) = ui.allocate_exact_size(total, Sense::hover());
    let grid = Rect::from_min_size(
        outer.min + Vec2::new(TITLE_SPACE + label_width, TITLE_SPACE + label_width),
        grid_size,
    );
    let painter = ui.painter_at(outer.expand(2.0));
    axes_ui(&painter, grid, label_width, names, &label_font, text_color, cell_side);

    let shares = confusion.normalized_by_row();
    let worst_mistake = (0..n)
        .flat_map(|row| (0..n).filter(move |&column| column != row).map(move |column| (row, column)))
        .map(|(row, column)| shares[row][column])
        .fold(0.0, f64::max);
    let palette = Palette::for_visuals(ui.visuals());
    let mut clicked = None;
    for (row, row_shares) in shares.iter().enumerate() {
        for (column, &share) in row_shares.iter().enumerate() {
            let cell = Cell { true_class: row, predicted_class: column };
            let rect = Rect::from_min_size(
                grid.min + Vec2::new(column as f32 * cell_side, row as f32 * cell_side),
                Vec2::splat(cell_side),
            )
            .shrink(1.0);
            let count = confusion.count(row, column);
            let fill = if row == column {
                palette.correct(share)
            } else if worst_mistake > 0.0 {
                palette.wrong(share / worst_mistake)
            } else {
                palette.empty
            };
            let id = ui.make_persistent_id(("confusion_cell", row, column));
            let response = ui.interact(rect, id, Sense::click());
            let label = cell_label(names, cell, count);
            response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, label.clone()));
            painter.rect_filled(rect, 3.0, fill);
            let ink = ink_on(fill);
            let text = match values {
                MatrixValues::Counts => count.to_string(),
                MatrixValues::RowShares => format!("{:.0}%", share * 100.0),
            };
            let ink = if count == 0 { ink.gamma_multiply(0.45) } else { ink };
            let size = if cell_side >= 44.0 { 15.0 } else { 12.0 };
            painter.text(rect.center(), Align2::CENTER_CENTER, text, FontId::proportional(size), ink);
            if selected == Some(cell) {
                painter.rect_stroke(rect, 3.0, Stroke::new(3.0, palette.selected), StrokeKind::Inside);
            } else if response.hovered() {
                painter.rect_stroke(rect, 3.0, Stroke::new(2.0, palette.hovered), StrokeKind::Inside);
            }
            let response = response.on_hover_text(format!(
                "{}\nClick to see {}.",
                cell_sentence(confusion, names, cell),
                if count == 1 { "this image" } else { "these images" }
            ));
            if response.clicked() {
                clicked = Some(cell);
            }
        }
    }
    clicked
}

/// Class names left of the rows and above the columns (turned upright), and the axis titles.
fn axes_ui(
    painter: &egui::Painter,
    grid: Rect,
    label_width: f32,
    names: &[String],
    font: &FontId,
    color: Color32,
    cell_side: f32,
) {
    let title_font = FontId::proportional(14.0);
    let strong = color;
    for (index, label) in names.iter().enumerate() {
        let y = grid.top() + (index as f32 + 0.5) * cell_side;
        painter.text(Pos2::new(grid.left() - 6.0, y), Align2::RIGHT_CENTER, label, font.clone(), color);
        // Column names read bottom to top, ending just above the grid.
        let galley = painter.layout_no_wrap(label.clone(), font.clone(), color);
        let x = grid.left() + (index as f32 + 0.5) * cell_side - galley.size().y / 2.0;
        let position = Pos2::new(x, grid.top() - 6.0);
        painter.add(
            egui::epaint::TextShape::new(position, galley, color).with_angle(-std::f32::consts::FRAC_PI_2),
        );
    }
    painter.text(
        Pos2::new(grid.center().x, grid.top() - label_width - 4.0),
        Align2::CENTER_BOTTOM,
        "Predicted class",
        title_font.clone(),
        strong,
    );
    let galley = painter.layout_no_wrap("True class".to_owned(), title_font, strong);
    let x = grid.left() - label_width - galley.size().y - 4.0;
    let y = grid.center().y + galley.size().x / 2.0;
    painter.add(
        egui::epaint::TextShape::new(Pos2::new(x, y), galley, strong)
            .with_angle(-std::f32::consts::FRAC_PI_2),
    );
}

/// Cell colours that read in both themes: blue for right answers, orange for mistakes.
struct Palette {
    empty: Color32,
    correct_full: Color32,
    wrong_full: Color32,
    selected: Color32,
    hovered: Color32,
}

impl Palette {
    fn for_visuals(visuals: &egui::Visuals) -> Self {
        if visuals.dark_mode {
            Self {
                empty: Color32::from_rgb(38, 40, 46),
                correct_full: Color32::from_rgb(52, 130, 220),
                wrong_full: Color32::from_rgb(235, 120, 40),
                selected: Color32::from_rgb(255, 230, 90),
                hovered: Color32::from_gray(230),
            }
        } else {
            Self {
                empty: Color32::from_rgb(244, 246, 250),
                correct_full: Color32::from_rgb(16, 72, 150),
                wrong_full: Color32::from_rgb(215, 80, 10),
                selected: Color32::from_rgb(20, 20, 20),
                hovered: Color32::from_gray(90),
            }
        }
    }

    fn correct(&self, share: f64) -> Color32 {
        mix(self.empty, self.correct_full, share)
    }

    fn wrong(&self, strength: f64) -> Color32 {
        mix(self.empty, self.wrong_full, strength)
    }
}

/// `from` blended towards `to` by `t` in `0..=1`.
fn mix(from: Color32, to: Color32, t: f64) -> Color32 {
    let t = t.clamp(0.0, 1.0) as f32;
    let channel = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
    Color32::from_rgb(channel(from.r(), to.r()), channel(from.g(), to.g()), channel(from.b(), to.b()))
}

/// Black or white, whichever reads better on `fill`.
fn ink_on(fill: Color32) -> Color32 {
    let luminance = 0.299 * f32::from(fill.r()) + 0.587 * f32::from(fill.g()) + 0.114 * f32::from(fill.b());
    if luminance > 150.0 { Color32::from_gray(20) } else { Color32::from_gray(245) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["Shirt".to_owned(), "T-shirt/top".to_owned(), "Dress".to_owned()]
    }

    #[test]
    fn cells_are_labelled_and_explained_in_words() {
        let confusion = ConfusionMatrix::from_predictions(3, &[0, 0, 0, 1], &[1, 1, 0, 1]).unwrap();
        let cell = Cell { true_class: 0, predicted_class: 1 };
        assert_eq!(cell_label(&names(), cell, 2), "Shirt predicted as T-shirt/top: 2");
        assert_eq!(
            cell_sentence(&confusion, &names(), cell),
            "2 Shirts predicted as T-shirt/top (66.7% of the 3 Shirts)"
        );
        let right = Cell { true_class: 1, predicted_class: 1 };
        assert_eq!(
            cell_sentence(&confusion, &names(), right),
            "1 T-shirt/top predicted correctly (100.0% of the 1 T-shirt/tops)"
        );
    }

    #[test]
    fn plurals_of_the_class_names() {
        assert_eq!(plural("Dress"), "Dresses");
        assert_eq!(plural("Ankle boot"), "Ankle boots");
        assert_eq!(plural("Trouser"), "Trousers");
    }

    #[test]
    fn text_stays_readable_on_every_fill() {
        assert_eq!(ink_on(Color32::from_rgb(244, 246, 250)), Color32::from_gray(20));
        assert_eq!(ink_on(Color32::from_rgb(16, 72, 150)), Color32::from_gray(245));
        assert_eq!(mix(Color32::BLACK, Color32::WHITE, 0.5), Color32::from_gray(128));
    }
}
