//! Device benchmark: builds the Cortex-M firmware for every task's model,
//! runs it in QEMU under `-icount` and prints a Markdown table of executed
//! instructions, multiply-accumulates, flash and RAM. RAM while running is
//! the statics (the engine, placed in a static) plus the stack high-water
//! mark during inference; decoding the model file at start-up has its own,
//! larger stack peak, reported apart.
//!
//! ```text
//! cargo run --release --example device_bench [-- --int16] [--json FILE] [TASK...]
//! ```
//!
//! The tasks are TASKS.md's and the extensions' variants
//! (`echo_tests::device::VARIANTS`). `--json FILE` also writes every
//! measured row as JSON (`trainer compare --device FILE` reads it).
//!
//! Trained models are read from tests/models/<task>.elsm; a task without
//! one runs a random stand-in of the same shape (int8 weights, or int16
//! with `--int16`), marked in the table.

use std::time::Duration;

use echo_tests::device::{
    build_and_run, require_qemu, target_dir, Mode, Source, Target, GRU_TASKS, TASKS, VARIANTS,
};
use infer_host::quantise::PrecisionPolicy;
use infer_nostd::Model;

/// Records per benchmark run: enough to average, few enough to be quick.
const WINDOWS: usize = 20;
const STREAM_STEPS: usize = 100;

fn main() {
    require_qemu();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let policy = if args.iter().any(|a| a == "--int16") {
        PrecisionPolicy::Int16
    } else {
        PrecisionPolicy::Int8
    };
    let json = args
        .iter()
        .position(|a| a == "--json")
        .map(|i| args.get(i + 1).expect("--json needs a file").clone());
    // Task names: every argument that is no flag and no flag's value.
    let only: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|&(i, a)| !a.starts_with("--") && (i == 0 || args[i - 1] != "--json"))
        .map(|(_, a)| a)
        .collect();
    let mut json_rows = Vec::new();
    let scratch = target_dir().join("device-bench");
    println!(
        "| target | task | instructions / window | MACs / window | instructions / MAC \
         | flash without the model (B): code + constants | model flash (B) \
         | RAM running (B): statics + stack \
         | stack loading (B) |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for target in Target::ALL {
        for task in TASKS
            .iter()
            .chain(&VARIANTS)
            .chain(&GRU_TASKS)
            .filter(|t| only.is_empty() || only.iter().any(|o| *o == t.name))
        {
            let (path, source) = task.model_file(&scratch, policy);
            let bytes = std::fs::read(&path).expect("read model");
            let model = Model::from_bytes(&bytes).expect("load model");
            let name = match source {
                Source::Committed => task.name.to_owned(),
                Source::StandIn => format!("{} (stand-in)", task.name),
            };
            if target.inputs_room(bytes.len()).is_none() {
                println!(
                    "| {} | {name} | does not fit {} KiB of flash | | | | {} | | |",
                    target.name(),
                    target.flash_bytes() >> 10,
                    bytes.len()
                );
                continue;
            }
            let records = if task.mode == Mode::Stream {
                STREAM_STEPS
            } else {
                WINDOWS
            };
            let inputs = task.inputs(&model, records, 1);
            let run = build_and_run(
                target,
                task.name,
                &path,
                &inputs,
                &scratch,
                Duration::from_secs(300),
            );
            let per = run.stat("instructions_per_record");
            let macs = inputs.macs_per_record(&model) as u64;
            let unit = if task.mode == Mode::Stream {
                " per step"
            } else {
                ""
            };
            let firmware =
                run.stat("flash_bytes") - run.stat("model_bytes") - run.stat("inputs_bytes");
            let code = run.stat("code_bytes");
            println!(
                "| {} | {name} | {per}{unit} | {macs} | {:.2} | {firmware} = {code} + {} | {} \
                 | {} = {} + {} | {} |",
                target.name(),
                per as f64 / macs.max(1) as f64,
                firmware - code,
                run.stat("model_bytes"),
                run.stat("static_bytes") + run.stat("stack_bytes"),
                run.stat("static_bytes"),
                run.stat("stack_bytes"),
                run.stat("load_stack_bytes"),
            );
            json_rows.push(format!(
                "{{\"target\":\"{}\",\"task\":\"{}\",\"committed\":{},\"instructions_per_record\":{per},\"macs_per_record\":{macs},\"model_bytes\":{},\"ram_bytes\":{}}}",
                target.name(),
                task.name,
                source == Source::Committed,
                run.stat("model_bytes"),
                run.stat("static_bytes") + run.stat("stack_bytes"),
            ));
            eprintln!(
                "{} {}: Model struct {} B, engine {} B",
                target.name(),
                task.name,
                run.stat("model_struct_bytes"),
                run.stat("engine_bytes")
            );
        }
    }
    if let Some(path) = json {
        std::fs::write(&path, format!("[\n{}\n]\n", json_rows.join(",\n"))).expect("write --json");
        eprintln!("wrote {path}");
    }
}
