//! `atelier predict`: top classes with probabilities for each picture.

use std::path::PathBuf;

use clap::Args;

use crate::evaluation::TestTimeAugmentation;
use crate::inference::Predictor;
use crate::picture::{self, PrepOptions};

/// Options of `atelier predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model file (.safetensors).
    pub model: PathBuf,
    /// Pictures (PNG, JPEG, BMP, GIF, WebP, TIFF).
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// How many classes to print per picture.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// Test-time augmentation: `flip` averages each picture with its left-right mirror,
    /// `flip-shift` also with both moved one pixel each way (ten looks), `none` uses the picture
    /// alone (default: what the model file says).
    #[arg(long, value_name = "none|flip|flip-shift")]
    pub tta: Option<String>,
}

/// Predicts and prints one line per picture. A picture that cannot be read gets an error line and
/// the others still run; the command then fails at the end (exit code 2).
///
/// # Errors
/// A missing or invalid model file, or any picture that failed.
pub fn run(args: &PredictArgs) -> anyhow::Result<()> {
    let tta_override = super::evaluate::parse_tta(args.tta.as_deref())?;
    let mut predictor = Predictor::from(super::evaluate::load_model(&args.model)?);
    if let Some(tta) = tta_override {
        predictor.set_tta(tta);
    }
    // Said on each answer, where a reader of one line sees it.
    let tta_note = match predictor.tta() {
        TestTimeAugmentation::None => String::new(),
        tta => format!(" ({})", tta.short_label()),
    };
    let options = PrepOptions::default();
    let mut failed = 0;
    for path in &args.images {
        let outcome =
            picture::prepare_file(path, &options).map_err(|error| error.to_string()).and_then(|prepared| {
                let predictions =
                    predictor.predict_pixels(&[&prepared.input.pixels]).map_err(|error| error.to_string())?;
                Ok((prepared, predictions))
            });
        match outcome {
            Ok((prepared, predictions)) => {
                let ranked: Vec<String> = predictions
                    .first()
                    .map(|p| {
                        p.top_k(args.top.max(1))
                            .into_iter()
                            .map(|(class, probability)| {
                                format!("{} {:.1}%", p.class_name(class), probability * 100.0)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                println!("{}: {}{tta_note}", path.display(), ranked.join(", "));
                for concern in &prepared.concerns {
                    println!("  note: {}", concern.describe());
                }
            }
            Err(message) => {
                failed += 1;
                // The data module's errors name the file already when reading failed.
                let message = if message.contains(&path.display().to_string()) {
                    message
                } else {
                    format!("{}: {message}", path.display())
                };
                // One picture: its error is the command's error, on one line.
                if args.images.len() == 1 {
                    anyhow::bail!("{message}");
                }
                eprintln!("error: {message}");
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} pictures could not be predicted", args.images.len());
    }
    Ok(())
}
