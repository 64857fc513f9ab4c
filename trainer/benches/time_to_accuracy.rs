//! Time to accuracy: for each task, wall seconds (training plus the
//! periodic held-out checks) and optimizer updates until 100.00% on 10,000
//! fresh windows, then the exported model's float and fixed-point accuracy
//! on another 10,000.
//!
//! `cargo bench -p trainer --bench time_to_accuracy [-- TASK... [--seed N] [--cell lstm|gru] [--backend NAME]...]`
//!
//! `--cell` chooses the networks' cell (LSTM by default), as `trainer
//! train --cell` does.
//!
//! With several `--backend`s (`--features ndarray` compiles burn-ndarray in
//! beside the default flex), every task runs on each, side by side, and the
//! table ends with each backend's wall time relative to the first.

use std::time::Instant;

use clap::ValueEnum;
use infer_nostd::format::Cell;
use trainer::backend::Backend;
use trainer::pipeline::export;
use trainer::task::Task;
use trainer::train::{train, TrainConfig};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut seed = 1;
    let mut cell = Cell::Lstm;
    let mut tasks = Vec::new();
    let mut backends = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).expect("--seed N"),
            "--cell" => {
                cell = match args.next().as_deref() {
                    Some("lstm") => Cell::Lstm,
                    Some("gru") => Cell::Gru,
                    _ => panic!("--cell lstm|gru"),
                }
            }
            "--backend" => {
                let name = args.next().expect("--backend NAME");
                backends.push(Backend::from_str(&name, true).unwrap_or_else(|e| panic!("{e}")));
            }
            _ => tasks.push(arg.parse::<Task>().unwrap_or_else(|e| panic!("{e}"))),
        }
    }
    if tasks.is_empty() {
        tasks = [
            "echo-index",
            "echo-whole",
            "echo-partial",
            "echo-lag",
            "univariate",
        ]
        .iter()
        .map(|t| t.parse().expect("known task"))
        .collect();
    }
    if backends.is_empty() {
        backends.push(Backend::default());
    }
    let dir = std::env::temp_dir().join(format!("trainer-bench-{}", std::process::id()));
    println!(
        "| task | backend | seed | wall s | train s | checks s | steps | float acc | fixed acc | agreement | bytes | export s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut walls = vec![Vec::new(); backends.len()];
    for task in tasks {
        for (b, &backend) in backends.iter().enumerate() {
            let model = dir.join(format!("{task}.elsm"));
            let mut config = TrainConfig::new(task, cell, &model);
            config.seed = seed;
            config.checkpoint_every = 0;
            config.backend = backend;
            let start = Instant::now();
            let trained = train(&config).expect("training runs");
            let wall = start.elapsed().as_secs_f64();
            walls[b].push((wall, trained.train_seconds / trained.steps.max(1) as f64));
            let start = Instant::now();
            let report = export(&trained.network, task, seed, 10_000, &model).expect("export runs");
            let export_seconds = start.elapsed().as_secs_f64();
            let name = backend.to_possible_value().expect("named backend");
            println!(
                "| {task} | {} | {seed} | {wall:.2} | {:.2} | {:.2} | {} | {:.2}% | {:.2}% | {:.4}% | {} | {export_seconds:.2} |{}",
                name.get_name(),
                trained.train_seconds,
                trained.check_seconds,
                trained.steps,
                report.float_accuracy * 100.0,
                report.fixed_accuracy * 100.0,
                report.agreement * 100.0,
                report.model_bytes,
                if trained.reached_target { "" } else { " (cap)" }
            );
        }
    }
    for (b, backend) in backends.iter().enumerate().skip(1) {
        let ratios: Vec<String> = walls[b]
            .iter()
            .zip(&walls[0])
            .map(|((w, s), (first_w, first_s))| {
                format!("{:.2} (per step {:.2})", w / first_w, s / first_s)
            })
            .collect();
        println!(
            "\nwall time {:?} / {:?}, per task: {}",
            backend,
            backends[0],
            ratios.join(", ")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
