//! `trainer train --data`: a classifier of the user's own labelled
//! sequences (UEA/UCR `.ts` or CSV), exported to read raw values.

use super::*;

/// A `.ts` file of `cases` sequences of 2 channels and 5 to 12 steps, in 3
/// classes told apart by channel 0's level (around 100, 150 or 200 in raw
/// units, so only a normalised network learns it quickly) with small
/// noise; channel 1 is noise at a thousandth of the scale.
fn three_levels(cases: usize, seed: u64) -> String {
    let mut state = seed;
    let mut noise = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) as f32 - 0.5
    };
    let mut text = String::from(
        "# three levels\n@problemName ThreeLevels\n@timeStamps false\n@missing false\n\
         @univariate false\n@dimensions 2\n@equalLength false\n@classLabel true low mid high\n@data\n",
    );
    for i in 0..cases {
        let class = i % 3;
        let steps = 5 + (i * 7) % 8;
        let level = 100.0 + 50.0 * class as f32;
        let ch0: Vec<String> = (0..steps)
            .map(|_| format!("{}", level + 10.0 * noise()))
            .collect();
        let ch1: Vec<String> = (0..steps).map(|_| format!("{}", 0.1 * noise())).collect();
        let name = ["low", "mid", "high"][class];
        text.push_str(&format!("{}:{}:{name}\n", ch0.join(","), ch1.join(",")));
    }
    text
}

#[test]
fn a_ts_file_trains_a_masked_classifier_that_reads_raw_values() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (
        dir.path().join("levels_TRAIN.ts"),
        dir.path().join("levels_TEST.ts"),
    );
    std::fs::write(&train, three_levels(60, 1)).unwrap();
    std::fs::write(&test, three_levels(30, 2)).unwrap();
    let out = succeeds(
        trainer(["train", "--json", "--data"])
            .arg(&train)
            .arg("--test")
            .arg(&test)
            .arg("--out")
            .arg(dir.path()),
    );
    let report = json(&out);
    assert_eq!(report["float_accuracy"], 1.0, "{report}");
    assert_eq!(report["fixed_accuracy"], 1.0, "{report}");
    assert_eq!(report["agreement"], 1.0, "{report}");
    assert_eq!(report["eval_windows"], 30, "{report}");
    assert_eq!(report["masked"], true, "{report}");
    assert_eq!(report["max_steps"], 12, "{report}");
    assert_eq!(report["classes"], serde_json::json!(["low", "mid", "high"]));
    // 60 sequences, 20 a class; a fifth of each held out for validation.
    assert_eq!(report["class_counts"], serde_json::json!([16, 16, 16]));
    assert_eq!(report["validation_sequences"], 12);
    // Three runs by default, the best on the validation split kept.
    assert_eq!(report["restarts"], 3, "{report}");
    assert!(
        (1..=3).contains(&report["kept_run"].as_u64().unwrap()),
        "{report}"
    );
    let model = dir.path().join("levels.elsm");
    assert_eq!(report["model_path"], model.display().to_string());
    // The file reads raw values: its dense input is quantised from them,
    // and it names its classes.
    let inspect = stdout(&succeeds(trainer(["inspect"]).arg(&model)));
    assert!(inspect.contains("2 dense, raw values"), "{inspect}");
    assert!(inspect.contains("names   low, mid, high"), "{inspect}");

    // predict --data: one class name per sequence, in order.
    let predicted = stdout(&succeeds(
        trainer(["predict"]).arg(&model).arg("--data").arg(&test),
    ));
    let truth: Vec<&str> = (0..30).map(|i| ["low", "mid", "high"][i % 3]).collect();
    assert_eq!(predicted.lines().collect::<Vec<_>>(), truth);
    let first = stdout(&succeeds(
        trainer(["predict", "--json", "--float"])
            .arg(&model)
            .arg("--data")
            .arg(&test),
    ));
    let first: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert_eq!(first["labels"], serde_json::json!(["low"]), "{first}");
    assert_eq!(first["top"][0][0]["name"], "low", "{first}");

    // eval --data: the file's scores again, by the model's class names.
    let eval = json(&succeeds(
        trainer(["eval", "--json"])
            .arg(&model)
            .arg("--data")
            .arg(&test),
    ));
    assert_eq!(eval["fixed_accuracy"], 1.0, "{eval}");
    assert_eq!(eval["float_accuracy"], 1.0, "{eval}");
    assert_eq!(eval["eval_windows"], 30, "{eval}");

    // A class the model does not know, and a file of other channels, are
    // refused by name.
    let unknown = dir.path().join("other.ts");
    std::fs::write(&unknown, three_levels(3, 4).replace("high", "top")).unwrap();
    fails(
        trainer(["eval"]).arg(&model).arg("--data").arg(&unknown),
        1,
        "class \"top\" is not one of the model's (low, mid, high)",
    );
    let narrow = dir.path().join("narrow.ts");
    std::fs::write(
        &narrow,
        "@dimensions 1\n@classLabel true low\n@data\n1,2,3:low\n",
    )
    .unwrap();
    fails(
        trainer(["predict"]).arg(&model).arg("--data").arg(&narrow),
        1,
        "1 channels, the model reads 2",
    );
}

#[test]
fn without_a_test_file_a_fifth_of_each_class_is_held_out() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("levels.ts");
    std::fs::write(&train, three_levels(45, 3)).unwrap();
    let out = succeeds(
        trainer(["train", "--json", "--epochs", "5", "--data"])
            .arg(&train)
            .arg("--out")
            .arg(dir.path()),
    );
    let report = json(&out);
    // 15 a class: 3 each to the test split, then 2 each of the other 12 to
    // validation.
    assert_eq!(report["eval_windows"], 9, "{report}");
    assert_eq!(report["validation_sequences"], 6, "{report}");
    assert_eq!(report["class_counts"], serde_json::json!([10, 10, 10]));
}

#[test]
fn a_malformed_data_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ts");
    let mut text = three_levels(6, 1);
    text.push_str("1,2,x:3,4,5:low\n");
    std::fs::write(&bad, &text).unwrap();
    let line = text.lines().count();
    fails(
        trainer(["train", "--data"]).arg(&bad),
        1,
        &format!("line {line}"),
    );
    let unknown = dir.path().join("test.ts");
    std::fs::write(&unknown, three_levels(3, 2).replace(":low", ":lower")).unwrap();
    let good = dir.path().join("good.ts");
    std::fs::write(&good, three_levels(30, 1)).unwrap();
    fails(
        trainer(["train", "--data"])
            .arg(&good)
            .arg("--test")
            .arg(&unknown),
        1,
        "line",
    );
}

#[test]
fn empty_nan_and_non_regular_data_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.ts");
    std::fs::write(&empty, "").unwrap();
    fails(trainer(["train", "--data"]).arg(&empty), 1, "empty.ts");
    let nan = dir.path().join("nan.ts");
    let text = three_levels(6, 1).replacen("@data\n", "@data\nNaN,1:2,3:low\n", 1);
    let line = text.lines().position(|l| l.starts_with("NaN")).unwrap() + 1;
    std::fs::write(&nan, &text).unwrap();
    fails(
        trainer(["train", "--data"]).arg(&nan),
        1,
        &format!("line {line}"),
    );
    fails(
        trainer(["train", "--data"]).arg(dir.path()),
        1,
        "not a regular file",
    );
    let fifo = dir.path().join("fifo.ts");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    fails(
        trainer(["train", "--data"]).arg(&fifo),
        1,
        "not a regular file",
    );
    // predict and eval read data files through the same checks.
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/models/basic-motions.elsm");
    for command in ["predict", "eval"] {
        fails(
            trainer([command]).arg(&model).arg("--data").arg(&fifo),
            1,
            "not a regular file",
        );
        fails(
            trainer([command]).arg(&model).arg("--data").arg(&nan),
            1,
            &format!("line {line}"),
        );
        fails(
            trainer([command]).arg(&model).arg("--data").arg(&empty),
            1,
            "empty.ts",
        );
    }
}

#[test]
fn japanese_vowels_reach_the_published_accuracy() {
    // The UEA archive's JapaneseVowels (12 channels, 7 to 29 steps, 9
    // speakers): published deep-learning baselines reach 96 to 99%.
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/uea");
    let dir = tempfile::tempdir().unwrap();
    let out = succeeds(
        trainer(["train", "--json", "--data"])
            .arg(data.join("JapaneseVowels_TRAIN.ts"))
            .arg("--test")
            .arg(data.join("JapaneseVowels_TEST.ts"))
            .arg("--out")
            .arg(dir.path()),
    );
    let report = json(&out);
    assert_eq!(report["eval_windows"], 370, "{report}");
    assert!(
        report["float_accuracy"].as_f64().unwrap() >= 0.96,
        "{report}"
    );
    assert!(report["agreement"].as_f64().unwrap() >= 0.995, "{report}");
}
