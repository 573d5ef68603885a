//! The layering of ARCHITECTURE.md, kept true by a test: every `crate::<module>` path in a module's
//! source must be an edge the map allows. The map is read from ARCHITECTURE.md itself (between the
//! `layering:start` and `layering:end` markers), so the document and the check cannot drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns: a failure is a test failure

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `module → modules it may name`, from ARCHITECTURE.md.
fn allowed_edges() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md")).unwrap();
    let start = text.find("<!-- layering:start -->").expect("ARCHITECTURE.md has the layering map");
    let end = text.find("<!-- layering:end -->").expect("the layering map is closed");
    let mut map = BTreeMap::new();
    for line in text[start..end].lines() {
        let line = line.trim().trim_start_matches("- ");
        let Some((module, uses)) = line.split_once(':') else { continue };
        let module = module.trim().trim_matches('`');
        if module.is_empty() || module.contains(' ') || module.starts_with('<') {
            continue;
        }
        let uses =
            uses.split([',', ' ']).map(|m| m.trim().trim_matches('`')).filter(|m| !m.is_empty() && *m != "—");
        map.insert(module.to_owned(), uses.map(str::to_owned).collect());
    }
    map
}

/// The crate's top-level modules with their source files (a folder, or one file).
fn modules() -> BTreeMap<String, Vec<PathBuf>> {
    let src = Path::new(ROOT).join("src");
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if ["lib", "main", "bin"].contains(&name.as_str()) {
            continue;
        }
        let mut files = Vec::new();
        collect_rust_files(&path, &mut files);
        modules.entry(name).or_insert_with(Vec::new).extend(files);
    }
    modules
}

fn collect_rust_files(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            collect_rust_files(&entry.unwrap().path(), files);
        }
    } else if path.extension().is_some_and(|ext| ext == "rs") {
        files.push(path.to_path_buf());
    }
}

/// Every `crate::<name>` a source text names, with its line number, comments left out.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + "crate::".len()..];
            // `atelier_crate::` or a longer identifier ending in `crate` is not a path from the root.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.push((number + 1, name));
            }
        }
    }
    found
}

/// Edges that break the map: "src/data/x.rs:12: data → gui".
fn violations(
    map: &BTreeMap<String, BTreeSet<String>>,
    modules: &BTreeMap<String, Vec<PathBuf>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (module, files) in modules {
        let Some(allowed) = map.get(module) else {
            problems.push(format!("module `{module}` is not in ARCHITECTURE.md's layering map: add it"));
            continue;
        };
        for file in files {
            let text = std::fs::read_to_string(file).unwrap();
            for (line, used) in crate_paths(&text) {
                if &used != module && modules.contains_key(&used) && !allowed.contains(&used) {
                    let file = file.strip_prefix(ROOT).unwrap_or(file).display().to_string();
                    problems.push(format!("{file}:{line}: {module} → {used}"));
                }
            }
        }
    }
    problems
}

#[test]
fn every_module_uses_only_what_the_map_allows() {
    let map = allowed_edges();
    let problems = violations(&map, &modules());
    assert!(problems.is_empty(), "edges ARCHITECTURE.md does not allow:\n{}", problems.join("\n"));
}

#[test]
fn the_core_never_names_the_window_and_the_command_line_never_names_it_either() {
    let map = allowed_edges();
    for (module, uses) in &map {
        if module != "gui" {
            assert!(!uses.contains("gui"), "{module} may not use gui");
        }
    }
    assert!(!map["cli"].contains("gui") && !map["gui"].contains("cli"));
}

#[test]
fn a_forbidden_edge_is_caught_with_its_file_and_line() {
    let map = allowed_edges();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.rs");
    std::fs::write(
        &file,
        "//! x\nuse crate::files::thousands;\nuse crate::gui::AtelierApp; // not allowed\n",
    )
    .unwrap();
    let mut modules = BTreeMap::new();
    modules.insert("data".to_owned(), vec![file]);
    modules.insert("files".to_owned(), Vec::new());
    modules.insert("gui".to_owned(), Vec::new());
    let problems = violations(&map, &modules);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].ends_with("bad.rs:3: data → gui"), "{problems:?}");
}
