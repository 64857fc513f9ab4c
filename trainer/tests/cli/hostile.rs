//! Hostile use: every input that once crashed the binary, ate the
//! machine's memory or exited 0 on bad input, and its class.

use std::fs;

use super::*;

#[test]
fn numeric_flags_are_checked_before_any_work() {
    let usage = |args: &[&str], needle: &str| fails(trainer(args), 2, needle);
    usage(&["train", "--eval-windows", "0"], "1 to 100000");
    usage(&["train", "--eval-windows", "4e9"], "not a whole number");
    usage(&["train", "--quick-windows", "0"], "out of range");
    usage(&["train", "--units", "100000"], "1 to 511");
    usage(&["train", "--units", "0"], "1 to 511");
    usage(&["train", "--batch", "1e8"], "not a whole number");
    usage(&["train", "--batch", "100000000"], "1 to 4096");
    usage(&["train", "--layers", "1000"], "1 to 4");
    usage(&["train", "--max-steps", "0"], "out of range");
    usage(&["train", "--eval-every", "0"], "out of range");
    for lr in ["NaN", "inf", "-inf", "-1", "0"] {
        usage(&["train", &format!("--lr={lr}")], "--lr");
    }
    usage(&["train", "--target", "0"], "percentage");
    usage(&["train", "--target", "100.5"], "percentage");
    usage(&["train", "--target", "NaN"], "not a finite number");
    usage(&["train", "--margin=-1"], "at least 0");
    usage(
        &["train", "--task", "echo-lag", "--bidirectional"],
        "cannot be --bidirectional",
    );
    usage(
        &[
            "train",
            "--units",
            "300",
            "--layers",
            "2",
            "--bidirectional",
        ],
        "511 columns",
    );
    usage(
        &[
            "train", "--task", "echo-lag", "--units", "511", "--batch", "4096",
        ],
        "lower --batch",
    );
    usage(&["eval", "--eval-windows", "0", "m.elsm"], "out of range");
    usage(&["eval", "--min-accuracy", "101", "m.elsm"], "percentage");
    let long = "x".repeat(100_000);
    let out = usage(&["train", "--task", &long], "unknown task");
    assert!(stderr(&out).len() < 1000, "the task name is echoed whole");
}

#[test]
fn special_and_huge_files_fail_fast() {
    for cmd in ["inspect", "eval", "predict"] {
        fails(trainer([cmd, "/dev/zero"]), 1, "not a regular file");
    }
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    fails(trainer(["inspect"]).arg(&fifo), 1, "not a regular file");
    fails(trainer(["eval"]).arg(dir.path()), 1, "is a directory");
    fails(
        trainer(["eval"]).arg(dir.path().join("missing")),
        1,
        "cannot read model file",
    );

    // 100 MB of zeros: refused at the magic, not read whole.
    let zeros = dir.path().join("zeros.elsm");
    fs::File::create(&zeros)
        .unwrap()
        .set_len(100 << 20)
        .unwrap();
    fails(trainer(["inspect"]).arg(&zeros), 1, "not a model file");
    // The magic, then more than any model: refused by its size.
    let huge = dir.path().join("huge.elsm");
    fs::write(&huge, b"ELSM\x02\x00").unwrap();
    fs::OpenOptions::new()
        .write(true)
        .open(&huge)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    fails(
        trainer(["eval"]).arg(&huge),
        1,
        "larger than any model file",
    );
}

#[test]
fn corrupt_and_foreign_models_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = fs::read(model()).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0x55;
    let corrupt = dir.path().join("corrupt.elsm");
    fs::write(&corrupt, &bytes).unwrap();
    fails(trainer(["eval"]).arg(&corrupt), 1, "corrupt");

    let mut bytes = fs::read(model()).unwrap();
    bytes[4] = 0xff;
    let future = dir.path().join("future.elsm");
    fs::write(&future, &bytes).unwrap();
    fails(trainer(["inspect"]).arg(&future), 1, "newer");

    // A label that would drive the terminal is printed escaped.
    let bytes = fs::read(model()).unwrap();
    let loaded = infer_nostd::Model::from_bytes(&bytes).unwrap();
    let mut desc = infer_host::describe(&loaded);
    desc.label = "evil\u{1b}[31mred\u{7}";
    let evil = dir.path().join("evil.elsm");
    fs::write(&evil, infer_host::file::to_file_bytes(&desc).unwrap()).unwrap();
    let out = succeeds(trainer(["inspect"]).arg(&evil));
    let text = stdout(&out);
    assert!(
        !text.contains('\u{1b}') && text.contains("evil\\u{1b}[31mred"),
        "{text}"
    );
    fails(trainer(["eval"]).arg(&evil), 1, "names no task");
}

#[test]
fn predict_input_is_bounded_and_every_line_answered_or_refused() {
    // An endless line: refused after 64 KiB, not read into memory.
    let zeros = output(
        trainer(["predict"])
            .arg(model())
            .stdin(fs::File::open("/dev/zero").unwrap()),
    );
    expect(zeros, 1, "line 1 is longer than 65536 bytes");
    let long = format!("{}\n", "1 ".repeat(200_000));
    expect(
        with_stdin(trainer(["predict"]).arg(model()), long.as_bytes()),
        1,
        "longer than",
    );

    // A blank line is an error naming it, after the lines before it.
    let out = expect(
        with_stdin(
            trainer(["predict"]).arg(model()),
            b"1 2 3 4 5\n\n3 4 5 6 7\n",
        ),
        1,
        "window 2: empty window",
    );
    assert_eq!(stdout(&out), "1 2 3 4 5\n");
    let predict = |window: &str, needle: &str| {
        fails(trainer(["predict"]).arg(model()).arg(window), 1, needle)
    };
    predict("", "empty window");
    predict("3.5 1 2 3 4", "not an integer");
    predict("1 2 3 4 100", "out of range");
    predict("1 2 3", "wrong window length");
    predict("1 2 x 4 5", "not a number");
    predict(&format!("1 2 3 4 {}", "9".repeat(50_000)), "not a number");
    predict(&"1 ".repeat(5000), "more than 4096 values");
    expect(
        with_stdin(trainer(["predict"]).arg(model()), b"1 2 \xff 4 5\n"),
        1,
        "not UTF-8",
    );
}

#[test]
fn a_diverging_run_stops_at_its_first_non_finite_loss() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("u.elsm");
    fails(
        trainer(["train", "--task", "univariate", "--lr=1e9", "--out"]).arg(&out),
        4,
        "try a lower --lr",
    );
    assert!(!out.exists(), "a diverged run writes no model");
    let log = fs::read_to_string(dir.path().join("u.metrics.jsonl")).unwrap();
    assert!(!log.is_empty());
    for line in log.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
}

#[test]
fn out_paths_are_checked_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("afile");
    fs::write(&blocker, b"").unwrap();
    let quick = [&QUICK_TRAIN[..], &["--out"]].concat();
    fails(
        trainer(&quick).arg(blocker.join("m.elsm")),
        1,
        "is a file, not a directory",
    );
    fails(
        trainer(&quick).arg(blocker.join("sub/m.elsm")),
        1,
        "is a file, not a directory",
    );

    // A directory (existing, or new with a trailing slash) receives TASK.elsm.
    let existing = dir.path().join("existing.elsm");
    fs::create_dir(&existing).unwrap();
    expect(output(trainer(&quick).arg(&existing)), 3, "wrote");
    assert!(existing.join("echo-whole.elsm").exists());
    assert!(existing.join("echo-whole.svg").exists());
    let mut slash = dir.path().join("new").into_os_string();
    slash.push("/");
    expect(output(trainer(&quick).arg(&slash)), 3, "wrote");
    assert!(dir.path().join("new/echo-whole.metrics.jsonl").exists());
}

#[test]
fn a_run_that_misses_its_target_keeps_a_good_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.elsm");
    fs::copy(model(), &path).unwrap();
    let good = fs::read(&path).unwrap();
    let quick = [&QUICK_TRAIN[..], &["--json", "--out"]].concat();
    let out = expect(output(trainer(&quick).arg(&path)), 3, "kept the existing");
    let report = json(&out);
    assert_eq!(report["target_reached"], false);
    assert_eq!(report["stop_reason"], "step_cap");
    assert!(report["model_path"].is_null());
    assert_eq!(fs::read(&path).unwrap(), good);

    let out = expect(
        output(trainer(&quick).arg(&path).arg("--force")),
        3,
        "wrote",
    );
    assert_eq!(json(&out)["model_path"], path.to_str().unwrap());
    assert_ne!(fs::read(&path).unwrap(), good);
}

#[test]
fn checkpoints_of_another_run_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.elsm");
    let args = |task: &str| {
        let mut cmd = trainer([
            "train",
            "--task",
            task,
            "--max-steps",
            "10",
            "--checkpoint-every",
            "5",
            "--eval-windows",
            "100",
            "--out",
        ]);
        cmd.arg(&path);
        cmd
    };
    expect(
        output(args("echo-whole").arg("--resume")),
        3,
        "no checkpoint in",
    );
    fails(
        args("echo-index").arg("--resume"),
        1,
        "was made for echo-whole",
    );
    fs::write(dir.path().join("m.ckpt/position.json"), b"{garbage").unwrap();
    fails(args("echo-whole").arg("--resume"), 1, "position.json");
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    let input = "1 2 3 4 5\n".repeat(50_000);
    let mut child = trainer(["predict"])
        .arg(model())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away at once, as `| head -1` does after a line.
    drop(child.stdout.take());
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    expect(out, 0, "");
}

#[test]
fn a_model_labelled_for_another_task_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/models");
    for entry in fs::read_dir(models).unwrap() {
        let bytes = fs::read(entry.unwrap().path()).unwrap();
        let loaded = infer_nostd::Model::from_bytes(&bytes).unwrap();
        for task in trainer::task::Task::names() {
            let mut desc = infer_host::describe(&loaded);
            desc.label = &task;
            let path = dir.path().join("relabelled.elsm");
            fs::write(&path, infer_host::file::to_file_bytes(&desc).unwrap()).unwrap();
            let out = output(trainer(["eval", "--eval-windows", "20"]).arg(&path));
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 1 | 3)),
                "{task} on {}: {code:?} {}",
                loaded.label(),
                stderr(&out)
            );
            expect(out, code.unwrap_or(-1), "");
        }
    }
}

#[test]
fn compare_refuses_bad_figures_and_readmes_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let compare = |extra: &[&std::ffi::OsStr]| {
        let mut cmd = trainer(["compare", "--only", "echo-whole", "--out"]);
        cmd.arg(d).args(extra);
        cmd
    };
    fails(
        trainer(["compare", "--only", "nothing"])
            .arg("--out")
            .arg(d),
        1,
        "--only names no variant",
    );
    fails(
        compare(&["--device".as_ref(), "/dev/zero".as_ref()]),
        1,
        "not a regular file",
    );
    let garbage = d.join("garbage.json");
    fs::write(&garbage, b"{ not json").unwrap();
    fails(
        compare(&["--device".as_ref(), garbage.as_os_str()]),
        1,
        "not the device benchmark's JSON",
    );
    let big = d.join("big.json");
    fs::File::create(&big).unwrap().set_len(5 << 20).unwrap();
    fails(
        compare(&["--device".as_ref(), big.as_os_str()]),
        1,
        "larger than any",
    );
    let plain = d.join("plain.md");
    fs::write(&plain, b"# no markers\n").unwrap();
    fails(
        compare(&["--readme".as_ref(), plain.as_os_str()]),
        1,
        "no `<!-- trainer compare",
    );
    assert_eq!(fs::read(&plain).unwrap(), b"# no markers\n");
}
