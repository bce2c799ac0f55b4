//! Placeholder so the manifest parses; the datasets helper replaces it.
fn main() {}
