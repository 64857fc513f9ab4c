//! Checkpoints: a resumed run continues exactly, and a killed run resumes.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use infer_nostd::format::Cell;
use trainer::export::float_model;
use trainer::metrics;
use trainer::task::{Echo, Task};
use trainer::train::train;

/// A run of `cell` layers stopped at 10 updates and resumed to 20 ends
/// where a run of 20 does.
fn resuming_reproduces_the_uninterrupted_run_of(cell: Cell) {
    let task = Task::from(Echo::Whole);
    let straight_dir = tempfile::tempdir().unwrap();
    let straight = train(&common::small_config(task, cell, straight_dir.path(), 20)).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut config = common::small_config(task, cell, dir.path(), 10);
    config.checkpoint_every = 10;
    train(&config).unwrap();
    config.max_steps = 20;
    config.eval_every = 20;
    config.resume = true;
    let resumed = train(&config).unwrap();

    assert_eq!(resumed.resumed_from, Some(10));
    assert_eq!(resumed.steps, 20);
    let a = float_model(&straight.network, "a", 5);
    let b = float_model(&resumed.network, "a", 5);
    assert_eq!(b.encoder[0].cell, cell);
    let close = |x: &[f32], y: &[f32]| x.iter().zip(y).all(|(p, q)| (p - q).abs() < 1e-5);
    assert!(close(&a.head_weights, &b.head_weights));
    assert!(close(
        &a.encoder[0].forward.recurrent,
        &b.encoder[0].forward.recurrent
    ));
    assert!(close(
        &a.encoder[0].forward.bias,
        &b.encoder[0].forward.bias
    ));
    let steps: Vec<usize> = metrics::read(&config.metrics_path)
        .unwrap()
        .iter()
        .map(|r| r.step)
        .collect();
    assert_eq!(steps, (1..=20).collect::<Vec<_>>());
}

#[test]
fn resuming_reproduces_the_uninterrupted_run() {
    resuming_reproduces_the_uninterrupted_run_of(Cell::Lstm);
}

#[test]
fn resuming_a_gru_reproduces_the_uninterrupted_run() {
    resuming_reproduces_the_uninterrupted_run_of(Cell::Gru);
}

#[test]
fn a_checkpoint_of_the_other_cell_is_refused() {
    let task = Task::from(Echo::Whole);
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::small_config(task, Cell::Lstm, dir.path(), 10);
    config.checkpoint_every = 10;
    train(&config).unwrap();
    let mut gru = common::small_config(task, Cell::Gru, dir.path(), 20);
    gru.resume = true;
    let err = format!(
        "{:#}",
        train(&gru).err().expect("an LSTM checkpoint refused")
    );
    assert!(
        err.contains("LSTM 20") && err.contains("not echo-whole (one-hot 100, GRU 20"),
        "{err}"
    );
    // A checkpoint from before the network was recorded: its tensors do
    // not fit a GRU, and it is refused as clearly (not a panic).
    let position = config.checkpoint_dir.join("position.json");
    let mut at: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&position).unwrap()).unwrap();
    at["network"] = serde_json::json!("");
    std::fs::write(&position, at.to_string()).unwrap();
    let err = format!(
        "{:#}",
        train(&gru).err().expect("an LSTM checkpoint refused")
    );
    assert!(err.contains("made for another network"), "{err}");
}

#[test]
fn a_killed_run_resumes_from_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.elsm");
    let position = dir.path().join("m.ckpt").join("position.json");
    let args = |max_steps: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_trainer"));
        cmd.args(["train", "--task", "echo-whole", "--seed", "3", "--out"])
            .arg(&model)
            .args(["--max-steps", max_steps, "--eval-every", "1000000"])
            .args([
                "--checkpoint-every",
                "10",
                "--quick-windows",
                "100",
                "--eval-windows",
                "100",
            ]);
        cmd
    };
    let mut child = args("1000000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !position.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no checkpoint written"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!model.exists(), "a killed run must not leave a model file");

    let at: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&position)
            .or_else(|_| std::fs::read_to_string(dir.path().join("m.ckpt.old/position.json")))
            .unwrap(),
    )
    .unwrap();
    let saved = at["steps"].as_u64().unwrap();
    assert!(saved >= 10);
    let target = (saved + 10).to_string();
    let out = args(&target).arg("--resume").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The step cap comes before the target: exit code 3, model written.
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("resumed from step {saved}")),
        "{stderr}"
    );
    assert!(model.exists());
    let records = metrics::read(&dir.path().join("m.metrics.jsonl")).unwrap();
    let steps: Vec<u64> = records.iter().map(|r| r.step as u64).collect();
    assert_eq!(steps, (1..=saved + 10).collect::<Vec<_>>());
}
