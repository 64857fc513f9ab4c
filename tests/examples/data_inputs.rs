//! Writes a data file's sequences as the firmware's raw-readings inputs
//! (`firmware-inputs` mode 2: f32 readings, each sequence at its own
//! length, quantised on the device), to run a test split in QEMU or on a
//! board:
//!
//! ```text
//! cargo run --release -p echo-tests --example data_inputs -- FILE OUT.ewin \
//!     [--records START..END] [--model MODEL.elsm] > LABELS
//! ```
//!
//! FILE is a UEA/UCR `.ts` file, or CSV sequences (any other extension),
//! read by `series-data` as `trainer train --data` reads it.
//! `--records START..END` writes only sequences START to END - 1 (from 0):
//! a split larger than the board's flash runs in parts. Prints the
//! sequences' labels, one per line, in the order the firmware prints its
//! classes: as the file names them or, with `--model`, as that model's
//! class indices (what the firmware prints), so `diff` against the
//! firmware's lines shows its errors. A summary goes to stderr.

use std::path::Path;
use std::process::ExitCode;

use echo_tests::device::{model_classes, Readings};
use infer_nostd::Model;

const USAGE: &str = "usage: data_inputs FILE OUT.ewin [--records START..END] \
                     [--model MODEL.elsm] (FILE: .ts or CSV sequences)";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("data_inputs: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(out)) = (args.next(), args.next()) else {
        return Err(USAGE.into());
    };
    let (mut range, mut model) = (None, None);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--records" => range = Some(value),
            "--model" => model = Some(value),
            _ => return Err(USAGE.into()),
        }
    }
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
    let data = if Path::new(&file).extension().is_some_and(|e| e == "ts") {
        series_data::read_ts(&text)
    } else {
        series_data::read_csv_sequences(&text)
    }
    .map_err(|e| format!("{file}: {e}"))?;
    let all = data.sequences.len();
    let (start, end) = match &range {
        None => (0, all),
        Some(r) => {
            let bad = || format!("--records {r}: not START..END within 0..{all}");
            let (a, b) = r.split_once("..").ok_or_else(bad)?;
            let a: usize = a.parse().map_err(|_| bad())?;
            let b: usize = b.parse().map_err(|_| bad())?;
            if a >= b || b > all {
                return Err(bad());
            }
            (a, b)
        }
    };
    let labels: Vec<String> = match model {
        Some(path) => {
            let bytes = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
            let model = Model::from_bytes(&bytes).map_err(|e| format!("{path}: {e}"))?;
            let classes = model_classes(&model, &data).map_err(|e| format!("{file}: {e}"))?;
            classes.iter().map(u32::to_string).collect()
        }
        None => data
            .sequences
            .iter()
            .map(|s| {
                let name = s.label.map(|l| data.class_names[l as usize].as_str());
                name.unwrap_or("-").to_owned()
            })
            .collect(),
    };

    let mut readings = Readings::from_dataset(&data);
    readings.sequences = readings.sequences.drain(start..end).collect();
    let bytes = readings.encode();
    std::fs::write(&out, &bytes).map_err(|e| format!("{out}: {e}"))?;
    let steps = readings.sequences.iter().map(|s| s.len() / data.channels);
    let (shortest, longest) = steps.fold((usize::MAX, 0), |(a, b), s| (a.min(s), b.max(s)));
    eprintln!(
        "{out}: sequences {start}..{end} of {all} ({} channels, {shortest} to {longest} steps), {} bytes",
        data.channels,
        bytes.len()
    );
    for label in &labels[start..end] {
        println!("{label}");
    }
    Ok(())
}
