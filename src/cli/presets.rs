//! `atelier presets`: the preset table (name, layers, parameters, expected accuracy).

use std::fmt::Write as _;

use crate::files::thousands;
use crate::model::presets;

/// Prints the presets.
///
/// # Errors
/// A preset whose spec does not validate (a bug, caught by the tests).
pub fn run() -> anyhow::Result<()> {
    print!("{}", render()?);
    Ok(())
}

/// Pads `text` to `width` characters (not bytes: the outlines contain "→" and "×").
fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.chars().count());
    format!("{text}{}", " ".repeat(fill))
}

fn render() -> anyhow::Result<String> {
    let header = ["Preset", "Layers", "Parameters", "Expected accuracy"];
    let mut rows = Vec::new();
    for preset in presets() {
        let spec = preset.spec();
        let params = spec.param_count()?;
        let task = match spec.task {
            crate::model::Task::AllClasses { .. } => String::new(),
            task => format!(" ({})", task.describe(&crate::data::ClassNames::fashion_mnist())),
        };
        rows.push([
            preset.name.to_owned(),
            spec.outline(),
            thousands(params),
            format!("{}{task}", preset.expected_accuracy),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .chain([header[column].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 4]| {
        // Parameters are right-aligned so the digits line up.
        let params = format!("{:>width$}", cells[2], width = widths[2]);
        let text =
            format!("{}  {}  {}  {}", pad(cells[0], widths[0]), pad(cells[1], widths[1]), params, cells[3]);
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&mut out, header);
    for row in &rows {
        line(&mut out, [&row[0], &row[1], &row[2], &row[3]]);
    }
    out.push('\n');
    for preset in presets() {
        let _ = writeln!(out, "{}  {}", pad(preset.name, widths[0]), preset.description);
    }
    out.push_str("\nTrain one with `atelier train --preset NAME --out model.safetensors`.\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shows_the_reference_parameter_counts() {
        let table = render().unwrap();
        let line =
            |name: &str| table.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap().to_owned();
        assert!(line("dense").contains("235,146"), "{table}");
        assert!(line("cnn").contains("225,034"), "{table}");
        assert!(line("cnn").contains("Conv32 3×3 → Pool2 → Conv64 3×3 → Pool2 → Dense128 → Dense10"));
        assert!(line("cnn-bn").contains("Conv32 3×3+BN"));
        assert!(line("binary-dense").contains("Sneaker vs Ankle boot"));
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(999), "999");
    }
}
