//! Everyday use: train, eval, inspect and predict as a script and a user
//! see them.

use super::*;

#[test]
fn train_json_is_the_only_stdout_and_says_how_training_ended() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        succeeds(trainer(["train", "--eval-windows", "500", "--json", "--out"]).arg(dir.path()));
    let report = json(&out);
    let path = dir.path().join("echo-whole.elsm");
    assert_eq!(report["task"], "echo-whole");
    assert_eq!(report["target_reached"], true);
    assert_eq!(report["stop_reason"], "target_reached");
    assert_eq!(report["model_path"], path.to_str().unwrap());
    let fixed = report["fixed_accuracy"].as_f64().unwrap();
    assert!(
        (0.0..=1.0).contains(&fixed),
        "accuracies are fractions: {report}"
    );
    for key in [
        "float_accuracy",
        "agreement",
        "eval_windows",
        "steps",
        "params",
        "model_bytes",
    ] {
        assert!(report.get(key).is_some(), "missing {key} in {report}");
    }
    // Not a terminal: one progress line per held-out check.
    let err = stderr(&out);
    assert!(err.contains("echo-whole step 25/"), "{err}");
    assert!(err.contains("fixed accuracy  100.00%"), "{err}");

    // The plot: short ticks, the target and the stop marked.
    let svg = std::fs::read_to_string(dir.path().join("echo-whole.svg")).unwrap();
    assert!(svg.contains("target 100%"), "no target mark");
    assert!(svg.contains("stop at step"), "no stop mark");
    assert!(
        !svg.contains("0000000"),
        "a tick with a float's full expansion"
    );
    assert!(!svg.contains(".0<"), "a step tick like 150.0");
}

#[test]
fn predict_echoes_windows_from_arguments_and_stdin() {
    let out = succeeds(
        trainer(["predict"])
            .arg(model())
            .args(["3 1 4 1 5", "9,2,6,5,3"]),
    );
    assert_eq!(stdout(&out), "3 1 4 1 5\n9 2 6 5 3\n");
    let piped = with_stdin(
        trainer(["predict"]).arg(model()),
        b"3 1 4 1 5\r\n9 2 6 5 3\n",
    );
    assert_eq!(piped.stdout, out.stdout);
}

#[test]
fn a_linear_echo_answers_its_values_rounded() {
    // The committed echo-whole-linear model: one number per step in, a
    // regression value per step out, answered rounded, as eval scores it.
    let model =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/models/echo-whole-linear.elsm");
    let out = succeeds(trainer(["predict"]).arg(&model).arg("3 14 15 92 65"));
    assert_eq!(stdout(&out), "3 14 15 92 65\n");
    let out = succeeds(
        trainer(["predict", "--json"])
            .arg(&model)
            .arg("0 99 50 7 42"),
    );
    assert_eq!(
        json(&out)["predictions"],
        serde_json::json!([0.0, 99.0, 50.0, 7.0, 42.0])
    );
}

#[test]
fn vector_outputs_answer_the_whole_window_at_once() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/models");
    // Many-to-one: all 5 values from the last step.
    let vector = models.join("echo-whole-vector.elsm");
    let out = succeeds(trainer(["predict"]).arg(&vector).arg("3 14 15 92 65"));
    assert_eq!(stdout(&out), "3 14 15 92 65\n");
    let out = succeeds(
        trainer(["predict", "--json"])
            .arg(&vector)
            .arg("0 99 50 7 42"),
    );
    let answer = json(&out);
    assert_eq!(
        answer["predictions"],
        serde_json::json!([0.0, 99.0, 50.0, 7.0, 42.0])
    );
    // The top classes of each answer are classes of its own group.
    assert_eq!(answer["top"][1][0]["class"], 99);
    assert_eq!(answer["top"].as_array().unwrap().len(), 5);
    // One-to-one: the 5 values typed as they are, read as one step of
    // their one-hots side by side.
    let one_step = models.join("echo-whole-one-step.elsm");
    let out = succeeds(trainer(["predict"]).arg(&one_step).arg("3 14 15 92 65"));
    assert_eq!(stdout(&out), "3 14 15 92 65\n");
    let inspect = succeeds(trainer(["inspect"]).arg(&one_step));
    assert!(
        stdout(&inspect).contains("in 5 groups"),
        "{}",
        stdout(&inspect)
    );
}

#[test]
fn a_masked_model_takes_pad_steps() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/models");
    let out = succeeds(
        trainer(["predict"])
            .arg(models.join("echo-whole-masked.elsm"))
            .args(["pad pad 3 4 5", "pad pad pad pad 7"]),
    );
    let lines: Vec<Vec<String>> = stdout(&out)
        .lines()
        .map(|l| l.split(' ').map(String::from).collect())
        .collect();
    assert_eq!(lines[0][2..], ["3", "4", "5"]);
    assert_eq!(lines[1][4], "7");
    // A pad step answers from the state before it: the first ones alike.
    assert_eq!(lines[0][0], lines[0][1]);
    fails(
        trainer(["predict"])
            .arg(models.join("echo-whole.elsm"))
            .arg("pad 1 2 3 4"),
        1,
        "has no mask",
    );
}

#[test]
fn predict_json_lists_the_top_classes_of_every_step() {
    let out = succeeds(trainer(["predict", "--json"]).arg(model()).arg("3 1 4 1 5"));
    let window = json(&out);
    assert_eq!(
        window["predictions"],
        serde_json::json!([3.0, 1.0, 4.0, 1.0, 5.0])
    );
    let top = window["top"].as_array().unwrap();
    assert_eq!(top.len(), 5);
    let first = top[0].as_array().unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(first[0]["class"], 3);
    assert!(first[0]["logit"].as_f64().unwrap() >= first[1]["logit"].as_f64().unwrap());

    // The JSON answers are the plain ones, on a model that is often wrong.
    let windows = ["3 1 4 1 5", "9 2 6 5 3", "5 8 9 7 9", "0 0 0 0 0"];
    let plain = stdout(&succeeds(
        trainer(["predict"]).arg(weak_model()).args(windows),
    ));
    let json_lines = stdout(&succeeds(
        trainer(["predict", "--json"])
            .arg(weak_model())
            .args(windows),
    ));
    for (text, line) in plain.lines().zip(json_lines.lines()) {
        let window: serde_json::Value = serde_json::from_str(line).unwrap();
        let answers: Vec<String> = window["predictions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| format!("{}", v.as_f64().unwrap()))
            .collect();
        assert_eq!(answers.join(" "), text);
    }
}

#[test]
fn inspect_describes_the_file_as_text_and_json() {
    let out = succeeds(trainer(["inspect"]).arg(model()));
    let text = stdout(&out);
    assert!(
        text.contains("echo-whole") && text.contains("20 units"),
        "{text}"
    );
    let summary = json(&succeeds(trainer(["inspect", "--json"]).arg(model())));
    assert_eq!(summary["label"], "echo-whole");
    assert_eq!(summary["window"], 5);
    assert_eq!(summary["encoder"][0]["units"], 20);
    assert_eq!(summary["bytes"], std::fs::metadata(model()).unwrap().len());
}

#[test]
fn eval_breaks_accuracy_down_and_holds_a_bar() {
    let out = succeeds(trainer(["eval", "--eval-windows", "300", "--json"]).arg(model()));
    let report = json(&out);
    assert_eq!(report["eval_windows"], 300);
    assert_eq!(report["per_position"].as_array().unwrap().len(), 5);
    assert!(report["confused"].is_array());

    let out = succeeds(trainer(["eval", "--eval-windows", "300"]).arg(weak_model()));
    let text = stdout(&out);
    assert!(
        text.contains("by position") && text.contains("most confused"),
        "{text}"
    );
    assert!(
        text.contains(" as "),
        "a weak model confuses classes: {text}"
    );
    fails(
        trainer(["eval", "--eval-windows", "300", "--min-accuracy", "99"]).arg(weak_model()),
        3,
        "below --min-accuracy",
    );
}

#[test]
fn help_states_exit_codes_ranges_and_streaming() {
    let help = stdout(&succeeds(trainer(["train", "--help"])));
    for needle in [
        "Exit codes",
        "3  below the bar",
        "1 to 511",
        "1 to 100,000",
        "fractions",
    ] {
        assert!(help.contains(needle), "`{needle}` missing from: {help}");
    }
    let help = stdout(&succeeds(trainer(["predict", "--help"])));
    assert!(
        help.contains("fresh stream") && help.contains("65,536 bytes"),
        "{help}"
    );
}

#[test]
fn out_of_range_regression_inputs_are_named() {
    let out = succeeds(
        trainer(["predict"])
            .arg(univariate_model())
            .args(["70 80 90", "1000 80 90"]),
    );
    assert_eq!(stdout(&out).lines().count(), 2);
    let err = stderr(&out);
    assert!(err.contains("clipped") && err.contains("1000"), "{err}");
    assert!(
        !err.contains(" 80"),
        "only the clipped value is named: {err}"
    );
}

#[test]
fn compare_writes_its_table_plot_and_readme_section() {
    let dir = tempfile::tempdir().unwrap();
    let readme = dir.path().join("README.md");
    std::fs::write(
        &readme,
        "before\n<!-- trainer compare: begin -->\nold\n<!-- trainer compare: end -->\nafter\n",
    )
    .unwrap();
    let figures = dir.path().join("device.json");
    std::fs::write(
        &figures,
        r#"[{"target":"Cortex-M4","task":"echo-whole","instructions_per_record":70343,"ram_bytes":1548}]"#,
    )
    .unwrap();
    let out = succeeds(
        trainer(["compare", "--only", "echo-whole", "--out"])
            .arg(dir.path())
            .arg("--device")
            .arg(&figures)
            .arg("--readme")
            .arg(&readme),
    );
    let table = stdout(&out);
    assert!(
        table.contains("| echo-whole | `--task echo-whole` | 100.00% | 100.00% |"),
        "{table}"
    );
    assert!(table.contains("| 70,343 | 1,548 | yes |"), "{table}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compare.md")).unwrap(),
        table
    );
    let svg = std::fs::read_to_string(dir.path().join("compare.svg")).unwrap();
    assert!(
        svg.contains("echo-whole") && svg.contains("Cortex-M0 flash"),
        "{svg}"
    );
    let text = std::fs::read_to_string(&readme).unwrap();
    assert!(
        text.starts_with("before\n<!-- trainer compare: begin -->\n| variant |"),
        "{text}"
    );
    assert!(
        text.ends_with("<!-- trainer compare: end -->\nafter\n"),
        "{text}"
    );
    assert!(!text.contains("old"), "{text}");
    assert!(dir.path().join("models/echo-whole.elsm").exists());
}
