//! The command line end to end: train, eval, inspect, predict, and clear
//! errors with a non-zero exit for bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

fn trainer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trainer"))
}

/// The JSON line ending the output of a successful `--json` run.
fn last_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

/// One small echo-whole model, trained once for every test here.
fn model() -> &'static Path {
    static MODEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = MODEL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("echo-whole.elsm");
        let out = trainer()
            .args([
                "train",
                "--max-steps",
                "200",
                "--eval-windows",
                "500",
                "--json",
                "--out",
            ])
            .arg(&path)
            .output()
            .unwrap();
        let json = last_json(&out);
        for key in [
            "task",
            "float_accuracy",
            "fixed_accuracy",
            "agreement",
            "eval_windows",
            "steps",
            "train_seconds",
            "params",
            "model_bytes",
        ] {
            assert!(json.get(key).is_some(), "missing {key} in {json}");
        }
        assert_eq!(json["task"], "echo-whole");
        assert!(dir.path().join("echo-whole.svg").exists());
        assert!(dir.path().join("echo-whole.metrics.jsonl").exists());
        (dir, path)
    });
    path
}

fn fails_with(out: Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected failure, got success");
    assert!(stderr.contains(needle), "expected `{needle}` in: {stderr}");
}

#[test]
fn predict_echoes_windows_from_arguments_and_stdin() {
    let out = trainer()
        .arg("predict")
        .arg(model())
        .args(["3 1 4 1 5", "9,2,6,5,3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 2);
    assert_eq!(stdout.lines().next().unwrap().split(' ').count(), 5);

    let mut child = trainer()
        .arg("predict")
        .arg(model())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"3 1 4 1 5\n9 2 6 5 3\n")
        .unwrap();
    let piped = child.wait_with_output().unwrap();
    assert_eq!(piped.stdout, out.stdout);
}

#[test]
fn eval_and_inspect_describe_the_file() {
    let out = trainer()
        .arg("eval")
        .arg(model())
        .args(["--eval-windows", "300", "--json"])
        .output()
        .unwrap();
    assert_eq!(last_json(&out)["eval_windows"], 300);

    let out = trainer().arg("inspect").arg(model()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.contains("echo-whole") && stdout.contains("20 units"),
        "{stdout}"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    fails_with(
        trainer()
            .args(["train", "--task", "echo-nothing"])
            .output()
            .unwrap(),
        "unknown task",
    );
    fails_with(
        trainer()
            .arg("predict")
            .arg(model())
            .arg("1 2 3 4 100")
            .output()
            .unwrap(),
        "out of range",
    );
    fails_with(
        trainer()
            .arg("predict")
            .arg(model())
            .arg("1 2 3")
            .output()
            .unwrap(),
        "wrong window length",
    );
    fails_with(
        trainer()
            .arg("predict")
            .arg(model())
            .arg("1 2 x 4 5")
            .output()
            .unwrap(),
        "not a number",
    );

    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(model()).unwrap();
    let corrupt = dir.path().join("corrupt.elsm");
    let last = bytes.len() - 10;
    bytes[last] ^= 0x55;
    std::fs::write(&corrupt, &bytes).unwrap();
    fails_with(
        trainer().arg("eval").arg(&corrupt).output().unwrap(),
        "corrupt",
    );

    let mut bytes = std::fs::read(model()).unwrap();
    bytes[4] = 0xff;
    let future = dir.path().join("future.elsm");
    std::fs::write(&future, &bytes).unwrap();
    fails_with(
        trainer().arg("inspect").arg(&future).output().unwrap(),
        "newer",
    );

    fails_with(
        trainer()
            .arg("eval")
            .arg(dir.path().join("missing.elsm"))
            .output()
            .unwrap(),
        "cannot read model file",
    );
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"").unwrap();
    fails_with(
        trainer()
            .args(["train", "--max-steps", "1", "--out"])
            .arg(blocker.join("m.elsm"))
            .output()
            .unwrap(),
        "cannot create output directory",
    );
}
