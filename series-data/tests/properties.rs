//! Property tests: no input makes a reader panic (and what they accept
//! keeps its shapes), and datasets written as `.ts` or CSV text read back
//! equal.

use std::collections::HashMap;

use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use series_data::{read_csv_sequences, read_csv_series, read_ts, Dataset, Sequence, Series};

/// Checks what a reader returned keeps the documented shapes.
fn check_dataset(d: &Dataset) {
    assert!(d.channels >= 1);
    assert!(!d.sequences.is_empty());
    for s in &d.sequences {
        assert!(s.steps >= 1);
        assert_eq!(s.values.len(), s.steps * d.channels);
        assert!(s.values.iter().all(|v| v.is_finite()));
        match s.label {
            Some(l) => assert!((l as usize) < d.class_names.len()),
            None => assert!(d.class_names.is_empty()),
        }
    }
}

fn check_series(s: &Series) {
    assert!(!s.names.is_empty());
    assert_eq!(s.values.len() % s.names.len(), 0);
    assert!(s.values.len() / s.names.len() >= 2);
    assert!(s.values.iter().all(|v| v.is_finite()));
}

/// Runs all three readers on `text`.
fn read_all(text: &str) {
    if let Ok(d) = read_ts(text) {
        check_dataset(&d);
    }
    if let Ok(d) = read_csv_sequences(text) {
        check_dataset(&d);
        assert_eq!(d.channels, 1);
    }
    if let Ok(s) = read_csv_series(text) {
        check_series(&s);
    }
}

/// Text made mostly of the formats' own pieces, so inputs get past the
/// first checks.
fn format_noise() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("@data\n".to_string()),
        Just("@classLabel true a b\n".to_string()),
        Just("@classLabel false\n".to_string()),
        Just("@dimensions 2\n".to_string()),
        Just("@univariate true\n".to_string()),
        Just("@equalLength true\n".to_string()),
        Just("@seriesLength 3\n".to_string()),
        Just("#c\n".to_string()),
        "[0-9]{1,3}",
        "[-.,:?\t\n\r\"e ]",
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("a".to_string()),
        Just("b".to_string()),
        Just("1949-01".to_string()),
    ];
    vec(piece, 0..80).prop_map(|pieces| pieces.concat())
}

fn finite() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("finite", |v| v.is_finite())
}

/// Names that read as words, never as numbers (`nan`, `inf` excluded).
fn word() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_.-]{0,5}".prop_filter("a word", |w| w.parse::<f32>().is_err())
}

/// A dataset: 1 to 4 channels (1 when `univariate`), 1 to 5 sequences of
/// 1 to 6 steps (all the same when `equal`), 0 (unlabelled) to 3 classes.
fn dataset(univariate: bool) -> impl Strategy<Value = Dataset> {
    let channels = if univariate { 1..=1usize } else { 1..=4usize };
    let labelled = if univariate { 1..=3usize } else { 0..=3usize };
    (channels, labelled, any::<bool>(), 1..=6usize)
        .prop_flat_map(|(channels, classes, equal, len)| {
            let steps = if equal {
                Just(len).boxed()
            } else {
                (1..=6usize).boxed()
            };
            let sequence = (steps, 0..classes.max(1) as u32)
                .prop_flat_map(move |(steps, label)| {
                    (vec(finite(), steps * channels), Just(steps), Just(label))
                })
                .prop_map(move |(values, steps, label)| Sequence {
                    steps,
                    values,
                    label: (classes > 0).then_some(label),
                });
            let names = btree_set("[A-Za-z0-9][A-Za-z0-9_.-]{0,5}", classes..=classes);
            (Just(channels), vec(sequence, 1..=5), names)
        })
        .prop_map(|(channels, sequences, names)| Dataset {
            channels,
            sequences,
            class_names: names.into_iter().collect(),
        })
}

/// The dataset in `.ts` text, with `{}`-formatted values, a comment or a
/// blank line after a case when `noise` says so.
fn to_ts(d: &Dataset, noise: &[bool]) -> String {
    let equal = d.equal_length();
    let mut t = format!(
        "# written by the round-trip test\n@problemName Prop\n@timeStamps false\n\
         @missing false\n@univariate {}\n@dimensions {}\n@equalLength {equal}\n",
        d.channels == 1,
        d.channels
    );
    if equal {
        t += &format!("@seriesLength {}\n", d.max_steps());
    }
    if d.class_names.is_empty() {
        t += "@classLabel false\n";
    } else {
        t += &format!("@classLabel true {}\n", d.class_names.join(" "));
    }
    t += "@data\n";
    for (i, s) in d.sequences.iter().enumerate() {
        let dims: Vec<String> = (0..d.channels)
            .map(|c| {
                let dim: Vec<String> = (0..s.steps)
                    .map(|step| format!("{}", s.values[step * d.channels + c]))
                    .collect();
                dim.join(",")
            })
            .collect();
        t += &dims.join(":");
        if let Some(l) = s.label {
            t += &format!(":{}", d.class_names[l as usize]);
        }
        t += "\n";
        if noise.get(i).copied().unwrap_or(false) {
            t += if i % 2 == 0 {
                "\n"
            } else {
                "# between cases\n"
            };
        }
    }
    t
}

/// The values' bit patterns, to compare `-0` and `0` apart.
fn bits(d: &Dataset) -> Vec<Vec<u32>> {
    d.sequences
        .iter()
        .map(|s| s.values.iter().map(|v| v.to_bits()).collect())
        .collect()
}

/// The same dataset with classes numbered by first appearance, as a CSV
/// file's are.
fn by_first_appearance(d: &Dataset) -> Dataset {
    let mut order: HashMap<u32, u32> = HashMap::new();
    let mut names = Vec::new();
    let mut out = d.clone();
    for s in &mut out.sequences {
        let old = s.label.unwrap();
        let next = order.len() as u32;
        let new = *order.entry(old).or_insert_with(|| {
            names.push(d.class_names[old as usize].clone());
            next
        });
        s.label = Some(new);
    }
    out.class_names = names;
    out
}

proptest! {
    #[test]
    fn no_bytes_panic_a_reader(bytes in vec(any::<u8>(), 0..512)) {
        read_all(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn no_string_panics_a_reader(text in any::<String>()) {
        read_all(&text);
    }

    #[test]
    fn no_format_like_text_panics_a_reader(text in format_noise()) {
        read_all(&text);
    }

    #[test]
    fn ts_round_trips(d in dataset(false), noise in vec(any::<bool>(), 5)) {
        let text = to_ts(&d, &noise);
        let back = read_ts(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &d);
        prop_assert_eq!(bits(&back), bits(&d));
    }

    #[test]
    fn csv_sequences_round_trip(
        d in dataset(true),
        header in any::<bool>(),
        tabs in any::<bool>(),
    ) {
        let sep = if tabs { "\t" } else { "," };
        let mut text = String::new();
        if header {
            let names: Vec<String> = (1..=d.max_steps()).map(|t| format!("t{t}")).collect();
            text += &format!("label{sep}{}\n", names.join(sep));
        }
        for s in &d.sequences {
            let values: Vec<String> = s.values.iter().map(|v| format!("{v}")).collect();
            let label = &d.class_names[s.label.unwrap() as usize];
            text += &format!("{label}{sep}{}\n", values.join(sep));
        }
        let back = read_csv_sequences(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let want = by_first_appearance(&d);
        prop_assert_eq!(&back, &want);
        prop_assert_eq!(bits(&back), bits(&want));
    }

    #[test]
    fn csv_series_round_trips(
        (channels, rows) in (1..=4usize, 2..=6usize),
        values in vec(finite(), 24),
        names in vec(word(), 4),
        header in any::<bool>(),
        dates in any::<bool>(),
    ) {
        let values = &values[..channels * rows];
        let names = &names[..channels];
        let mut text = String::new();
        if header {
            if dates {
                text += "Date,";
            }
            text += &names.join(",");
            text += "\n";
        }
        for (t, row) in values.chunks(channels).enumerate() {
            if dates {
                text += &format!("19{:02}-01,", 40 + t);
            }
            let row: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
            text += &row.join(",");
            text += "\n";
        }
        let back = read_csv_series(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let want_names: Vec<String> = if header {
            names.to_vec()
        } else {
            (0..channels).map(|c| format!("c{c}")).collect()
        };
        prop_assert_eq!(&back.names, &want_names);
        let got: Vec<u32> = back.values.iter().map(|v| v.to_bits()).collect();
        let want: Vec<u32> = values.iter().map(|v| v.to_bits()).collect();
        prop_assert_eq!(got, want);
    }
}
