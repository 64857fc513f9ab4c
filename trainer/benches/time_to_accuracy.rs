//! Time to accuracy: for each task, wall seconds (training plus the
//! periodic held-out checks) and optimizer updates until 100.00% on 10,000
//! fresh windows, then the exported model's fixed-point accuracy.
//!
//! `cargo bench -p trainer --bench time_to_accuracy [-- TASK...] [--seed N]`

use std::time::Instant;

use trainer::pipeline::export;
use trainer::task::Task;
use trainer::train::{train, TrainConfig};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut seed = 1;
    let mut tasks = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--seed" {
            seed = args.next().and_then(|s| s.parse().ok()).expect("--seed N");
        } else {
            tasks.push(arg.parse::<Task>().unwrap_or_else(|e| panic!("{e}")));
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
    let dir = std::env::temp_dir().join(format!("trainer-bench-{}", std::process::id()));
    println!(
        "| task | seed | wall s | train s | steps | float acc | fixed acc | agreement | bytes |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for task in tasks {
        let model = dir.join(format!("{task}.elsm"));
        let mut config = TrainConfig::new(task, &model);
        config.seed = seed;
        config.checkpoint_every = 0;
        let start = Instant::now();
        let trained = train(&config).expect("training runs");
        let wall = start.elapsed().as_secs_f64();
        let report = export(&trained.network, task, seed, 10_000, &model).expect("export runs");
        println!(
            "| {task} | {seed} | {wall:.2} | {:.2} | {} | {:.2}% | {:.2}% | {:.4}% | {} |{}",
            trained.train_seconds,
            trained.steps,
            report.float_accuracy * 100.0,
            report.fixed_accuracy * 100.0,
            report.agreement * 100.0,
            report.model_bytes,
            if trained.reached_target { "" } else { " (cap)" }
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
