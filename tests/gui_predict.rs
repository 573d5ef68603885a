//! The Predict tab in a headless harness with the real worker: files dropped on the window fill the
//! table (a bad file gets its own error row), exported test images predict exactly as the dataset
//! images do, pictures wait for a model, a switched-off step re-predicts, pasted and browser-style
//! drops work, and the table exports to CSV.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use atelier::data::{export_png, load_sample};
use atelier::gui::tabs::Tab;
use atelier::gui::tabs::predict::pictures::{Picture, PictureStatus};
use atelier::gui::{AppOptions, AtelierApp};
use atelier::inference::Predictor;
use atelier::model::ModelSpec;
use atelier::model_file::{ModelMetadata, load_model, save_model};
use atelier::picture::Switch;
use atelier::training::{NullSink, TrainConfig, TrainingData, train};
use atelier::worker::DataRequest;
use candle_core::Device;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// A dropped file as a test gives it: a path, and bytes only for browser-style drops.
#[derive(Debug)]
struct TestDrop {
    path: PathBuf,
    bytes: Option<Vec<u8>>,
}

impl egui::DroppedFile for TestDrop {
    fn path(&self) -> &Path {
        &self.path
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        self.bytes.clone().ok_or_else(|| "a native drop is read by the worker".to_owned())
    }
}

fn drop_files(harness: &mut Harness<'_, AtelierApp>, files: Vec<TestDrop>) {
    for file in files {
        harness.input_mut().dropped_files.push(Arc::new(file));
    }
    harness.step();
}

fn native(path: &Path) -> TestDrop {
    TestDrop { path: path.to_path_buf(), bytes: None }
}

/// A tiny CNN trained for one epoch on the sample, saved as a model file.
fn tiny_cnn(folder: &Path) -> PathBuf {
    let spec: ModelSpec = serde_json::from_str(
        r#"{"name": "tiny-cnn", "layers": [{"type": "Conv2d", "filters": 4, "kernel": 3}, {"type": "Relu"},
            {"type": "MaxPool", "size": 2}, {"type": "Flatten"}, {"type": "Dense", "units": 10}]}"#,
    )
    .unwrap();
    let config = TrainConfig { epochs: 1, batch_size: 64, ..TrainConfig::default() };
    let sample = load_sample().unwrap();
    let outcome =
        train(&TrainingData::from(&sample), &spec, &config, &mut NullSink, &Default::default()).unwrap();
    let path = folder.join("tiny-cnn.safetensors");
    save_model(&path, &outcome.network, &ModelMetadata::for_network(&outcome.network)).unwrap();
    path
}

fn app(runs: &Path) -> Harness<'static, AtelierApp> {
    let runs = runs.to_path_buf();
    Harness::builder().with_size([1280.0, 800.0]).build_eframe(move |cc| {
        let options =
            AppOptions { runs_dir: Some(runs), data: Some(DataRequest::Sample), ..AppOptions::default() };
        AtelierApp::new(cc, options).expect("app starts")
    })
}

/// Steps the harness until `done` (or fails after 60 s).
fn wait_until(harness: &mut Harness<'_, AtelierApp>, what: &str, done: impl Fn(&AtelierApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run_steps(3);
}

fn pictures(app: &AtelierApp) -> &[Picture] {
    &app.state().predict.list.pictures
}

/// Every picture answered and nothing in flight.
fn settled(app: &AtelierApp) -> bool {
    let view = &app.state().predict;
    !view.list.is_waiting() && view.list.pictures.iter().all(|p| !matches!(p.status, PictureStatus::Waiting))
}

fn predicted(app: &AtelierApp) -> bool {
    settled(app)
        && app.state().current_model.is_some()
        && pictures(app).iter().all(|p| match &p.status {
            PictureStatus::Ready(result) => result.prediction.is_some(),
            PictureStatus::Failed(_) => true,
            PictureStatus::Waiting => false,
        })
}

/// A PNG claiming 20000×20000 pixels (valid header and CRC, no pixel data to speak of).
fn huge_png() -> Vec<u8> {
    let mut bytes = Vec::new();
    image::DynamicImage::ImageLuma8(image::GrayImage::new(8, 8))
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes[16..20].copy_from_slice(&20_000_u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&20_000_u32.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    bytes
}

#[test]
fn dropped_files_fill_the_table_and_bad_files_get_their_own_error_rows() {
    let runs = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let model = tiny_cnn(folder.path());
    let sample = load_sample().unwrap();
    let good = export_png(&sample.test, &sample.classes, 3, &folder.path().join("good")).unwrap();
    let bad = folder.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    let empty = bad.join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    let text = bad.join("notes.png");
    std::fs::write(&text, b"this is not a picture at all").unwrap();
    let truncated = bad.join("truncated.png");
    std::fs::write(&truncated, &std::fs::read(&good[0]).unwrap()[..60]).unwrap();
    let huge = bad.join("huge.png");
    std::fs::write(&huge, huge_png()).unwrap();

    let mut harness = app(runs.path());
    assert_eq!(harness.state().settings().tab, Tab::Dataset);
    let mut files: Vec<TestDrop> = vec![native(&model)];
    files.extend(good.iter().map(|path| native(path)));
    files.extend([&empty, &text, &truncated, &huge].into_iter().map(|path| native(path)));
    drop_files(&mut harness, files);
    assert_eq!(harness.state().settings().tab, Tab::Predict, "a drop opens the Predict tab");
    wait_until(&mut harness, "the predictions", predicted);

    let names: Vec<String> = pictures(harness.state()).iter().map(Picture::file_name).collect();
    assert_eq!(names.len(), 7, "{names:?}: one row per picture, none for the model file");
    for path in &good {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // Its row: the thumbnail of its 28×28 input, and its name (the first one is also the
        // heading of the detail view).
        harness.get_by_label(&format!("{name} as the network sees it"));
        assert!(harness.query_all_by_label(&name).next().is_some(), "no row for {name}");
    }
    // Each bad file says what is wrong with it, in its own row.
    for reason in [
        "the file is empty (0 bytes)",
        "not a picture in a supported format",
        "cannot be decoded",
        "20000×20000 pixels is larger",
    ] {
        assert!(
            harness.query_all_by_label_contains(reason).next().is_some(),
            "no error row saying \"{reason}\""
        );
    }
    // The first good picture is selected: its answer, bars, steps and the CNN's maps are shown.
    let first = &pictures(harness.state())[0];
    let prediction = first.result().unwrap().prediction.clone().unwrap();
    let (class, probability) = prediction.top_name().unwrap();
    harness.get_by_label(&format!("{class} — {:.1}%", probability * 100.0));
    harness.get_by_label(&format!("{class} {:.1}%", probability * 100.0));
    harness.get_by_label("28×28 step");
    harness.get_by_label("filter 4");
    harness.get_by_label("feature map 4");
}

#[test]
fn exported_test_pngs_dropped_on_the_app_predict_like_the_test_images_themselves() {
    const COUNT: usize = 20;
    let runs = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let model = tiny_cnn(folder.path());
    let sample = load_sample().unwrap();
    let exported = export_png(&sample.test, &sample.classes, COUNT, &folder.path().join("pngs")).unwrap();

    let mut harness = app(runs.path());
    drop_files(&mut harness, vec![native(&model)]);
    wait_until(&mut harness, "the model", |app| app.state().current_model.is_some());
    // The folder itself is dropped: the worker lists its pictures.
    drop_files(&mut harness, vec![native(&folder.path().join("pngs"))]);
    wait_until(&mut harness, "the predictions", |app| predicted(app) && pictures(app).len() == COUNT);

    let predictor = Predictor::from(load_model(&model, &Device::Cpu).unwrap());
    let images: Vec<&[u8]> = (0..COUNT).map(|i| sample.test.image(i)).collect();
    let direct = predictor.predict_pixels(&images).unwrap();
    for (i, path) in exported.iter().enumerate() {
        let picture =
            pictures(harness.state()).iter().find(|p| &p.name == path).expect("a row per exported file");
        let result = picture.result().unwrap();
        assert_eq!(result.prepared.input.pixels, images[i], "{}: the same 28×28 input", path.display());
        let dropped = result.prediction.as_ref().unwrap();
        assert_eq!(
            dropped.top().unwrap().0,
            direct[i].top().unwrap().0,
            "{}: same top class",
            path.display()
        );
        for (a, b) in dropped.probabilities.iter().zip(&direct[i].probabilities) {
            assert!((a - b).abs() < 1e-6, "{}: probabilities {a} vs {b}", path.display());
        }
    }
}

#[test]
fn pictures_wait_for_a_model_and_are_predicted_once_one_is_current() {
    let runs = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let sample = load_sample().unwrap();
    let good = export_png(&sample.test, &sample.classes, 2, &folder.path().join("good")).unwrap();
    let mut harness = app(runs.path());
    drop_files(&mut harness, good.iter().map(|path| native(path)).collect());
    wait_until(&mut harness, "the pictures", settled);
    harness.get_by_label("No model yet: pictures are prepared, but not predicted.");
    assert_eq!(harness.query_all_by_label("no model yet").count(), 2, "each row says it waits for a model");
    harness.get_by_label("Go to Train (Ctrl+3)");
    // The exported test pictures are gray: the original's card says so, not "colour" (issue 20.10).
    harness.get_by_label("gray already");
    assert!(harness.query_by_label("in colour").is_none());

    let model = tiny_cnn(folder.path());
    drop_files(&mut harness, vec![native(&model)]);
    wait_until(&mut harness, "the predictions", |app| predicted(app) && pictures(app).len() == 2);
    assert!(harness.query_by_label("No model yet: pictures are prepared, but not predicted.").is_none());
    assert_eq!(harness.query_all_by_label("no model yet").count(), 0);
}

#[test]
fn switching_a_step_off_predicts_again_with_the_new_preparation() {
    let runs = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    // A dark coat-like block on a light page, off-centre: inverted, cropped and padded by default.
    let photo = folder.path().join("photo.png");
    image::GrayImage::from_fn(90, 60, |x, y| {
        image::Luma([if (10..40).contains(&x) && (5..55).contains(&y) { 30 } else { 240 }])
    })
    .save(&photo)
    .unwrap();
    let model = tiny_cnn(folder.path());
    let mut harness = app(runs.path());
    drop_files(&mut harness, vec![native(&model), native(&photo)]);
    wait_until(&mut harness, "the prediction", predicted);
    let before = pictures(harness.state())[0].result().unwrap().prepared.input.clone();
    harness.get_by_label("30×50 object");

    // The steps sit below the answer: the detail panel scrolls down to them, as a user would.
    for _ in 0..10 {
        if harness.get_by_label("crop").rect().bottom() < 780.0 {
            break;
        }
        let over_panel = egui::pos2(harness.get_by_label("crop").rect().center().x, 500.0);
        harness.input_mut().events.push(egui::Event::PointerMoved(over_panel));
        harness.input_mut().events.push(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -120.0),
            phase: egui::TouchPhase::Move,
            modifiers: egui::Modifiers::NONE,
            source: egui::MouseWheelSource::Wheel,
        });
        harness.run_steps(2);
    }
    harness.get_by_label("crop").click();
    harness.step();
    assert_eq!(pictures(harness.state())[0].options.crop, Switch::Off);
    wait_until(&mut harness, "the new prediction", |app| {
        predicted(app) && pictures(app)[0].result().is_some_and(|r| r.prepared.input != before)
    });
    harness.get_by_label("switched off");
}

#[test]
fn browser_drops_and_pasted_images_are_predicted_from_memory() {
    let runs = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let model = tiny_cnn(folder.path());
    let sample = load_sample().unwrap();
    let png = export_png(&sample.test, &sample.classes, 1, &folder.path().join("png")).unwrap();
    let bytes = std::fs::read(&png[0]).unwrap();
    let mut harness = app(runs.path());
    drop_files(&mut harness, vec![native(&model)]);
    wait_until(&mut harness, "the model", |app| app.state().current_model.is_some());

    // A browser gives a bare name and the bytes; no file of that name exists here.
    drop_files(&mut harness, vec![TestDrop { path: "from-the-web.png".into(), bytes: Some(bytes) }]);
    let pixels: Vec<egui::Color32> =
        sample.test.image(0).iter().map(|&value| egui::Color32::from_gray(value)).collect();
    let pasted = egui::ColorImage::new([28, 28], pixels);
    harness.input_mut().events.push(egui::Event::PasteImage(Arc::new(pasted)));
    harness.step();
    wait_until(&mut harness, "the predictions", |app| predicted(app) && pictures(app).len() == 2);
    harness.get_by_label("from-the-web.png as the network sees it");
    harness.get_by_label("pasted picture 1 as the network sees it");
    let inputs: Vec<&[u8]> = pictures(harness.state())
        .iter()
        .map(|p| p.result().unwrap().prepared.input.pixels.as_slice())
        .collect();
    assert_eq!(inputs, [sample.test.image(0), sample.test.image(0)], "both come through unchanged");
}

#[test]
fn the_table_sorts_by_confidence_and_exports_to_csv() {
    let runs = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let model = tiny_cnn(folder.path());
    let sample = load_sample().unwrap();
    let good = export_png(&sample.test, &sample.classes, 4, &folder.path().join("good")).unwrap();
    let mut harness = app(runs.path());
    let mut files = vec![native(&model)];
    files.extend(good.iter().map(|path| native(path)));
    drop_files(&mut harness, files);
    wait_until(&mut harness, "the predictions", predicted);

    harness.get_by_label("Confidence").click();
    harness.run_steps(2);
    let csv = folder.path().join("out.csv");
    harness.get_by_label("CSV:").click();
    harness.run_steps(1);
    harness.get_by_label("CSV:").type_text(&csv.display().to_string());
    harness.run_steps(1);
    // Enter in the field exports, like the Export CSV button.
    harness.key_press(egui::Key::Enter);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !csv.exists() {
        assert!(Instant::now() < deadline, "the CSV was not written");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run_steps(3);
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0].starts_with("file,top1,confidence,top2,top2_confidence,p_T-shirt/top,"));
    let confidences: Vec<f32> =
        lines[1..].iter().map(|line| line.split(',').nth(2).unwrap().parse().unwrap()).collect();
    assert!(confidences.windows(2).all(|pair| pair[0] >= pair[1]), "highest first: {confidences:?}");
    // The file is renamed into place just before the writer thread reports back.
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.query_by_label_contains("Saved the predictions to").is_none() {
        assert!(Instant::now() < deadline, "no message after the CSV was written");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends one pointer event and lets a frame run.
fn pointer(harness: &mut Harness<'_, AtelierApp>, event: egui::Event) {
    harness.input_mut().events.push(event);
    harness.step();
}

fn button(pos: egui::Pos2, pressed: bool) -> egui::Event {
    egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    }
}

#[test]
fn a_dataset_sample_dragged_onto_the_predict_tab_or_sent_from_its_large_view_is_predicted() {
    let runs = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let model = tiny_cnn(folder.path());
    let mut harness = app(runs.path());
    drop_files(&mut harness, vec![native(&model)]);
    wait_until(&mut harness, "the model", |app| app.state().current_model.is_some());
    harness.get_by_label("Dataset").click();
    wait_until(&mut harness, "the sample", |app| {
        matches!(app.state().data, atelier::gui::DataState::Ready(_)) && app.settings().tab == Tab::Dataset
    });

    // Pick up a sandal, carry it over the Predict tab's button (which opens the tab), let go.
    let from = harness.query_all_by_label_contains("Sandal #").next().expect("a sandal").rect().center();
    let to = harness.get_by_label("Predict").rect().center();
    pointer(&mut harness, egui::Event::PointerMoved(from));
    pointer(&mut harness, button(from, true));
    for step in 1..=8 {
        pointer(&mut harness, egui::Event::PointerMoved(from + (to - from) * (step as f32 / 8.0)));
    }
    harness.step();
    assert_eq!(harness.state().settings().tab, Tab::Predict, "hovering the Predict tab opens it");
    pointer(&mut harness, button(to, false));
    wait_until(&mut harness, "the dragged sample's prediction", |app| {
        predicted(app) && pictures(app).len() == 1
    });
    let name = pictures(harness.state())[0].file_name();
    assert!(name.starts_with("train #") && name.ends_with("(Sandal)"), "{name}");

    // The large view's button sends the image it shows.
    harness.get_by_label("Dataset").click();
    harness.run_steps(3);
    harness.query_all_by_label_contains("Trouser #").next().expect("a trouser").click();
    harness.run_steps(3);
    harness.get_by_label("Predict this image").click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().tab, Tab::Predict);
    wait_until(&mut harness, "the sent sample's prediction", |app| {
        predicted(app) && pictures(app).len() == 2
    });
    assert!(pictures(harness.state()).iter().any(|picture| picture.file_name().ends_with("(Trouser)")));

    // Let go anywhere but over Predict, a drag is cancelled.
    harness.get_by_label("Dataset").click();
    harness.run_steps(3);
    let from = harness.query_all_by_label_contains("Bag #").next().expect("a bag").rect().center();
    pointer(&mut harness, egui::Event::PointerMoved(from));
    pointer(&mut harness, button(from, true));
    for step in 1..=4 {
        pointer(&mut harness, egui::Event::PointerMoved(from + egui::vec2(0.0, 20.0 * step as f32)));
    }
    pointer(&mut harness, button(from + egui::vec2(0.0, 80.0), false));
    harness.run_steps(3);
    assert_eq!(harness.state().settings().tab, Tab::Dataset);
    assert_eq!(pictures(harness.state()).len(), 2, "a cancelled drag adds nothing");
}

#[test]
fn the_status_bar_counts_what_was_predicted_not_what_was_sent() {
    let runs = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let bad = folder.path().join("notes.png");
    std::fs::write(&bad, b"this is not a picture at all").unwrap();
    let mut harness = app(runs.path());
    drop_files(&mut harness, vec![native(&bad)]);
    wait_until(&mut harness, "the failed picture", |app| {
        app.state().busy.is_none()
            && app.state().notice.as_ref().is_some_and(|notice| notice.text.contains("could not be read"))
    });
    harness.get_by_label_contains("1 picture could not be read");
    assert!(harness.query_by_label_contains("Predicted").is_none(), "nothing was predicted");
}
