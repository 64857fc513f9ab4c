//! `--cell gru`: a GRU network trains, exports, verifies, inspects,
//! evaluates and predicts as an LSTM one does.

use super::*;

/// Trains `task` as a GRU (2,000 verification windows) into `dir`; returns
/// the JSON report and the model's path.
fn train_gru(task: &str, dir: &Path) -> (serde_json::Value, PathBuf) {
    let out = succeeds(
        trainer([
            "train",
            "--task",
            task,
            "--cell",
            "gru",
            "--eval-windows",
            "2000",
            "--json",
            "--out",
        ])
        .arg(dir),
    );
    (json(&out), dir.join(format!("{task}.elsm")))
}

#[test]
fn a_gru_echo_whole_is_right_in_float_and_fixed_point() {
    let dir = tempfile::tempdir().unwrap();
    let (report, model) = train_gru("echo-whole", dir.path());
    assert_eq!(report["target_reached"], true, "{report}");
    assert_eq!(report["float_accuracy"], 1.0, "{report}");
    let fixed = report["fixed_accuracy"].as_f64().unwrap();
    assert!(fixed >= 0.9999, "{report}");
    assert_eq!(report["eval_windows"], 2000);

    let out = succeeds(trainer(["predict"]).arg(&model).arg("3 1 4 1 5"));
    assert_eq!(stdout(&out), "3 1 4 1 5\n");
    let text = stdout(&succeeds(trainer(["inspect"]).arg(&model)));
    assert!(
        text.contains("encoder layer 0: GRU 20 units, tanh;") && !text.contains("LSTM"),
        "{text}"
    );
    let summary = json(&succeeds(trainer(["inspect", "--json"]).arg(&model)));
    assert_eq!(summary["encoder"][0]["cell"], "gru");
    assert!(
        summary["encoder"][0].get("cell_frac").is_none(),
        "{summary}"
    );
    // eval counts the network's parameters as train does.
    let eval = json(&succeeds(
        trainer(["eval", "--eval-windows", "500", "--json"]).arg(&model),
    ));
    assert_eq!(eval["params"], report["params"]);
}

#[test]
fn a_gru_univariate_is_tanh_and_predicts_about_100() {
    let dir = tempfile::tempdir().unwrap();
    let (report, model) = train_gru("univariate", dir.path());
    assert_eq!(report["target_reached"], true, "{report}");
    let out = succeeds(trainer(["predict"]).arg(&model).arg("70 80 90"));
    let answer: f32 = stdout(&out).trim().parse().unwrap();
    assert!((answer - 100.0).abs() <= 1.0, "70 80 90 -> {answer}");
    let text = stdout(&succeeds(trainer(["inspect"]).arg(&model)));
    assert!(text.contains("GRU 50 units, tanh;"), "{text}");
}

#[test]
fn the_cell_is_checked_and_a_checkpoint_of_the_other_cell_refused() {
    fails(trainer(["train", "--cell", "rnn"]), 2, "lstm, gru");
    let help = stdout(&succeeds(trainer(["train", "--help"])));
    assert!(
        help.contains("--cell") && help.contains("tanh GRU"),
        "{help}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.elsm");
    let args = |cell: &str| {
        let mut cmd = trainer([
            "train",
            "--cell",
            cell,
            "--max-steps",
            "10",
            "--checkpoint-every",
            "5",
            "--eval-windows",
            "100",
            "--force",
            "--out",
        ]);
        cmd.arg(&path);
        cmd
    };
    expect(output(args("lstm")), 3, "wrote");
    fails(
        args("gru").arg("--resume"),
        1,
        "was made for echo-whole (one-hot 100, LSTM 20",
    );
    // A GRU's checkpoint resumes as a GRU.
    expect(output(args("gru")), 3, "wrote");
    let out = expect(
        output(args("gru").arg("--resume")),
        3,
        "resumed from step 10",
    );
    assert!(stderr(&out).contains("wrote"));
}
