use std::sync::Arc;

use super::*;
use crate::inference::Prediction;
use crate::picture::{self, GrayPixels, RgbaPixels, Switch};
use crate::worker::{PictureContent, PictureResult};

fn result(probabilities: [f32; 2]) -> PictureResult {
    let gray = GrayPixels::new(28, 28, vec![0; 784]).unwrap();
    PictureResult {
        original_size: (28, 28),
        preview: RgbaPixels { width: 1, height: 1, pixels: vec![0; 4] },
        prepared: picture::prepare_gray(&gray, &PrepOptions::default()),
        prediction: Some(Prediction {
            class_names: vec!["Sneaker".to_owned(), "Ankle boot".to_owned()].into(),
            probabilities: probabilities.to_vec(),
            tta: crate::evaluation::TestTimeAugmentation::None,
        }),
        first_conv: None,
    }
}

fn outcome(path: &str, result: Result<PictureResult, String>) -> PictureOutcome {
    PictureOutcome { path: path.into(), result }
}

fn memory(name: &str) -> NewPicture {
    NewPicture::Memory(InMemoryPicture {
        name: name.into(),
        content: PictureContent::Encoded(Arc::from(vec![1_u8, 2, 3])),
    })
}

#[test]
fn files_and_memory_pictures_wait_while_folders_get_no_row_of_their_own() {
    let mut list = PictureList::default();
    let request = list.add(
        vec![
            NewPicture::Path("/p/a.png".into()),
            NewPicture::Path("/p/folder".into()),
            memory("pasted 1"),
            // A Dataset sample: its class name has a slash, which is not a folder.
            memory("train #3 (T-shirt/top)"),
        ],
        PrepOptions::default(),
    );
    assert_eq!(request.paths, [PathBuf::from("/p/a.png"), PathBuf::from("/p/folder")]);
    assert_eq!(request.in_memory.len(), 2);
    let names: Vec<_> = list.pictures.iter().map(Picture::file_name).collect();
    assert_eq!(names, ["a.png", "pasted 1", "train #3 (T-shirt/top)"]);
    list.sent(&request);
    assert!(list.is_waiting());
    assert_eq!(list.pending_folders().collect::<Vec<_>>(), [Path::new("/p/folder")]);
}

#[test]
fn an_answer_fills_rows_adds_a_folders_pictures_and_keeps_errors_per_file() {
    let mut list = PictureList::default();
    let options = PrepOptions { crop: Switch::Off, ..PrepOptions::default() };
    let request =
        list.add(vec![NewPicture::Path("/p/a.png".into()), NewPicture::Path("/p/dir".into())], options);
    list.sent(&request);
    let first = list.on_predicted(vec![
        outcome("/p/a.png", Ok(result([0.9, 0.1]))),
        outcome("/p/dir/b.png", Err("the file is empty (0 bytes)".into())),
    ]);
    assert_eq!(first, Some(0));
    assert!(!list.is_waiting());
    assert_eq!(list.pictures.len(), 2);
    assert_eq!(list.pictures[0].top_two()[0], ("Sneaker".to_owned(), 0.9));
    let from_folder = &list.pictures[1];
    assert!(matches!(&from_folder.status, PictureStatus::Failed(error) if error.contains("empty")));
    assert_eq!(from_folder.options, options, "a folder's pictures keep the options asked for");
}

#[test]
fn a_folder_that_looked_like_a_file_gives_way_to_its_pictures() {
    let mut list = PictureList::default();
    let request = list.add(vec![NewPicture::Path("/p/photos.png".into())], PrepOptions::default());
    list.sent(&request);
    list.on_predicted(vec![outcome("/p/photos.png/c.png", Ok(result([0.2, 0.8])))]);
    let names: Vec<_> = list.pictures.iter().map(Picture::file_name).collect();
    assert_eq!(names, ["c.png"]);
}

#[test]
fn answers_to_a_cleared_list_are_dropped() {
    let mut list = PictureList::default();
    let request = list.add(vec![NewPicture::Path("/p/a.png".into())], PrepOptions::default());
    list.sent(&request);
    list.clear();
    assert!(!list.is_waiting());
    assert_eq!(list.on_predicted(vec![outcome("/p/a.png", Ok(result([0.9, 0.1])))]), None);
    assert!(list.pictures.is_empty());
}

#[test]
fn resending_groups_pictures_by_their_options_and_keeps_memory_content() {
    let mut list = PictureList::default();
    let _ = list.add(vec![NewPicture::Path("/p/a.png".into()), memory("pasted 1")], PrepOptions::default());
    let _ = list.add(
        vec![NewPicture::Path("/p/b.png".into())],
        PrepOptions { pad: Switch::Off, ..PrepOptions::default() },
    );
    assert!(list.predictable().is_empty(), "waiting pictures are answered by the next model anyway");
    let requests = list.resend(&[0, 1, 2]);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].paths, [PathBuf::from("/p/a.png")]);
    assert_eq!(requests[0].in_memory[0].name, PathBuf::from("pasted 1"));
    assert_eq!(requests[1].paths, [PathBuf::from("/p/b.png")]);
    assert_eq!(requests[1].options.pad, Switch::Off);
}

#[test]
fn a_failed_job_fails_only_its_waiting_pictures() {
    let mut list = PictureList::default();
    let first = list.add(vec![NewPicture::Path("/p/a.png".into())], PrepOptions::default());
    list.sent(&first);
    let second = list.add(vec![NewPicture::Path("/p/b.png".into())], PrepOptions::default());
    list.sent(&second);
    list.on_failed("internal error");
    assert!(matches!(&list.pictures[0].status, PictureStatus::Failed(error) if error == "internal error"));
    assert!(matches!(list.pictures[1].status, PictureStatus::Waiting));
    assert!(list.is_waiting());
}

#[test]
fn an_unsure_answer_is_flagged() {
    let mut list = PictureList::default();
    let request = list.add(vec![NewPicture::Path("/p/a.png".into())], PrepOptions::default());
    list.sent(&request);
    list.on_predicted(vec![outcome("/p/a.png", Ok(result([0.3, 0.7])))]);
    let warnings: Vec<String> =
        list.pictures[0].warnings().into_iter().map(|warning| warning.describe()).collect();
    assert!(
        warnings.iter().any(|warning| warning.contains("unsure (at most 70%, for Ankle boot)")),
        "{warnings:?}"
    );
    // The all-black test picture is also nearly uniform.
    assert!(warnings.iter().any(|warning| warning.contains("uniform")), "{warnings:?}");
}
