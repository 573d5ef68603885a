//! Micro-benchmark of the hot layers and of one whole training step of the `dense` and `cnn`
//! presets, candle's built-ins ("reference") against atelier's custom kernels ("custom").
//!
//! `cargo run --release --no-default-features --bin ops_bench -- [--steps N] [--threads N] [--only layers|steps|bn-layers]`
//! prints the median milliseconds per call over N calls, batch 128, random inputs; `--only bn-layers`
//! times the `best` preset's fused batch-norm convolutions one by one.
//!
//! `ops_bench train --preset cnn [--steps 300] [--warmup 20] [--batch-size 128]` runs the real
//! training loop (`training::train` on the real data) and prints images/s over the timed steps;
//! with `--epochs N` it trains N whole epochs instead (batching, augmentation and all; validation
//! is not counted) and prints the images/s of the whole epochs, the first one included;
//! `ops_bench infer --preset cnn` times the 10,000 test images and a single image.
//!
//! `ops_bench predict --preset cnn [--model FILE] [--image FILE] [--steps 200]` times one picture
//! end to end as the Predict tab and `atelier predict` do it: file bytes → decode → prepare →
//! probabilities (median ms), for an exported 28×28 test PNG and for a 420×300 colour "photo" (or
//! the given image); the weights do not change the time, so without `--model` the preset's initial
//! weights answer.

use std::time::Instant;

use atelier::data::{Batch, Targets};
use atelier::inference::{Prediction, Predictor};
use atelier::model::{ForwardMode, Network, PresetId};
use atelier::ops::{self, Padding, reference};
use atelier::picture::{self, PrepOptions};
use atelier::training::{self, BatchMetrics, Control, EpochMetrics, ProgressSink, TrainConfig, TrainingData};
use candle_core::{DType, Device, Result, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

const BATCH: usize = 128;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kernels {
    Reference,
    Custom,
}

fn median_ms(steps: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    for _ in 0..steps.div_ceil(5).max(2) {
        f()?; // warm-up: page in buffers, start the threads
    }
    let mut times = Vec::with_capacity(steps);
    for _ in 0..steps {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn uniform(shape: &[usize], bound: f64) -> Result<Tensor> {
    Tensor::rand(-bound, bound, shape, &Device::Cpu)?.to_dtype(DType::F32)
}

fn param(shape: &[usize], fan_in: usize) -> Result<Var> {
    Var::from_tensor(&uniform(shape, 1.0 / (fan_in as f64).sqrt())?)
}

/// One layer's forward, then forward + backward of `sum(y · r)`.
fn layer_row(
    name: &str,
    steps: usize,
    input: &Tensor,
    f: &dyn Fn(&Tensor) -> Result<Tensor>,
) -> Result<String> {
    let forward = median_ms(steps, || f(input).map(|_| ()))?;
    let y = f(input)?;
    let r = uniform(y.dims(), 1.0)?;
    let both = median_ms(steps, || {
        let loss = (f(input)? * &r)?.sum_all()?;
        loss.backward().map(|_| ())
    })?;
    Ok(format!("{name:<34} {forward:>8.2} {both:>10.2}"))
}

fn layers(steps: usize) -> Result<()> {
    println!("{:<34} {:>8} {:>10}   (ms, batch {BATCH})", "layer", "forward", "fwd+bwd");
    let x1 = uniform(&[BATCH, 1, 28, 28], 1.0)?; // the data: needs no gradient
    let (w1, b1) = (param(&[32, 1, 3, 3], 9)?, param(&[32], 9)?);
    let x2 = Var::from_tensor(&uniform(&[BATCH, 32, 13, 13], 1.0)?)?;
    let (w2, b2) = (param(&[64, 32, 3, 3], 288)?, param(&[64], 288)?);
    let p1 = Var::from_tensor(&uniform(&[BATCH, 32, 26, 26], 1.0)?)?;
    let p2 = Var::from_tensor(&uniform(&[BATCH, 64, 11, 11], 1.0)?)?;
    let d1 = Var::from_tensor(&uniform(&[BATCH, 1600], 1.0)?)?;
    let (wd, bd) = (param(&[128, 1600], 1600)?, param(&[128], 1600)?);
    let xd = uniform(&[BATCH, 784], 1.0)?;
    let (we, be) = (param(&[256, 784], 784)?, param(&[256], 784)?);
    for kernels in [Kernels::Reference, Kernels::Custom] {
        let tag = format!("{kernels:?}").to_lowercase();
        let conv = |x: &Tensor, w: &Var, b: &Var| match kernels {
            Kernels::Reference => reference::conv2d(x, w, b, 1, Padding::Valid)?.relu(),
            Kernels::Custom => ops::conv2d_relu(x, w, b, 1, Padding::Valid),
        };
        let pool = |x: &Tensor| match kernels {
            Kernels::Reference => reference::max_pool2d(x, 2),
            Kernels::Custom => ops::max_pool2d(x, 2),
        };
        let dense = |x: &Tensor, w: &Var, b: &Var| match kernels {
            Kernels::Reference => reference::linear(x, w, b)?.relu(),
            Kernels::Custom => ops::linear_relu(x, w, b),
        };
        println!(
            "{}",
            layer_row(&format!("{tag} conv1 1→32 28² +relu"), steps, &x1, &|x| conv(x, &w1, &b1))?
        );
        println!("{}", layer_row(&format!("{tag} pool 32×26²"), steps, &p1, &|x| pool(x))?);
        println!(
            "{}",
            layer_row(&format!("{tag} conv2 32→64 13² +relu"), steps, &x2, &|x| conv(x, &w2, &b2))?
        );
        println!("{}", layer_row(&format!("{tag} pool 64×11²"), steps, &p2, &|x| pool(x))?);
        println!(
            "{}",
            layer_row(&format!("{tag} dense 1600→128 +relu"), steps, &d1, &|x| dense(x, &wd, &bd))?
        );
        println!(
            "{}",
            layer_row(&format!("{tag} dense 784→256 +relu (input)"), steps, &xd, &|x| dense(x, &we, &be))?
        );
        // What the cnn preset runs: conv + ReLU + pool as one op (custom) or three (reference).
        let conv_pool = |x: &Tensor, w: &Var, b: &Var| match kernels {
            Kernels::Reference => {
                reference::max_pool2d(&reference::conv2d(x, w, b, 1, Padding::Valid)?.relu()?, 2)
            }
            Kernels::Custom => ops::conv2d_relu_pool(x, w, b, 1, Padding::Valid, 2),
        };
        println!(
            "{}",
            layer_row(&format!("{tag} conv1+relu+pool (input)"), steps, &x1, &|x| conv_pool(x, &w1, &b1))?
        );
        println!(
            "{}",
            layer_row(&format!("{tag} conv2+relu+pool"), steps, &x2, &|x| conv_pool(x, &w2, &b2))?
        );
    }
    Ok(())
}

/// The batch-norm convolutions of the `best` preset, each as the one fused op training runs
/// (convolution → batch norm → ReLU (→ pool)): where a `best` step's time goes, layer by layer.
fn bn_layers(steps: usize) -> Result<()> {
    println!("{:<34} {:>8} {:>10}   (ms, batch {BATCH})", "best's layer", "forward", "fwd+bwd");
    let x1 = uniform(&[BATCH, 1, 28, 28], 1.0)?; // the data: needs no gradient
    let x2 = Var::from_tensor(&uniform(&[BATCH, 32, 14, 14], 1.0)?)?;
    let x3 = Var::from_tensor(&uniform(&[BATCH, 64, 14, 14], 1.0)?)?;
    let rows = [
        ("conv1 1→32 28² same +bn+relu+pool", &x1, 1, 32, Padding::Same, Some(2)),
        ("conv2 32→64 14² same +bn+relu", x2.as_tensor(), 32, 64, Padding::Same, None),
        ("conv3 64→64 14² +bn+relu+pool", x3.as_tensor(), 64, 64, Padding::Valid, Some(2)),
    ];
    for (name, x, inputs, outputs, padding, pool) in rows {
        let fan_in = inputs * 9;
        let (w, b) = (param(&[outputs, inputs, 3, 3], fan_in)?, param(&[outputs], fan_in)?);
        let gamma = Var::from_tensor(&Tensor::ones(outputs, DType::F32, &Device::Cpu)?)?;
        let beta = Var::from_tensor(&Tensor::zeros(outputs, DType::F32, &Device::Cpu)?)?;
        let f = |x: &Tensor| {
            ops::conv2d_bn_relu_pool_train(x, &w, &b, &gamma, &beta, 1, padding, pool).map(|(y, _)| y)
        };
        println!("{}", layer_row(name, steps, x, &f)?);
    }
    Ok(())
}

/// The presets' networks over plain `Var`s, in the layer order of `model::presets`.
struct Net {
    params: Vec<Var>,
    cnn: bool,
}

impl Net {
    fn new(cnn: bool) -> Result<Self> {
        let shapes: &[(&[usize], usize)] = if cnn {
            &[(&[32, 1, 3, 3], 9), (&[64, 32, 3, 3], 288), (&[128, 1600], 1600), (&[10, 128], 128)]
        } else {
            &[(&[256, 784], 784), (&[128, 256], 256), (&[10, 128], 128)]
        };
        let mut params = Vec::new();
        for (shape, fan_in) in shapes {
            params.push(param(shape, *fan_in)?);
            params.push(param(&[shape[0]], *fan_in)?);
        }
        Ok(Self { params, cnn })
    }

    fn forward(&self, x: &Tensor, kernels: Kernels) -> Result<Tensor> {
        let p = &self.params;
        let dense_relu = |x: &Tensor, w: &Var, b: &Var| match kernels {
            Kernels::Reference => reference::linear(x, w, b)?.relu(),
            Kernels::Custom => ops::linear_relu(x, w, b),
        };
        let dense = |x: &Tensor, w: &Var, b: &Var| match kernels {
            Kernels::Reference => reference::linear(x, w, b),
            Kernels::Custom => ops::linear(x, w, b),
        };
        if self.cnn {
            let conv = |x: &Tensor, w: &Var, b: &Var| match kernels {
                Kernels::Reference => {
                    reference::max_pool2d(&reference::conv2d(x, w, b, 1, Padding::Valid)?.relu()?, 2)
                }
                Kernels::Custom => ops::max_pool2d(&ops::conv2d_relu(x, w, b, 1, Padding::Valid)?, 2),
            };
            let h = conv(x, &p[0], &p[1])?; // [batch, 32, 13, 13]
            let h = conv(&h, &p[2], &p[3])?.flatten_from(1)?; // [batch, 1600]
            let h = candle_nn::ops::dropout(&dense_relu(&h, &p[4], &p[5])?, 0.5)?;
            dense(&h, &p[6], &p[7])
        } else {
            let h = x.flatten_from(1)?; // [batch, 784]
            let h = candle_nn::ops::dropout(&dense_relu(&h, &p[0], &p[1])?, 0.2)?;
            let h = candle_nn::ops::dropout(&dense_relu(&h, &p[2], &p[3])?, 0.2)?;
            dense(&h, &p[4], &p[5])
        }
    }
}

fn steps_table(steps: usize) -> Result<()> {
    println!(
        "{:<22} {:>8} {:>8} {:>8} {:>10}   (ms, batch {BATCH})",
        "step", "forward", "fwd+bwd", "+adam", "images/s"
    );
    let x = uniform(&[BATCH, 1, 28, 28], 0.5)?.affine(1.0, 0.5)?;
    let labels =
        Tensor::from_vec((0..BATCH as u32).map(|i| i % 10).collect::<Vec<_>>(), BATCH, &Device::Cpu)?;
    for cnn in [false, true] {
        for kernels in [Kernels::Reference, Kernels::Custom] {
            let net = Net::new(cnn)?;
            let mut adam =
                AdamW::new(net.params.clone(), ParamsAdamW { weight_decay: 0.0, ..Default::default() })?;
            let loss = |net: &Net| candle_nn::loss::cross_entropy(&net.forward(&x, kernels)?, &labels);
            let forward = median_ms(steps, || loss(&net).map(|_| ()))?;
            let both = median_ms(steps, || loss(&net)?.backward().map(|_| ()))?;
            let full = median_ms(steps, || adam.backward_step(&loss(&net)?))?;
            let name = format!("{} {kernels:?}", if cnn { "cnn" } else { "dense" });
            println!("{name:<22} {forward:>8.2} {both:>8.2} {full:>8.2} {:>10.0}", BATCH as f64 * 1e3 / full);
        }
    }
    Ok(())
}

/// Times `steps` batches of the real training loop after `warmup` untimed ones, then cancels.
struct Meter<'a> {
    control: &'a Control,
    warmup: usize,
    steps: usize,
    batches: usize,
    started: Option<Instant>,
    timed_secs: Option<f64>,
}

/// The training images/s of each whole epoch (validation not counted).
#[derive(Default)]
struct EpochMeter {
    rates: Vec<f64>,
}

impl ProgressSink for EpochMeter {
    fn epoch_finished(&mut self, metrics: &EpochMetrics) {
        self.rates.push(metrics.images_per_sec);
    }
}

impl ProgressSink for Meter<'_> {
    fn batch_finished(&mut self, _metrics: &BatchMetrics) {
        self.batches += 1;
        if self.batches == self.warmup {
            self.started = Some(Instant::now());
        }
        if self.batches == self.warmup + self.steps {
            self.timed_secs = self.started.map(|t| t.elapsed().as_secs_f64());
            self.control.cancel();
        }
    }
}

fn train_throughput(preset: PresetId, steps: usize, warmup: usize, batch_size: usize) -> anyhow::Result<()> {
    let data = atelier::data::load(None)?;
    // No test pass at the end: a cancelled run still runs it, and with `best`'s ten-look TTA it
    // would be most of the process's time in a `perf record` of these steps.
    let training_data = TrainingData { test: None, ..TrainingData::from(&data) };
    let config = TrainConfig { batch_size, epochs: 100, ..TrainConfig::for_preset(preset) };
    let control = Control::new();
    let mut meter = Meter {
        control: &control,
        warmup: warmup.max(1),
        steps,
        batches: 0,
        started: None,
        timed_secs: None,
    };
    training::train(&training_data, &preset.spec(), &config, &mut meter, &control)?;
    let secs =
        meter.timed_secs.ok_or_else(|| anyhow::anyhow!("training ended before {steps} timed steps"))?;
    println!(
        "atelier {preset} threads={} batch={batch_size} steps={steps} images_per_sec={:.0} ms_per_step={:.2}",
        rayon::current_num_threads(),
        (steps * batch_size) as f64 / secs,
        secs * 1e3 / steps as f64
    );
    Ok(())
}

/// Trains `epochs` whole epochs; the rate over all of them (every epoch has the same images, so
/// it is the harmonic mean of the epochs' rates).
fn epoch_throughput(preset: PresetId, epochs: usize, batch_size: usize) -> anyhow::Result<()> {
    let data = atelier::data::load(None)?;
    let training_data = TrainingData::from(&data);
    let config = TrainConfig { batch_size, epochs, ..TrainConfig::for_preset(preset) };
    let mut meter = EpochMeter::default();
    training::train(&training_data, &preset.spec(), &config, &mut meter, &Control::new())?;
    let inverse_sum: f64 = meter.rates.iter().map(|rate| 1.0 / rate.max(1e-9)).sum();
    let rate = meter.rates.len() as f64 / inverse_sum.max(1e-12);
    println!(
        "atelier {preset} threads={} batch={batch_size} epochs={epochs} images_per_sec={rate:.0} epoch_rates={}",
        rayon::current_num_threads(),
        meter.rates.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(",")
    );
    Ok(())
}

fn inference_latency(preset: PresetId) -> anyhow::Result<()> {
    let data = atelier::data::load(None)?;
    let network = Network::new(&preset.spec(), &Device::Cpu, 1)?;
    let test = &data.test;
    let positions: Vec<usize> = (0..test.len()).collect();
    let no_augmentation = atelier::data::Augmentation::default();
    let start = Instant::now();
    let mut predicted = 0;
    for chunk in positions.chunks(1000) {
        let (x, _) = Batch::assemble(test, chunk, Targets::AllClasses, &no_augmentation, 0)
            .to_tensors(&Device::Cpu)?;
        predicted += network.forward(&x, ForwardMode::Eval)?.argmax(1)?.dim(0)?;
    }
    let all_secs = start.elapsed().as_secs_f64();
    let (one, _) =
        Batch::assemble(test, &[0], Targets::AllClasses, &no_augmentation, 0).to_tensors(&Device::Cpu)?;
    let one_ms = median_ms(200, || network.forward(&one, ForwardMode::Eval)?.argmax(1).map(|_| ()))?;
    println!(
        "atelier {preset} inference threads={} test_images={predicted} total_secs={all_secs:.3} one_image_ms={one_ms:.3}",
        rayon::current_num_threads()
    );
    Ok(())
}

/// A 420×300 colour picture of test image 0: dark on a light background, off centre, as PNG bytes.
fn photo_png(pixels: &[u8]) -> anyhow::Result<Vec<u8>> {
    let photo = image::RgbImage::from_fn(420, 300, |x, y| {
        let (column, row) = ((x.wrapping_sub(90)) / 8, (y.wrapping_sub(40)) / 8);
        let value = if column < 28 && row < 28 { pixels[(row * 28 + column) as usize] } else { 0 };
        let light = 255 - value;
        image::Rgb([light, light.saturating_sub(20), light.saturating_sub(50)])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    photo.write_to(&mut bytes, image::ImageFormat::Png)?;
    Ok(bytes.into_inner())
}

fn predict_latency(
    preset: PresetId,
    model: Option<&str>,
    image: Option<&str>,
    steps: usize,
) -> anyhow::Result<()> {
    let predictor = match model {
        Some(path) => {
            Predictor::from(atelier::model_file::load_model(std::path::Path::new(path), &Device::Cpu)?)
        }
        None => Predictor::new(Network::new(&preset.spec(), &Device::Cpu, 1)?),
    };
    let pictures: Vec<(String, Vec<u8>)> = match image {
        Some(path) => vec![(path.to_owned(), std::fs::read(path)?)],
        None => {
            let data = atelier::data::load(None)?;
            let first = data.test.image(0);
            vec![
                (
                    "test-png-28x28".to_owned(),
                    atelier::data::encode_png(first, std::path::Path::new("test.png"))?,
                ),
                ("photo-420x300".to_owned(), photo_png(first)?),
            ]
        }
    };
    let options = PrepOptions::default();
    for (name, bytes) in &pictures {
        let end_to_end = || -> anyhow::Result<f32> {
            let decoded = picture::decode(bytes)?;
            let prepared = picture::prepare_decoded(&decoded, &options);
            let prediction = predictor.predict_pixels(&[&prepared.input.pixels])?;
            Ok(prediction.first().and_then(Prediction::top).map_or(0.0, |(_, p)| p))
        };
        let median = median_ms(steps, || {
            end_to_end().map(|_| ()).map_err(|e| candle_core::Error::Msg(format!("{e:#}")))
        })?;
        // What the Predict tab adds for CNN models: the first convolution's maps.
        let with_maps = median_ms(steps, || {
            end_to_end().map_err(|e| candle_core::Error::Msg(format!("{e:#}")))?;
            predictor.first_conv(&[0; 784]).map_err(|e| candle_core::Error::Msg(format!("{e:#}")))?;
            Ok(())
        })?;
        println!(
            "atelier {preset} predict threads={} picture={name} bytes={} median_ms={median:.3} with_feature_maps_ms={with_maps:.3}",
            rayon::current_num_threads(),
            bytes.len()
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // SAFETY: first thing in `main`: no other thread exists yet.
    unsafe { ops::init_process() };
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    if let Some(threads) = value("--threads").and_then(|s| s.parse().ok()) {
        ops::set_num_threads(threads)?;
    }
    let preset: PresetId = value("--preset").unwrap_or_else(|| "cnn".into()).parse()?;
    match args.get(1).map(String::as_str) {
        Some("train") => {
            let steps = value("--steps").and_then(|s| s.parse().ok()).unwrap_or(300);
            let warmup = value("--warmup").and_then(|s| s.parse().ok()).unwrap_or(20);
            let batch_size = value("--batch-size").and_then(|s| s.parse().ok()).unwrap_or(BATCH);
            if let Some(epochs) = value("--epochs").and_then(|s| s.parse().ok()) {
                return epoch_throughput(preset, epochs, batch_size);
            }
            return train_throughput(preset, steps, warmup, batch_size);
        }
        Some("infer") => return inference_latency(preset),
        Some("predict") => {
            let steps = value("--steps").and_then(|s| s.parse().ok()).unwrap_or(200);
            return predict_latency(preset, value("--model").as_deref(), value("--image").as_deref(), steps);
        }
        _ => {}
    }
    let steps = value("--steps").and_then(|s| s.parse().ok()).unwrap_or(20);
    println!("threads: {}", rayon::current_num_threads());
    let only = value("--only");
    if only.as_deref() == Some("bn-layers") {
        return Ok(bn_layers(steps)?);
    }
    if only.as_deref() != Some("steps") {
        layers(steps)?;
    }
    if only.as_deref() != Some("layers") {
        steps_table(steps)?;
    }
    Ok(())
}
