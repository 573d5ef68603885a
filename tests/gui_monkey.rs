//! A monkey in the window: thousands of random clicks, drags, scrolls, key presses, typed text,
//! dropped files of random bytes and tab switches, from fixed seeds, at 1280×800 and at 1024×700.
//! Nothing may panic (kittest also panics on an unlabelled text field), no worker job may fail with
//! an internal error (a panic the worker caught), and afterwards the window still draws its shell
//! and answers a tab switch.
#![cfg(feature = "gui")]
#![allow(clippy::expect_used)] // set-up failures panic

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use atelier::gui::{AppOptions, AtelierApp, DataState, tabs::Tab};
use atelier::worker::DataRequest;
use egui::{Event, Key, Modifiers, PointerButton, Pos2, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The usual window, and a small laptop's.
const LARGE: [f32; 2] = [1280.0, 800.0];
const SMALL: [f32; 2] = [1024.0, 700.0];
/// Actions per seed: enough to reach every tab many times, quick enough for a debug build.
const ACTIONS: usize = 2500;

/// splitmix64: a fixed, dependency-free sequence per seed, over a window of `size`.
struct Monkey(u64, [f32; 2]);

impl Monkey {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    #[allow(clippy::cast_precision_loss)]
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1_u64 << 24) as f32
    }

    fn pos(&mut self) -> Pos2 {
        Pos2::new(self.unit() * self.1[0], self.unit() * self.1[1])
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// A dropped file: a real file of random bytes (for code that reads the path) that also hands out
/// its bytes (for code that reads those).
#[derive(Debug)]
struct RandomFile {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl egui::DroppedFile for RandomFile {
    fn path(&self) -> &Path {
        &self.path
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        Ok(self.bytes.clone())
    }
}

/// Keys a user reaches for, including the app's shortcuts (Ctrl+1…6, F1).
const KEYS: [Key; 24] = [
    Key::Tab,
    Key::Enter,
    Key::Escape,
    Key::Space,
    Key::Backspace,
    Key::Delete,
    Key::ArrowUp,
    Key::ArrowDown,
    Key::ArrowLeft,
    Key::ArrowRight,
    Key::Home,
    Key::End,
    Key::PageUp,
    Key::PageDown,
    Key::F1,
    Key::Num1,
    Key::Num2,
    Key::Num3,
    Key::Num4,
    Key::Num5,
    Key::Num6,
    Key::A,
    Key::S,
    Key::Z,
];

fn key(harness: &mut Harness<'_, AtelierApp>, key: Key, modifiers: Modifiers) {
    let events = &mut harness.input_mut().events;
    for pressed in [true, false] {
        events.push(Event::Key { key, physical_key: None, pressed, repeat: false, modifiers });
    }
}

fn click(harness: &mut Harness<'_, AtelierApp>, pos: Pos2, button: PointerButton) {
    let events = &mut harness.input_mut().events;
    events.push(Event::PointerMoved(pos));
    for pressed in [true, false] {
        events.push(Event::PointerButton { pos, button, pressed, modifiers: Modifiers::NONE });
    }
}

/// The tab's button in the top bar (the help window names the tabs too, as plain labels).
fn tab_button<'h>(harness: &'h Harness<'_, AtelierApp>, tab: Tab) -> egui_kittest::Node<'h> {
    harness.get_by_role_and_label(egui::accesskit::Role::Button, tab.label())
}

/// One random action, then one frame.
fn act(harness: &mut Harness<'_, AtelierApp>, monkey: &mut Monkey, drops: &Path, step: usize) {
    match monkey.below(100) {
        0..=39 => {
            let pos = monkey.pos();
            let button =
                if monkey.below(10) == 0 { PointerButton::Secondary } else { PointerButton::Primary };
            click(harness, pos, button);
        }
        40..=44 => {
            // A drag: press, move, release somewhere else.
            let (from, to) = (monkey.pos(), monkey.pos());
            let events = &mut harness.input_mut().events;
            events.push(Event::PointerMoved(from));
            events.push(Event::PointerButton {
                pos: from,
                button: PointerButton::Primary,
                pressed: true,
                modifiers: Modifiers::NONE,
            });
            events.push(Event::PointerMoved(to));
            events.push(Event::PointerButton {
                pos: to,
                button: PointerButton::Primary,
                pressed: false,
                modifiers: Modifiers::NONE,
            });
        }
        45..=49 => {
            let pos = monkey.pos();
            let delta = Vec2::new(monkey.unit() * 200.0 - 100.0, monkey.unit() * 600.0 - 300.0);
            let events = &mut harness.input_mut().events;
            events.push(Event::PointerMoved(pos));
            events.push(Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta,
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Unknown,
                modifiers: Modifiers::NONE,
            });
        }
        50..=69 => {
            let modifiers = match monkey.below(4) {
                0 => Modifiers::COMMAND,
                1 => Modifiers::SHIFT,
                _ => Modifiers::NONE,
            };
            let pressed = KEYS[monkey.below(KEYS.len())];
            key(harness, pressed, modifiers);
        }
        70..=79 => {
            // Typed text, sometimes not ASCII and sometimes numbers (fields of the tabs).
            let samples = ["7", "0", "-1", "1e9", "abc", "é€🦀", "0.5", " ", "999999999999", "../"];
            let text = samples[monkey.below(samples.len())].to_owned();
            harness.input_mut().events.push(Event::Text(text));
        }
        80..=86 => {
            let bytes = monkey.bytes(2048);
            let extensions = ["png", "jpg", "safetensors", "json", "gz", "bin"];
            let name = format!("drop-{step}.{}", extensions[monkey.below(extensions.len())]);
            let path = drops.join(name);
            std::fs::write(&path, &bytes).expect("write the dropped file");
            let pos = monkey.pos();
            let input = harness.input_mut();
            input.events.push(Event::PointerMoved(pos));
            input.dropped_files.push(Arc::new(RandomFile { path, bytes }));
        }
        _ => {
            let tab = Tab::ALL[monkey.below(Tab::ALL.len())];
            tab_button(harness, tab).click();
        }
    }
    harness.step();
}

/// The monkey types random names into path fields ("Save as", "Export to"), which are relative to
/// the working directory: the whole test binary works in a temporary one, never in the checkout.
fn work_in_a_temp_dir() {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"));
    std::env::set_current_dir(dir.path()).expect("enter the temp dir");
}

fn monkey_run(seed: u64, size: [f32; 2]) {
    work_in_a_temp_dir();
    let started = Instant::now();
    let runs = tempfile::tempdir().expect("temp dir");
    let drops = tempfile::tempdir().expect("temp dir");
    let runs_dir = runs.path().to_path_buf();
    // The app draws a box for a character no font has (egui's default); kittest panics instead,
    // which the monkey's "é€🦀" would trip over although the app is fine.
    let mut harness = Harness::builder().with_size(size).allow_missing_glyphs().build_eframe(move |cc| {
        let options =
            AppOptions { data: Some(DataRequest::Sample), runs_dir: Some(runs_dir), ..AppOptions::default() };
        AtelierApp::new(cc, options).expect("app starts")
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while matches!(harness.state().state().data, DataState::Loading { .. }) {
        assert!(Instant::now() < deadline, "the sample did not load");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }

    let mut monkey = Monkey(seed, size);
    for step in 0..ACTIONS {
        act(&mut harness, &mut monkey, drops.path(), step);
        let bugs = &harness.state().state().internal_errors;
        assert!(bugs.is_empty(), "seed {seed}, action {step}: a worker job failed with a bug: {bugs:?}");
    }

    // Still drawing: close whatever the monkey opened, and every tab label is on screen and works.
    key(&mut harness, Key::Escape, Modifiers::NONE);
    harness.run_steps(3);
    for tab in Tab::ALL {
        tab_button(&harness, tab).click();
        harness.run_steps(2);
        assert_eq!(harness.state().settings().tab, tab, "seed {seed}: the tab bar still switches");
    }
    eprintln!("seed {seed}: {ACTIONS} actions in {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn the_monkey_with_seed_1_breaks_nothing() {
    monkey_run(1, LARGE);
}

#[test]
fn the_monkey_with_seed_2_breaks_nothing() {
    monkey_run(2, LARGE);
}

#[test]
fn the_monkey_with_seed_3_breaks_nothing() {
    monkey_run(0x5eed_cafe, LARGE);
}

#[test]
fn the_monkey_with_seed_4_breaks_nothing_in_a_1024_by_700_window() {
    monkey_run(4, SMALL);
}

#[test]
fn the_monkey_with_seed_5_breaks_nothing_in_a_1024_by_700_window() {
    monkey_run(5, SMALL);
}
