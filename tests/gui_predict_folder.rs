//! Issue 20, point 6: a big folder dropped on Predict shows "n of N" while it runs, its rows
//! appear as they are done, and Cancel stops it between two pictures, keeping the rows done.
#![cfg(feature = "gui")]
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use atelier::gui::tabs::predict::pictures::PictureStatus;
use atelier::gui::{AppOptions, AtelierApp};
use atelier::worker::DataRequest;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// Pictures in the folder: each takes the worker some milliseconds, the folder some seconds.
const PICTURES: usize = 600;

#[derive(Debug)]
struct NativeDrop(PathBuf);

impl egui::DroppedFile for NativeDrop {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        Err("a native drop is read by the worker".to_owned())
    }
}

/// `count` 640×480 colour photos of a dark square at varying places on a light background.
fn folder_of_photos(folder: &Path, count: usize) {
    std::fs::create_dir_all(folder).unwrap();
    for index in 0..count {
        let offset = (index % 50) as u32 * 4;
        let picture = image::RgbImage::from_fn(640, 480, |x, y| {
            let inside = (100 + offset..300 + offset).contains(&x) && (100..300).contains(&y);
            let grain = ((x * 7 + y * 13 + index as u32) % 17) as u8;
            if inside { image::Rgb([40 + grain, 30, 60]) } else { image::Rgb([230 - grain, 225, 220]) }
        });
        picture.save(folder.join(format!("photo-{index:04}.png"))).unwrap();
    }
}

fn wait_until(harness: &mut Harness<'_, AtelierApp>, what: &str, done: impl Fn(&AtelierApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn done_rows(app: &AtelierApp) -> usize {
    let pictures = &app.state().predict.list.pictures;
    pictures.iter().filter(|picture| !matches!(picture.status, PictureStatus::Waiting)).count()
}

#[test]
fn a_big_folder_shows_n_of_total_fills_its_rows_as_it_goes_and_cancel_keeps_what_was_done() {
    let runs = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let photos = folder.path().join("photos");
    folder_of_photos(&photos, PICTURES);
    let runs_dir = runs.path().to_path_buf();
    let mut harness = Harness::builder().with_size([1024.0, 700.0]).build_eframe(move |cc| {
        let options =
            AppOptions { runs_dir: Some(runs_dir), data: Some(DataRequest::Sample), ..AppOptions::default() };
        AtelierApp::new(cc, options).expect("app starts")
    });
    // On the Dataset tab a folder is offered for import; on Predict it is predicted.
    harness.get_by_label("Predict").click();
    harness.run_steps(2);
    harness.input_mut().dropped_files.push(Arc::new(NativeDrop(photos)));
    harness.step();

    wait_until(&mut harness, "the first rows of the folder", |app| {
        app.state().predict.list.progress().is_some() && done_rows(app) > 0
    });
    harness.run_steps(2);
    let (done, total) = harness.state().state().predict.list.progress().unwrap();
    assert_eq!(total, PICTURES, "the total counts the folder's pictures");
    assert!(done < total, "the folder is still being predicted");
    let shown = harness.query_all_by_label_contains("of 600…").count();
    assert_eq!(shown, 1, "the bar says \"predicting n of 600…\"");

    harness.get_by_label("Cancel").click();
    wait_until(&mut harness, "the cancel", |app| !app.state().predict.list.is_waiting());
    harness.run_steps(2);
    let rows = done_rows(harness.state());
    assert!(rows > 0 && rows < PICTURES, "the rows done stay, the rest never came: {rows}");
    assert_eq!(harness.state().state().predict.list.pictures.len(), rows, "no row is left waiting");
    let notice = harness.state().state().notice.as_ref().expect("a status message");
    let status = &notice.text;
    assert!(status.starts_with(&format!("Cancelled after {rows} of 600 pictures")), "{status}");
}
