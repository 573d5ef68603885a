//! CSV cells for the files Atelier exports (reports, prediction tables).

/// One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180), and prefixed
/// with `'` when a spreadsheet would run it as a formula (`=`, `+`, `-`, `@`, tab, carriage return
/// at the start; OWASP's "CSV injection"). File and class names come from users, so they are not
/// trusted. Numbers are written by the callers directly and never go through here.
#[must_use]
pub fn csv_field(text: &str) -> String {
    let guarded =
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_kept_and_separators_are_quoted() {
        assert_eq!(csv_field("Sneaker"), "Sneaker");
        assert_eq!(csv_field("Boot, ankle"), "\"Boot, ankle\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("+1"), "'+1");
        assert_eq!(csv_field("@sum"), "'@sum");
        assert_eq!(csv_field("-2"), "'-2");
    }
}
