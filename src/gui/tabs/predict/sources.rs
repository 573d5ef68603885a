//! Where pictures come from besides drops: the picture chooser (on its background thread), the
//! path field (a picture, a folder, or a model file), and clearing the list.

use std::path::PathBuf;

use super::super::super::app::Ctx;
use super::super::super::file_dialogs::{self, DialogPoll};
use super::super::super::state::NoticeKind;
use super::pictures::NewPicture;

/// Collects what the open choosers and the CSV writer answered since the last frame.
pub fn poll_dialogs(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    if let Some(picking) = &cx.state.predict.picking {
        match picking.poll() {
            DialogPoll::Waiting => {}
            DialogPoll::Picked(paths) => {
                cx.state.predict.picking = None;
                super::add_pictures(cx, paths.into_iter().map(NewPicture::Path).collect());
            }
            DialogPoll::Nothing => {
                cx.state.predict.picking = None;
                cx.state.inform(
                    NoticeKind::Info,
                    "No picture chosen (or no file chooser on this desktop): type a path instead",
                );
            }
        }
    }
    super::table::poll_export(ctx, cx);
}

/// The bar above the table: Open…, the path field, Clear.
pub fn sources_bar_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.horizontal(|ui| {
        let picking = cx.state.predict.picking.is_some();
        let open = ui
            .add_enabled(!picking, egui::Button::new("Open pictures…"))
            .on_hover_text("Choose one or more pictures");
        if open.clicked() {
            let ctx = ui.ctx().clone();
            cx.state.predict.picking = Some(file_dialogs::open_pictures(move || ctx.request_repaint()));
        }
        if picking {
            ui.spinner();
        }
        ui.separator();
        let label = ui.label("Path:");
        let field = egui::TextEdit::singleline(&mut cx.state.predict.path_text)
            .hint_text("a picture, a folder, or a model (.safetensors)")
            .desired_width(360.0);
        let response = ui.add(field).labelled_by(label.id);
        let entered = response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        let text = cx.state.predict.path_text.trim().to_owned();
        let add = ui
            .add_enabled(!text.is_empty(), egui::Button::new("Add"))
            .on_hover_text("Predict this file or folder");
        if (entered || add.clicked()) && !text.is_empty() {
            cx.state.predict.path_text.clear();
            super::add_pictures(cx, vec![NewPicture::Path(PathBuf::from(text))]);
        }
        ui.separator();
        let count = cx.state.predict.list.pictures.len();
        if ui
            .add_enabled(count > 0, egui::Button::new("Clear"))
            .on_hover_text("Remove every picture")
            .clicked()
        {
            cx.state.predict.list.clear();
            cx.state.predict.selected = None;
        }
        if cx.state.predict.list.is_waiting() {
            ui.spinner();
            let predicting = cx.state.busy == Some(crate::worker::Job::Predict);
            let waiting = match (cx.state.busy, cx.state.predict.list.progress()) {
                (Some(job), _) if !predicting => format!("waiting for the worker ({})", job.describe()),
                (_, Some((done, total))) => format!("predicting {done} of {total}…"),
                _ => "predicting…".to_owned(),
            };
            ui.label(waiting);
            if predicting
                && ui
                    .button("Cancel")
                    .on_hover_text("Stop predicting; the pictures done so far stay in the table")
                    .clicked()
            {
                cx.worker.cancel();
            }
        }
    });
    ui.add_space(4.0);
}
