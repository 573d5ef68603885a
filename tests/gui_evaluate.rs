//! The Evaluate tab on the bundled sample, in a headless harness: with no model it says how to get
//! one; a model file opened from its path field is evaluated on the worker; clicking a confusion
//! cell opens a gallery of exactly that cell's images; an image opens large with its occlusion map;
//! the report sorts by its headers; mistakes filter by class; the report exports to a folder.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod gui_harness;

use std::path::{Path, PathBuf};

use atelier::data;
use atelier::gui::AtelierApp;
use atelier::gui::tabs::Tab;
use atelier::gui::tabs::evaluate::Section;
use atelier::model::ModelSpec;
use atelier::model_file::{ModelMetadata, save_model};
use atelier::runs::{RunRecord, RunStore};
use atelier::training::{Control, NullSink, TrainConfig, TrainingData, train};
use atelier::worker::ModelOrigin;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};
use gui_harness::{app_on_evaluate, open_and_evaluate, wait_until};

/// A small dense model trained for one epoch on the sample through the core, saved as a file.
fn trained_model(dir: &Path) -> PathBuf {
    let (_, _, outcome) = train_tiny();
    let path = dir.join("tiny.safetensors");
    save_model(&path, &outcome.network, &ModelMetadata::for_network(&outcome.network)).expect("saves");
    path
}

/// The same model stored as a run in the history at `runs_dir`; returns the run's id.
fn stored_run(runs_dir: &Path) -> String {
    let (spec, config, outcome) = train_tiny();
    let record = RunRecord::from_training("tiny run", None, &spec, &config, &outcome.summary, None);
    RunStore::at(runs_dir).save(record, &outcome.network).expect("run stored").id
}

fn train_tiny() -> (ModelSpec, TrainConfig, atelier::training::TrainOutcome) {
    let sample = data::load_sample().expect("sample");
    let spec = common::tiny_dense_spec();
    let config = TrainConfig { epochs: 1, batch_size: 50, seed: 7, ..TrainConfig::default() };
    let training = TrainingData::new(sample.train.clone(), None, 10);
    let outcome = train(&training, &spec, &config, &mut NullSink, &Control::new()).expect("trains");
    (spec, config, outcome)
}

fn report_name(harness: &Harness<'static, AtelierApp>, class: usize) -> String {
    harness.state().state().evaluate.summary.as_ref().unwrap().report.classes[class].name.clone()
}

#[test]
fn without_a_model_the_tab_says_how_to_get_one() {
    let runs = tempfile::tempdir().unwrap();
    let mut harness = app_on_evaluate(runs.path());
    harness.get_by_label("No model to evaluate yet");
    harness.get_by_label("Open a model file");
    harness.get_by_label("Go to the Train tab").click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().tab, Tab::Train);
}

#[test]
fn a_saved_run_is_opened_and_evaluated_from_the_list() {
    let runs = tempfile::tempdir().unwrap();
    let id = stored_run(runs.path());
    let mut harness = app_on_evaluate(runs.path());
    wait_until(&mut harness, 120, |app| !app.state().runs.runs.is_empty());
    harness.get_by_label("tiny run");
    harness.get_by_label("Evaluate this run").click();
    harness.run_steps(1);
    wait_until(&mut harness, 120, |app| app.state().evaluate.summary.is_some() && app.state().busy.is_none());
    let result = harness.state().state().evaluate.result.as_ref().unwrap();
    assert_eq!(result.model.origin, ModelOrigin::Run { id });
    assert_eq!(result.evaluation.predictions.len(), 500);
    harness.get_by_label("Confusion matrix");
    harness.query_all_by_label_contains("% accuracy").next().expect("the accuracy is shown");
}

#[test]
fn clicking_a_confusion_cell_opens_exactly_its_images_and_one_opens_large_with_its_map() {
    let runs = tempfile::tempdir().unwrap();
    let model = trained_model(runs.path());
    let mut harness = app_on_evaluate(runs.path());
    open_and_evaluate(&mut harness, &model);
    let (cell, count) = {
        let view = &harness.state().state().evaluate;
        let summary = view.summary.as_ref().unwrap();
        assert_eq!(summary.report.total, 500, "the whole sample test split is evaluated");
        let confusion = &summary.report.confusion;
        // The largest mistake cell that fits on screen at once.
        let mut cells: Vec<(usize, usize, u64)> = (0..10)
            .flat_map(|t| (0..10).map(move |p| (t, p)))
            .filter(|(t, p)| t != p)
            .map(|(t, p)| (t, p, confusion.count(t, p)))
            .filter(|&(_, _, count)| (1..=24).contains(&count))
            .collect();
        cells.sort_by_key(|&(_, _, count)| std::cmp::Reverse(count));
        let (t, p, count) = cells[0];
        ((summary.report.classes[t].name.clone(), summary.report.classes[p].name.clone(), t, p), count)
    };
    let (true_name, predicted_name, t, p) = cell;
    harness.get_by_label(&format!("{true_name} predicted as {predicted_name}: {count}")).click();
    harness.run_steps(3);

    let gallery = harness.state().state().evaluate.gallery.as_ref().expect("the click opens a gallery");
    assert_eq!((gallery.cell.true_class, gallery.cell.predicted_class), (t, p));
    assert_eq!(gallery.examples.len() as u64, count);
    assert!(gallery.examples.iter().all(|e| e.true_class == t && e.predicted_class == p));
    // On screen: one image per example, each named by its classes and confidence.
    let shown = format!("{true_name} #");
    let wanted = format!(", predicted {predicted_name} (");
    let images: Vec<String> = harness
        .query_all_by_label_contains(&wanted)
        .filter_map(|node| node.accesskit_node().label())
        .filter(|label| label.starts_with(&shown))
        .collect();
    assert_eq!(images.len() as u64, count, "the gallery shows exactly the cell's images: {images:?}");
    // "20 Dresses predicted as Trouser (40.0% of the 50 Dresses)"
    let title = format!("{count} {}", &true_name[..3]);
    assert!(
        harness.query_all_by_label_contains(&title).next().is_some(),
        "the gallery's title explains the cell"
    );

    // The first image opens large; the worker sends its occlusion map for the true class.
    harness
        .query_all_by_label_contains(&wanted)
        .find(|node| node.accesskit_node().label().unwrap_or_default().starts_with(&shown))
        .unwrap()
        .click();
    harness.run_steps(2);
    let inspected = harness.state().state().evaluate.inspected.expect("the image opens large");
    assert_eq!(inspected.map_class, t);
    // The large view shows every class's probability, the model's answer among them.
    let probabilities = {
        let result = harness.state().state().evaluate.result.as_ref().unwrap();
        result.evaluation.predictions.probabilities(inspected.example.index).to_vec()
    };
    harness.get_by_label(&format!("{predicted_name} {:.1}%", probabilities[p] * 100.0));
    harness.get_by_label(&format!("{true_name} {:.1}%", probabilities[t] * 100.0));
    wait_until(&mut harness, 120, |app| app.state().evaluate.explanation.is_some());
    let explanation = harness.state().state().evaluate.explanation.as_ref().unwrap();
    assert_eq!(explanation.map.class_index, t);
    assert_eq!(explanation.map.heat.len(), 784);
    harness.get_by_label(&format!("Occlusion map for {true_name}"));
    harness.get_by_label("Why: occlusion map");
}

#[test]
fn the_report_sorts_mistakes_filter_and_the_files_export() {
    let runs = tempfile::tempdir().unwrap();
    let model = trained_model(runs.path());
    let mut harness = app_on_evaluate(runs.path());
    open_and_evaluate(&mut harness, &model);

    harness.get_by_label("Report").click();
    harness.run_steps(2);
    assert_eq!(harness.state().state().evaluate.section, Section::Report);
    harness.get_by_label("Macro average");
    harness.get_by_label("Weighted average");
    harness.get_by_label("Precision").click();
    harness.run_steps(2);
    let sort = harness.state().state().evaluate.sort;
    let report = &harness.state().state().evaluate.summary.as_ref().unwrap().report;
    let order = sort.order_of(&report.classes);
    let precisions: Vec<f64> = order.iter().map(|&i| report.classes[i].precision).collect();
    assert!(precisions.windows(2).all(|w| w[0] >= w[1]), "largest precision first: {precisions:?}");

    harness.query_all_by_label_contains("Mistakes (").next().unwrap().click();
    harness.run_steps(2);
    assert_eq!(harness.state().state().evaluate.section, Section::Mistakes);
    let mistakes = harness.state().state().evaluate.summary.as_ref().unwrap().mistakes.clone();
    assert!(!mistakes.is_empty());
    let confidences: Vec<f32> = mistakes.iter().map(|m| m.confidence).collect();
    assert!(confidences.windows(2).all(|w| w[0] >= w[1]), "most confident first");
    let first = mistakes[0];
    let class_name = report_name(&harness, first.true_class);
    // Each tile says what the picture is as well as what the model said (issue 20, point 10).
    let said = report_name(&harness, first.predicted_class);
    assert!(harness.query_all_by_label(&format!("is {class_name}")).next().is_some(), "the true class");
    assert!(harness.query_all_by_label_contains(&format!("said {said} ")).next().is_some(), "the answer");
    harness.get_by_label("True class:").click();
    harness.run_steps(2);
    harness.get_by_label(&class_name).click();
    harness.run_steps(2);
    assert_eq!(harness.state().state().evaluate.mistake_filter.true_class, Some(first.true_class));
    let kept = mistakes.iter().filter(|m| m.true_class == first.true_class).count();
    harness.get_by_label_contains(&format!("{kept} of {} mistakes", mistakes.len()));

    harness.get_by_label("Export report…").click();
    harness.run_steps(2);
    let out = runs.path().join("report");
    harness.get_by_label("Report folder:").click();
    harness.run_steps(1);
    harness.get_by_label("Report folder:").type_text(&out.display().to_string());
    harness.run_steps(1);
    // Enter in the field exports, like the Export button.
    harness.key_press(egui::Key::Enter);
    harness.run_steps(1);
    wait_until(&mut harness, 120, |app| app.state().evaluate.exported.is_some());
    for file in ["report.csv", "report.json", "confusion.csv", "confusion.png"] {
        assert!(out.join(file).is_file(), "{file} written");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["total"], 500);
}
