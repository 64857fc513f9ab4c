//! Reads the example files aeon ships (not in this repository), when
//! `AEON_DATA` names their directory (`aeon/datasets/data` of the unzipped
//! aeon wheel):
//!
//! ```text
//! AEON_DATA=/path/to/aeon/datasets/data cargo test -p series-data --test aeon_files -- --ignored --nocapture
//! ```
//!
//! Ignored by default, and it passes without `AEON_DATA`: no test needs
//! the network or a file outside the repository.

use std::fs;
use std::path::PathBuf;

use series_data::{read_csv_series, read_ts, Dataset};

/// The file's text, or `None` without `AEON_DATA`.
fn text(relative: &str) -> Option<String> {
    let dir = PathBuf::from(std::env::var_os("AEON_DATA")?);
    Some(fs::read_to_string(dir.join(relative)).expect("read an aeon file"))
}

fn summary(name: &str, d: &Dataset) -> (usize, usize, usize, usize, usize) {
    let min = d.sequences.iter().map(|s| s.steps).min().unwrap_or(0);
    let s = (
        d.sequences.len(),
        d.channels,
        min,
        d.max_steps(),
        d.class_names.len(),
    );
    println!(
        "{name}: {} sequences, {} channels, length {}..={}, {} classes {:?}, counts {:?}",
        s.0,
        s.1,
        s.2,
        s.3,
        s.4,
        d.class_names,
        d.class_counts()
    );
    for seq in &d.sequences {
        assert_eq!(seq.values.len(), seq.steps * d.channels);
    }
    s
}

#[test]
#[ignore = "needs AEON_DATA: aeon's example data directory"]
fn aeon_ts_files_read() {
    let cases = [
        ("BasicMotions/BasicMotions_TRAIN.ts", (40, 6, 100, 100, 4)),
        (
            "JapaneseVowels/JapaneseVowels_TRAIN.ts",
            (270, 12, 7, 26, 9),
        ),
        (
            "ItalyPowerDemand/ItalyPowerDemand_TRAIN.ts",
            (67, 1, 24, 24, 2),
        ),
        (
            "PickupGestureWiimoteZ/PickupGestureWiimoteZ_TRAIN.ts",
            (50, 1, 29, 361, 10),
        ),
        ("UnitTest/UnitTest_TRAIN.ts", (20, 1, 24, 24, 2)),
    ];
    for (path, want) in cases {
        let Some(text) = text(path) else { return };
        let d = read_ts(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(summary(path, &d), want, "{path}");
    }
    let d = read_ts(&text("BasicMotions/BasicMotions_TRAIN.ts").unwrap_or_default()).unwrap();
    assert_eq!(
        d.class_names,
        ["Standing", "Running", "Walking", "Badminton"]
    );
    let first = &d.sequences[0];
    // The first value of each of the first case's six dimensions, time-major.
    let line = text("BasicMotions/BasicMotions_TRAIN.ts").unwrap_or_default();
    let case = line.lines().find(|l| !l.starts_with(['#', '@'])).unwrap();
    let firsts: Vec<f32> = case
        .split(':')
        .take(6)
        .map(|dim| dim.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(&first.values[..6], &firsts[..]);
}

#[test]
#[ignore = "needs AEON_DATA: aeon's example data directory"]
fn aeon_other_ts_files_read_or_are_refused_clearly() {
    let Some(dir) = std::env::var_os("AEON_DATA") else {
        return;
    };
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .flat_map(|d| fs::read_dir(d.unwrap().path()).into_iter().flatten())
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ts"))
        .collect();
    paths.sort();
    for path in paths {
        let text = fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match read_ts(&text) {
            Ok(d) => {
                summary(&name, &d);
            }
            Err(e) => println!("{name}: refused: {e}"),
        }
    }
}

#[test]
#[ignore = "needs AEON_DATA: aeon's example data directory"]
fn aeon_csv_series_read() {
    for (path, names, steps) in [
        ("Airline/Airline.csv", vec!["Passengers"], 144),
        ("ShampooSales/ShampooSales.csv", vec!["Sales"], 36),
    ] {
        let Some(text) = text(path) else { return };
        let s = read_csv_series(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        println!(
            "{path}: {:?}, {} steps, first {:?}",
            s.names,
            s.values.len() / s.names.len(),
            &s.values[..3]
        );
        assert_eq!(s.names, names);
        assert_eq!(s.values.len(), steps * names.len());
    }
}
