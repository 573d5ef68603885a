//! Frame-time logging for `ATELIER_FRAME_LOG=1`: shows that no frame waits on the worker while the
//! data loads. Prints each slow frame (over 50 ms) and, when a load ends, the longest frame of it,
//! counting the very first frame (shader and font-atlas set-up) separately.

use std::time::{Duration, Instant};

/// Frames slower than this are printed one by one.
const SLOW_FRAME: Duration = Duration::from_millis(50);

/// Running frame statistics.
#[derive(Default)]
pub struct FrameLog {
    frames: usize,
    last_frame: Option<Instant>,
    loading_frames: usize,
    longest_frame: Duration,
    longest_gap: Duration,
    first_frame: Option<Duration>,
    was_loading: bool,
}

impl FrameLog {
    /// Records one frame: `ui_time` spent in `App::ui`, `last_cpu_secs` eframe's measure of the
    /// previous frame (ui + tessellation + paint).
    pub fn record(&mut self, ui_time: Duration, last_cpu_secs: Option<f32>, loading: bool) {
        let now = Instant::now();
        let gap = self.last_frame.map_or(Duration::ZERO, |last| now.duration_since(last));
        self.last_frame = Some(now);
        self.frames += 1;
        // eframe reports the previous frame's cost; frame 2 reports the first one.
        let previous = Duration::from_secs_f32(last_cpu_secs.unwrap_or(0.0).max(0.0));
        let frame = ui_time.max(previous);
        if self.frames == 2 {
            self.first_frame = Some(previous);
        }
        if frame > SLOW_FRAME && self.frames > 2 {
            eprintln!(
                "frame-log: frame {} took {:.1} ms (ui {:.1} ms), {:.1} ms after the one before; loading: {loading}",
                self.frames,
                frame.as_secs_f64() * 1e3,
                ui_time.as_secs_f64() * 1e3,
                gap.as_secs_f64() * 1e3
            );
        }
        if loading {
            self.loading_frames += 1;
            if self.frames > 2 {
                self.longest_frame = self.longest_frame.max(frame);
                self.longest_gap = self.longest_gap.max(gap);
            }
        } else if self.was_loading {
            eprintln!(
                "frame-log: load done after {} frames; longest frame {:.1} ms, longest gap between frames {:.1} ms \
                 (first frame, with GL set-up: {:.1} ms)",
                self.loading_frames,
                self.longest_frame.as_secs_f64() * 1e3,
                self.longest_gap.as_secs_f64() * 1e3,
                self.first_frame.unwrap_or_default().as_secs_f64() * 1e3
            );
            self.loading_frames = 0;
            self.longest_frame = Duration::ZERO;
            self.longest_gap = Duration::ZERO;
        }
        self.was_loading = loading;
    }
}
