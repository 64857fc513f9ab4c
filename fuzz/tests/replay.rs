//! Replays the committed seeds and crash regressions through the fuzz
//! harness without libFuzzer, so a plain `cargo test` catches a seed that
//! no longer loads or a fixed crash that comes back.

use std::fs;
use std::path::{Path, PathBuf};

use infer_nostd::Model;
use infer_nostd_fuzz::{frame_payload, load_and_exercise, split_input};

/// The files under `fuzz/<dir>/<target>`, sorted.
fn inputs(dir: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join(target);
    let mut files: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(entries) => entries
            .map(|e| e.expect("directory entry").path())
            .collect(),
        Err(_) => Vec::new(),
    };
    files.retain(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep"));
    files.sort();
    files
}

fn replay_load_and_run(path: &Path) {
    let data = fs::read(path).expect("read input");
    let (script, file) = split_input(&data);
    load_and_exercise(file, script);
}

fn replay_mutate_model(path: &Path) {
    let data = fs::read(path).expect("read input");
    let (script, payload) = split_input(&data);
    load_and_exercise(&frame_payload(payload), script);
}

#[test]
fn every_seed_is_a_valid_model_and_runs() {
    for target in ["load_and_run", "mutate_model"] {
        let seeds = inputs("seeds", target);
        assert!(seeds.len() >= 12, "{target}: only {} seeds", seeds.len());
        for path in seeds {
            let data = fs::read(&path).expect("read seed");
            let (script, bytes) = split_input(&data);
            let file = if target == "load_and_run" {
                bytes.to_vec()
            } else {
                frame_payload(bytes)
            };
            let model = Model::from_bytes(&file);
            assert!(model.is_ok(), "{}: {:?}", path.display(), model.err());
            load_and_exercise(&file, script);
        }
    }
}

#[test]
fn crash_regressions_stay_fixed() {
    for path in inputs("regressions", "load_and_run") {
        replay_load_and_run(&path);
    }
    for path in inputs("regressions", "mutate_model") {
        replay_mutate_model(&path);
    }
}
