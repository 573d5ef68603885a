//! `atelier presets`: the preset table.

/// Prints the presets.
///
/// # Errors
/// None today; kept fallible like every subcommand.
pub fn run() -> anyhow::Result<()> {
    anyhow::bail!("`atelier presets` is being built")
}
