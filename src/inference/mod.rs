//! Being built: see ARCHITECTURE.md.
