//! Support shared by the workspace's cross-crate tests, the engine
//! benchmark and the device benchmark: random float models
//! ([`random_model`]) and the emulated Cortex-M harness ([`device`]).
//!
//! The integration tests are `tests/*.rs` (declared in `tests/Cargo.toml`);
//! the committed models they read are under `tests/models/` and
//! `tests/golden/`.

pub mod device;
pub mod random_model;

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    #[test]
    fn every_test_file_is_declared_in_the_manifest() {
        // `autotests = false`: an undeclared tests/*.rs would never run.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let manifest = fs::read_to_string(dir.join("Cargo.toml")).expect("read Cargo.toml");
        for entry in fs::read_dir(dir).expect("read tests/") {
            let name = entry.expect("a directory entry").file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".rs") {
                assert!(
                    manifest.contains(&format!("path = \"{name}\"")),
                    "tests/{name} has no [[test]] entry in tests/Cargo.toml"
                );
            }
        }
    }
}
