//! The table of pictures: thumbnail (the 28×28 input), file, top-1, confidence, top-2 and a note
//! (a warning, or the reason a file failed); sortable by clicking a header; exportable as CSV.

use std::cmp::Ordering;
use std::path::PathBuf;

use egui::{RichText, Vec2};

use super::super::super::app::Ctx;
use super::super::super::file_dialogs::{self, DialogKind, DialogPoll};
use super::super::super::state::NoticeKind;
use super::export::{PendingWrite, predictions_csv};
use super::pictures::{Picture, PictureList, PictureStatus, Warning};

/// Height of one row, in points (the thumbnail's side plus a little).
const ROW_HEIGHT: f32 = 34.0;
/// Side of a thumbnail, in points.
const THUMBNAIL: f32 = 30.0;

/// What the table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortColumn {
    /// The order the pictures came in.
    #[default]
    Added,
    /// File name.
    File,
    /// Top class name.
    TopClass,
    /// Top class probability.
    Confidence,
}

/// Sort column and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TableSort {
    /// The column.
    pub column: SortColumn,
    /// Largest first.
    pub descending: bool,
}

impl TableSort {
    /// A click on `column`'s header: sort by it, or flip the direction if it already is.
    pub fn click(&mut self, column: SortColumn) {
        if self.column == column {
            self.descending = !self.descending;
        } else {
            // Confidence reads best highest first; names A to Z.
            *self = Self { column, descending: column == SortColumn::Confidence };
        }
    }

    /// Positions of `list`'s pictures in table order. Pictures without a prediction sort after
    /// the predicted ones either way.
    #[must_use]
    pub fn order(self, list: &PictureList) -> Vec<usize> {
        let pictures = &list.pictures;
        let mut order: Vec<usize> = (0..pictures.len()).collect();
        let top = |picture: &Picture| picture.top_two().into_iter().next();
        order.sort_by(|&a, &b| {
            let (a_picture, b_picture) = (&pictures[a], &pictures[b]);
            let by = match self.column {
                SortColumn::Added => a.cmp(&b),
                SortColumn::File => a_picture.file_name().cmp(&b_picture.file_name()),
                SortColumn::TopClass | SortColumn::Confidence => match (top(a_picture), top(b_picture)) {
                    (Some(x), Some(y)) if self.column == SortColumn::TopClass => x.0.cmp(&y.0),
                    (Some(x), Some(y)) => x.1.total_cmp(&y.1),
                    (Some(_), None) => return Ordering::Less,
                    (None, Some(_)) => return Ordering::Greater,
                    (None, None) => Ordering::Equal,
                },
            };
            let by = if self.descending { by.reverse() } else { by };
            by.then(a.cmp(&b))
        });
        order
    }
}

/// Draws the export row and the table.
pub fn table_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    export_row_ui(ui, cx);
    ui.separator();
    let order = cx.state.predict.sort.order(&cx.state.predict.list);
    header_ui(ui, cx);
    let pending: Vec<String> =
        cx.state.predict.list.pending_folders().map(|folder| folder.display().to_string()).collect();
    for folder in pending {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("Reading {folder}…"));
        });
    }
    egui::ScrollArea::vertical().id_salt("predict_rows").auto_shrink([false, false]).show_rows(
        ui,
        ROW_HEIGHT,
        order.len(),
        |ui, rows| {
            for &index in &order[rows] {
                row_ui(ui, cx, index);
            }
        },
    );
}

/// Column widths: thumbnail, file, top-1, confidence, top-2; the note takes the rest.
const WIDTHS: [f32; 5] = [THUMBNAIL, 150.0, 84.0, 74.0, 116.0];

fn header_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let sort = cx.state.predict.sort;
    ui.horizontal(|ui| {
        ui.add_space(WIDTHS[0] + ui.spacing().item_spacing.x);
        let columns = [
            (SortColumn::File, "File", WIDTHS[1]),
            (SortColumn::TopClass, "Top 1", WIDTHS[2]),
            (SortColumn::Confidence, "Confidence", WIDTHS[3]),
        ];
        for (column, title, width) in columns {
            let arrow = match (sort.column == column, sort.descending) {
                (true, false) => " (asc)",
                (true, true) => " (desc)",
                (false, _) => "",
            };
            let button = egui::Button::new(RichText::new(format!("{title}{arrow}")).strong()).frame(false);
            if ui
                .add_sized([width, 20.0], button)
                .on_hover_text(format!("Sort by {}", title.to_lowercase()))
                .clicked()
            {
                cx.state.predict.sort.click(column);
            }
        }
        ui.add_sized([WIDTHS[4], 20.0], egui::Label::new(RichText::new("Top 2").strong()));
        ui.strong("Note");
        if sort.column != SortColumn::Added && ui.small_button("as added").clicked() {
            cx.state.predict.sort = TableSort::default();
        }
    });
}

fn row_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>, index: usize) {
    let ctx = ui.ctx().clone();
    let view = &mut cx.state.predict;
    let picture = &view.list.pictures[index];
    let selected = view.selected.as_deref() == Some(picture.name.as_path());
    let mut clicked = false;
    ui.horizontal(|ui| {
        ui.set_height(ROW_HEIGHT);
        match view.textures.thumbnail(&ctx, picture) {
            Some(texture) => {
                let alt = format!("{} as the network sees it", picture.file_name());
                let image = egui::Image::new((texture.id(), Vec2::splat(THUMBNAIL))).alt_text(alt);
                clicked |= ui.add(image.sense(egui::Sense::click())).clicked();
            }
            None => {
                ui.add_sized([THUMBNAIL, THUMBNAIL], egui::Label::new(status_symbol(&picture.status)));
            }
        }
        let file = egui::Button::selectable(selected, picture.file_name()).truncate();
        clicked |=
            ui.add_sized([WIDTHS[1], 22.0], file).on_hover_text(picture.name.display().to_string()).clicked();
        let top = picture.top_two();
        let cell = |ui: &mut egui::Ui, width: f32, text: String| {
            ui.add_sized([width, 22.0], egui::Label::new(text).truncate());
        };
        match top.first() {
            Some((class, probability)) => {
                cell(ui, WIDTHS[2], class.clone());
                cell(ui, WIDTHS[3], format!("{:.1}%", probability * 100.0));
            }
            None => {
                cell(ui, WIDTHS[2], "—".to_owned());
                cell(ui, WIDTHS[3], "—".to_owned());
            }
        }
        cell(
            ui,
            WIDTHS[4],
            top.get(1).map_or_else(|| "—".to_owned(), |(c, p)| format!("{c} {:.1}%", p * 100.0)),
        );
        note_ui(ui, picture);
    });
    if clicked {
        view.selected = Some(view.list.pictures[index].name.clone());
    }
}

fn status_symbol(status: &PictureStatus) -> &'static str {
    match status {
        PictureStatus::Waiting => "…",
        PictureStatus::Ready(_) => "",
        PictureStatus::Failed(_) => "X",
    }
}

/// The last column: the failure (in the error colour), a warning, or what the row waits for, in
/// small text on up to two lines (the rest is clipped; hovering shows it all).
fn note_ui(ui: &mut egui::Ui, picture: &Picture) {
    let visuals = ui.visuals().clone();
    let (text, color, hover) = match &picture.status {
        PictureStatus::Failed(error) => {
            (format!("Error: {error}"), visuals.error_fg_color, Some(error.clone()))
        }
        PictureStatus::Waiting => ("waiting…".to_owned(), visuals.weak_text_color(), None),
        PictureStatus::Ready(result) if result.prediction.is_none() => {
            ("no model yet".to_owned(), visuals.weak_text_color(), None)
        }
        PictureStatus::Ready(_) => {
            let warnings = picture.warnings();
            if warnings.is_empty() {
                return;
            }
            let short: Vec<String> = warnings.iter().map(Warning::short).collect();
            let long: Vec<String> = warnings.iter().map(Warning::describe).collect();
            (short.join(", "), visuals.warn_fg_color, Some(long.join("\n")))
        }
    };
    // Never all the width left: a resizable panel would grow to fit it, frame after frame.
    let width = (ui.available_width() - 8.0).clamp(60.0, 220.0);
    let mut job = egui::text::LayoutJob::simple(text, egui::FontId::proportional(11.5), color, width);
    job.wrap.max_rows = 2;
    let layout = egui::Layout::left_to_right(egui::Align::Center);
    let response = ui
        .allocate_ui_with_layout(egui::vec2(width, ROW_HEIGHT), layout, |ui| {
            // The label wraps to the width it is given: give it exactly the column.
            ui.set_max_width(width);
            ui.add(egui::Label::new(job).wrap())
        })
        .inner;
    if let Some(hover) = hover {
        response.on_hover_text(hover);
    }
}

/// "Export CSV": the path field, Save as…, Export.
fn export_row_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.horizontal(|ui| {
        let label = ui.label("CSV:");
        let field = egui::TextEdit::singleline(&mut cx.state.predict.csv_text)
            .hint_text("predictions.csv")
            .desired_width(180.0);
        let field = ui.add(field).labelled_by(label.id);
        // Enter in the field exports, as the Path field's Enter adds.
        let entered = field.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        let choosing = cx.state.predict.choosing_csv.is_some();
        if ui.add_enabled(!choosing, egui::Button::new("Save as…")).clicked() {
            let ctx = ui.ctx().clone();
            cx.state.predict.choosing_csv =
                Some(file_dialogs::open(DialogKind::SavePredictionsCsv, move || ctx.request_repaint()));
        }
        let writing = cx.state.predict.writing_csv.is_some();
        let text = cx.state.predict.csv_text.trim().to_owned();
        let export = ui
            .add_enabled(!writing && !text.is_empty(), egui::Button::new("Export CSV"))
            .on_hover_text("Write the table, in its current order, to the file in the CSV field");
        if (export.clicked() || entered) && !writing && !text.is_empty() {
            start_export(ui.ctx(), cx, PathBuf::from(text));
        }
        if writing {
            ui.spinner();
        }
    });
}

fn start_export(ctx: &egui::Context, cx: &mut Ctx<'_>, path: PathBuf) {
    let view = &cx.state.predict;
    let order = view.sort.order(&view.list);
    let rows: Vec<&Picture> = order.iter().map(|&index| &view.list.pictures[index]).collect();
    let text = predictions_csv(&rows);
    let ctx = ctx.clone();
    cx.state.predict.writing_csv = Some(PendingWrite::start(path, text, move || ctx.request_repaint()));
}

/// Collects the CSV chooser's answer (then writes) and the writer's result.
pub fn poll_export(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    if let Some(choosing) = &cx.state.predict.choosing_csv {
        match choosing.poll() {
            DialogPoll::Waiting => {}
            DialogPoll::Picked(path) => {
                cx.state.predict.choosing_csv = None;
                cx.state.predict.csv_text = path.display().to_string();
                start_export(ctx, cx, path);
            }
            DialogPoll::Nothing => {
                cx.state.predict.choosing_csv = None;
                cx.state.inform(
                    NoticeKind::Info,
                    "No file chosen (or no file chooser here): type a path in the CSV field",
                );
            }
        }
    }
    if let Some(result) = cx.state.predict.writing_csv.as_ref().and_then(PendingWrite::poll) {
        cx.state.predict.writing_csv = None;
        match result {
            Ok(path) => {
                cx.state.inform(NoticeKind::Info, format!("Saved the predictions to {}", path.display()));
            }
            Err(error) => {
                cx.state.inform(NoticeKind::Error, format!("Could not save the predictions: {error}"));
            }
        }
    }
}
