//! Shared by the tests: running the `atelier` binary, reading its output, the one check every
//! failure must pass (exit code 2, one `error:` line naming the file, no panic), and a seeded
//! network input.
#![allow(dead_code, clippy::unwrap_used)] // each test binary uses part of this; set-up failures panic

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

/// The `atelier` binary about to run in `cwd`, with the test's environment.
pub fn command(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_atelier"));
    command.current_dir(cwd);
    command
}

/// Runs `atelier args…` in `cwd` and waits for it.
pub fn atelier<S: AsRef<OsStr>>(args: &[S], cwd: &Path) -> Output {
    command(cwd).args(args).output().unwrap()
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A failure as a user should see it: exit code 2, one `error:` line naming the file, no panic.
pub fn assert_one_line_failure(output: &Output, names: &Path) {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert_no_panic(output);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(&names.display().to_string()), "names the file: {stderr}");
}

/// A refusal of a bad value: exit code 2, no panic, and stderr exactly `expected` (one line).
pub fn assert_refused_with(output: &Output, expected: &str) {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_no_panic(output);
    assert_eq!(stderr.trim_end(), expected);
}

/// Neither stream shows a panic or a backtrace.
pub fn assert_no_panic(output: &Output) {
    for stream in [&output.stdout, &output.stderr] {
        let stream = text(stream);
        assert!(!stream.contains("panicked") && !stream.contains("RUST_BACKTRACE"), "{stream}");
    }
}

/// The small dense network the model-file tests train for a few seconds on the sample:
/// Flatten → Dense 32 → ReLU → Dense 10 (its weights see left from right, so a mirror changes
/// its answers).
pub fn tiny_dense_spec() -> atelier::model::ModelSpec {
    use atelier::model::{LayerSpec, ModelSpec, Task};
    ModelSpec {
        name: "tiny-dense".to_owned(),
        task: Task::all(10),
        layers: vec![
            LayerSpec::Flatten,
            LayerSpec::Dense { units: 32 },
            LayerSpec::Relu,
            LayerSpec::Dense { units: 10 },
        ],
    }
}

/// A batch of `batch` pictures `[batch, 1, 28, 28]` of deterministic pseudo-random pixels in 0..1.
#[allow(clippy::cast_precision_loss)]
pub fn seeded_pixels(batch: usize, seed: u64) -> candle_core::Tensor {
    let values: Vec<f32> = (0..batch * 784)
        .map(|i| {
            let bits = atelier::ops::splitmix64(seed.wrapping_add(i as u64));
            (bits >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect();
    candle_core::Tensor::from_vec(values, (batch, 1, 28, 28), &candle_core::Device::Cpu).unwrap()
}
