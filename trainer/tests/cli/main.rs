//! The `trainer` binary end to end. Every command runs under a 2 GiB
//! address-space limit and a time limit, so an unbounded read or a hang
//! fails the test, not the machine; each case asserts the exit code and a
//! fragment of the message.

mod data;
mod everyday;
mod gru;
mod hostile;

use std::borrow::BorrowMut;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// Address space a command may use (KiB, for `ulimit -v`): 2 GiB.
const MEMORY_KIB: u32 = 2 << 20;
/// Seconds a command may run.
const SECONDS: u32 = 120;

/// A training run that stops long before its target, in well under a second.
pub const QUICK_TRAIN: [&str; 5] = ["train", "--max-steps", "5", "--eval-windows", "100"];

/// The trainer, under the memory and time limits, with `args`.
pub fn trainer<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_KIB} && exec timeout {SECONDS} \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_trainer"))
        .args(args)
        .stdin(Stdio::null());
    cmd
}

/// Runs `cmd` with `input` on its standard input.
pub fn with_stdin(mut cmd: impl BorrowMut<Command>, input: &[u8]) -> Output {
    let mut child = cmd
        .borrow_mut()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails early closes its input: a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

/// Runs `cmd`.
pub fn output(mut cmd: impl BorrowMut<Command>) -> Output {
    cmd.borrow_mut().output().unwrap()
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts `cmd` exits with `code` and says `needle` on stderr; returns its output.
pub fn fails(cmd: impl BorrowMut<Command>, code: i32, needle: &str) -> Output {
    expect(output(cmd), code, needle)
}

/// Asserts `out` exited with `code` and says `needle` on stderr.
pub fn expect(out: Output, code: i32, needle: &str) -> Output {
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code} with `{needle}`; stderr: {err}"
    );
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "a panic: {err}"
    );
    assert!(err.len() < 4096, "an overlong message: {} bytes", err.len());
    out
}

/// Asserts `cmd` succeeds; returns its output.
pub fn succeeds(cmd: impl BorrowMut<Command>) -> Output {
    let out = output(cmd);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

/// The single JSON object a `--json` command printed on stdout.
pub fn json(out: &Output) -> serde_json::Value {
    let text = stdout(out);
    assert_eq!(
        text.lines().count(),
        1,
        "stdout holds more than JSON: {text}"
    );
    serde_json::from_str(&text).unwrap()
}

/// A model trained once for the whole suite: `steps` updates of `task`.
fn trained(
    cell: &'static OnceLock<(tempfile::TempDir, PathBuf)>,
    task: &str,
    steps: &str,
) -> &'static Path {
    let (_, path) = cell.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{task}.elsm"));
        let out = output(trainer([
            "train",
            "--task",
            task,
            "--max-steps",
            steps,
            "--eval-windows",
            "500",
            "--out",
            path.to_str().unwrap(),
        ]));
        assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
        (dir, path)
    });
    path
}

/// An echo-whole model that reaches 100% (trained to its target).
pub fn model() -> &'static Path {
    static MODEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    trained(&MODEL, "echo-whole", "400")
}

/// An echo-whole model stopped after 10 updates: far from its target.
pub fn weak_model() -> &'static Path {
    static MODEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    trained(&MODEL, "echo-whole", "10")
}

/// A univariate (dense input, regression) model.
pub fn univariate_model() -> &'static Path {
    static MODEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    trained(&MODEL, "univariate", "2000")
}
