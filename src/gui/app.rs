//! The eframe app: `logic` drains worker events every frame, `ui` draws the shell and the current tab,
//! `save` persists the settings.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;

use crate::worker::{Command, DataRequest, WorkerHandle, WorkerOptions};

use super::events;
use super::frame_log::FrameLog;
use super::settings::{DataChoice, ModelRef, STORAGE_KEY, Settings};
use super::shell;
use super::state::{AppState, DataState, NoticeKind};
use super::tabs::{self, Tab};

/// How the app is started: by `gui::run`, or by a test that injects its own data location.
#[derive(Debug, Default)]
pub struct AppOptions {
    /// Where to load data from; `None` follows the saved choice (or searches on a first run).
    pub data: Option<DataRequest>,
    /// Pictures to open in the Predict tab.
    pub images: Vec<PathBuf>,
    /// Log frame times to stderr (`ATELIER_FRAME_LOG=1`).
    pub frame_log: bool,
    /// Where the run history lives (`gui::run` passes the user data folder's, tests a temporary
    /// one); `None` keeps no history.
    pub runs_dir: Option<PathBuf>,
    /// The imported data sets' folder (`None`: nothing can be imported; tests name a temporary one).
    pub datasets_dir: Option<PathBuf>,
    /// The socket later starts hand their pictures to (`None`: this window is not reachable).
    #[cfg(unix)]
    pub instance: Option<super::single_instance::Listener>,
    /// No socket off Unix.
    #[cfg(not(unix))]
    pub instance: Option<std::convert::Infallible>,
}

/// The borrowed pieces a tab works with: settings to change, state to read and write, the worker to
/// command.
pub struct Ctx<'a> {
    /// Persisted settings.
    pub settings: &'a mut Settings,
    /// Runtime state.
    pub state: &'a mut AppState,
    /// The worker.
    pub worker: &'a WorkerHandle,
}

impl Ctx<'_> {
    /// Sends a command; a refusal becomes a status-bar message instead of a blocked frame.
    pub fn send(&mut self, command: Command) -> bool {
        match self.worker.send(command) {
            Ok(()) => true,
            Err(error) => {
                self.state.inform(NoticeKind::Error, format!("{error:#}"));
                false
            }
        }
    }

    /// Asks the worker to load data and shows the spinner meanwhile.
    pub fn load_data(&mut self, request: DataRequest) {
        if self.send(Command::LoadDataset(request)) {
            self.state.data = DataState::Loading { since: Instant::now() };
        }
    }
}

/// The Atelier window.
pub struct AtelierApp {
    settings: Settings,
    state: AppState,
    worker: WorkerHandle,
    frame_log: Option<FrameLog>,
    #[cfg(unix)]
    handovers: Option<super::single_instance::Handovers>,
}

impl AtelierApp {
    /// Restores the settings, starts the worker and asks it for the data; returns at once.
    ///
    /// # Errors
    /// The worker thread could not be started.
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> anyhow::Result<Self> {
        let settings: Settings =
            cc.storage.and_then(|storage| eframe::get_value(storage, STORAGE_KEY)).unwrap_or_default();
        cc.egui_ctx.set_theme(settings.theme.preference());
        let repaint_ctx = cc.egui_ctx.clone();
        let worker_options =
            WorkerOptions { runs_dir: options.runs_dir.clone(), datasets_dir: options.datasets_dir.clone() };
        let worker =
            WorkerHandle::spawn_with(Box::new(move || repaint_ctx.request_repaint()), &worker_options)
                .context("could not start the worker thread")?;
        let request = options.data.unwrap_or_else(|| match &settings.data {
            DataChoice::Discover => DataRequest::Discover { data_dir: None },
            DataChoice::Folder(folder) => DataRequest::Folder(folder.clone()),
            DataChoice::Sample => DataRequest::Sample,
            DataChoice::Stored(name) => DataRequest::Stored(name.clone()),
        });
        let mut settings = settings;
        // Pictures from the command line ("Open with Atelier") are for the Predict tab.
        if !options.images.is_empty() {
            settings.tab = Tab::Predict;
        }
        #[cfg(unix)]
        let handovers = match options.instance {
            Some(listener) => {
                let wake_ctx = cc.egui_ctx.clone();
                Some(super::single_instance::listen(listener, Box::new(move || wake_ctx.request_repaint()))?)
            }
            None => None,
        };
        let mut app = Self {
            settings,
            state: AppState::new(options.images),
            worker,
            frame_log: options.frame_log.then(FrameLog::default),
            #[cfg(unix)]
            handovers,
        };
        let mut cx = app.ctx();
        cx.load_data(request);
        cx.send(Command::ListRuns);
        // The worker runs commands in order: the model is back before the pictures are predicted.
        match cx.settings.current_model.clone() {
            Some(ModelRef::Run(id)) => cx.send(Command::OpenRun { id }),
            Some(ModelRef::File(path)) => cx.send(Command::LoadModel { path }),
            None => true,
        };
        if !cx.state.pending_images.is_empty() {
            let paths = std::mem::take(&mut cx.state.pending_images);
            tabs::predict::open_paths(&mut cx, paths);
        }
        Ok(app)
    }

    /// The persisted settings (tests read them).
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The runtime state (tests read it).
    #[must_use]
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The worker, for tests that send what no button sends (`Command::Crash`).
    #[doc(hidden)]
    #[must_use]
    pub fn worker(&self) -> &WorkerHandle {
        &self.worker
    }

    /// Opens what a later start handed over ("Open with Atelier" while the window is open) and
    /// brings the window to the front.
    #[cfg(unix)]
    fn take_handovers(&mut self, ctx: &egui::Context) {
        let Some(handovers) = &self.handovers else { return };
        let mut arrived = Vec::new();
        while let Some(paths) = handovers.try_recv() {
            arrived.push(paths);
        }
        for paths in arrived {
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
            if !paths.is_empty() {
                tabs::predict::open_paths(&mut self.ctx(), paths);
            }
        }
    }

    fn ctx(&mut self) -> Ctx<'_> {
        Ctx { settings: &mut self.settings, state: &mut self.state, worker: &self.worker }
    }
}

impl eframe::App for AtelierApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        while let Some(event) = self.worker.try_recv() {
            events::apply(&mut self.ctx(), event);
        }
        #[cfg(unix)]
        self.take_handovers(ctx);
        shell::handle_shortcuts(ctx, &mut self.ctx());
        tabs::predict::drops::take_dropped(ctx, &mut self.ctx());
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let started = Instant::now();
        let tab = self.settings.tab;
        let mut cx = Ctx { settings: &mut self.settings, state: &mut self.state, worker: &self.worker };
        shell::top_bar_ui(ui, &mut cx);
        shell::status_bar_ui(ui, &mut cx);
        egui::CentralPanel::default().show(ui, |ui| tabs::show_ui(tab, ui, &mut cx));
        shell::help_window(ui.ctx(), &mut cx);
        tabs::predict::from_dataset::finish_drag(ui.ctx(), &mut cx);
        tabs::predict::drops::drop_overlay_ui(ui.ctx());
        if let Some(log) = &mut self.frame_log {
            let loading = matches!(self.state.data, DataState::Loading { .. });
            log.record(started.elapsed(), frame.info().cpu_usage, loading);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }
}
