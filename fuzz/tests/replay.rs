//! Replays the committed seeds and crash regressions through the fuzz
//! harness without libFuzzer, so a plain `cargo test` catches a seed that
//! no longer loads or a fixed crash that comes back.

use std::fs;
use std::path::{Path, PathBuf};

use infer_nostd::Model;
use infer_nostd_fuzz::series::{as_text, check_dataset, check_series, read_all};
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
    for path in inputs("regressions", "read_series") {
        read_all(&fs::read(&path).expect("read input"));
    }
}

#[test]
fn every_series_seed_reads_with_its_reader() {
    let seeds = inputs("seeds", "read_series");
    assert!(seeds.len() >= 6, "read_series: only {} seeds", seeds.len());
    for path in seeds {
        let data = fs::read(&path).expect("read seed");
        let text = as_text(&data);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let shown = path.display();
        if name.starts_with("ts-") {
            let d = series_data::read_ts(&text);
            check_dataset(&d.unwrap_or_else(|e| panic!("{shown}: {e}")));
        } else if name.starts_with("csv-sequences-") {
            let d = series_data::read_csv_sequences(&text);
            check_dataset(&d.unwrap_or_else(|e| panic!("{shown}: {e}")));
        } else if name.starts_with("csv-series-") {
            let s = series_data::read_csv_series(&text);
            check_series(&s.unwrap_or_else(|e| panic!("{shown}: {e}")));
        } else {
            panic!("{shown}: a seed's name says which reader takes it");
        }
        read_all(&data);
    }
}
