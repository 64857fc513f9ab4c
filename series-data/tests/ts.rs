//! `read_ts`: good files, and every rule's error with its line.

use series_data::{read_ts, Dataset, MAX_CHANNELS, MAX_STEPS};

/// The error's line and message for `text`, which must be refused.
fn refused(text: &str) -> (usize, String) {
    match read_ts(text) {
        Ok(d) => panic!("accepted: {d:?}"),
        Err(e) => (e.line, e.message),
    }
}

/// Asserts `text` is refused on `line` with a message containing `part`.
fn assert_refused(text: &str, line: usize, part: &str) {
    let (got_line, message) = refused(text);
    assert_eq!(got_line, line, "{message}");
    assert!(message.contains(part), "`{message}` lacks `{part}`");
}

const MULTI: &str = "\
# a comment
@problemName Test
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength false
@classLabel true walk run

@data
1,2,3:4,5,6:run
# a comment among the cases
7,8:9,10:walk
";

#[test]
fn reads_multivariate_unequal_labelled() {
    let d = read_ts(MULTI).unwrap();
    assert_eq!(d.channels, 2);
    assert_eq!(d.class_names, ["walk", "run"]);
    assert_eq!(d.sequences.len(), 2);
    let (a, b) = (&d.sequences[0], &d.sequences[1]);
    assert_eq!((a.steps, a.label), (3, Some(1)));
    // Time-major: step 0 is (1, 4), step 1 (2, 5), step 2 (3, 6).
    assert_eq!(a.values, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    assert_eq!((b.steps, b.label), (2, Some(0)));
    assert_eq!(b.values, [7.0, 9.0, 8.0, 10.0]);
    assert_eq!(d.max_steps(), 3);
    assert!(!d.equal_length());
    assert_eq!(d.class_counts(), [1, 1]);
}

#[test]
fn reads_univariate_equal_length() {
    let text = "@problemName U\n@univariate true\n@equalLength true\n@seriesLength 3\n\
                @classLabel true 1 2\n@data\n-1.5,2e-3,0:2\n 4 , 5 , 6 :1\n";
    let d = read_ts(text).unwrap();
    assert_eq!(d.channels, 1);
    assert_eq!(d.class_names, ["1", "2"]);
    assert_eq!(d.sequences[0].values, [-1.5, 0.002, 0.0]);
    assert_eq!(d.sequences[0].label, Some(1));
    assert_eq!(d.sequences[1].values, [4.0, 5.0, 6.0]);
    assert!(d.equal_length());
}

#[test]
fn reads_unlabelled_and_header_keys_in_any_case() {
    let text = "@PROBLEMNAME x\n@DIMENSIONS 2\n@classlabel FALSE\n@DATA\r\n1,2:3,4\r\n5:6\r\n";
    let d = read_ts(text).unwrap();
    assert!(d.class_names.is_empty());
    assert_eq!(d.sequences[0].label, None);
    assert_eq!(d.sequences[1].values, [5.0, 6.0]);
    assert!(d.class_counts().is_empty());
    // No @classLabel line at all: unlabelled too.
    let d = read_ts("@data\n1,2\n").unwrap();
    assert_eq!((d.channels, d.sequences[0].label), (1, None));
}

#[test]
fn comments_bom_and_repeated_keys() {
    let text = "\u{feff}% ARFF-style comment\n@problemName a\n@problemName b\n\
                @missing false\n@missing false\n@data\n1\n";
    let d = read_ts(text).unwrap();
    assert_eq!(d.sequences[0].values, [1.0]);
    assert_refused(
        "@dimensions 1\n@dimensions 2\n@data\n1\n",
        2,
        "appears twice",
    );
}

#[test]
fn labels_match_exactly_then_ignoring_case() {
    let text = "@classLabel true Standing Running\n@data\n1:standing\n2:Running\n";
    let d = read_ts(text).unwrap();
    assert_eq!(d.sequences[0].label, Some(0));
    assert_eq!(d.sequences[1].label, Some(1));
    // Two labels equal but for case: only an exact match will do.
    let text = "@classLabel true a A\n@data\n1:A\n2:a\n";
    let d = read_ts(text).unwrap();
    assert_eq!(d.sequences[0].label, Some(1));
    assert_eq!(d.sequences[1].label, Some(0));
    assert_refused(
        "@classLabel true a A\n@data\n1:a\n1:b\n",
        4,
        "class label `b` is not in `@classLabel` (a A)",
    );
}

#[test]
fn missing_values_are_refused_naming_line_and_dimension() {
    let head = "@dimensions 2\n@classLabel true x\n@data\n1,2:3,4:x\n";
    assert_refused(
        &format!("{head}1,2:3,?:x\n"),
        5,
        "dimension 2, value 2: missing value `?`",
    );
    let (_, message) = refused(&format!("{head}NaN,2:3,4:x\n"));
    assert!(message.starts_with("dimension 1, value 1: missing value `NaN`"));
    assert!(message.contains("not supported"), "{message}");
    assert_refused(&format!("{head}1,nan:3,4:x\n"), 5, "dimension 1, value 2");
}

#[test]
fn values_must_be_finite_numbers() {
    let head = "@data\n";
    assert_refused(&format!("{head}1,abc\n"), 2, "`abc` is not a number");
    assert_refused(&format!("{head}1,inf\n"), 2, "`inf` is not a finite f32");
    assert_refused(&format!("{head}1e39\n"), 2, "not a finite f32");
    assert_refused(
        &format!("{head}1,,2\n"),
        2,
        "dimension 1, value 2: empty value",
    );
    assert_refused(&format!("{head}1,2,\n"), 2, "value 3: empty value");
}

#[test]
fn dimensions_of_a_case_must_share_a_length() {
    assert_refused(
        "@data\n1,2:3,4\n1,2:3\n",
        3,
        "dimension 2 has 1 values, dimension 1 has 2",
    );
}

#[test]
fn dimension_count_against_header_or_first_case() {
    assert_refused(
        "@dimensions 2\n@data\n1,2:3,4\n1,2\n",
        4,
        "the case has 1 dimensions, `@dimensions` 2",
    );
    assert_refused(
        "@dimensions 2\n@data\n1,2:3,4:5,6\n",
        3,
        "the case has 3 dimensions, `@dimensions` 2",
    );
    assert_refused(
        "@data\n\n1,2:3,4\n1:2:3\n",
        4,
        "the case has 3 dimensions, the first case 2",
    );
    assert_refused(
        "@univariate true\n@data\n1:2\n",
        3,
        "the case has 2 dimensions, `@univariate true` 1",
    );
    assert_refused(
        "@univariate true\n@dimensions 3\n@data\n1:2:3\n",
        2,
        "`@dimensions 3` contradicts `@univariate true`",
    );
}

#[test]
fn equal_length_and_series_length() {
    assert_refused(
        "@equalLength true\n@data\n1,2\n1,2,3\n",
        4,
        "the case has 3 steps, the first case 2, but `@equalLength true`",
    );
    assert_refused(
        "@equalLength true\n@seriesLength 3\n@data\n1,2\n",
        4,
        "the case has 2 steps, `@seriesLength` 3",
    );
    // Without @equalLength, @seriesLength still holds.
    assert_refused("@seriesLength 2\n@data\n1,2\n1\n", 4, "`@seriesLength` 2");
    // @equalLength false: @seriesLength does not bind, lengths vary.
    let d = read_ts("@equalLength false\n@seriesLength 9\n@data\n1,2\n1\n").unwrap();
    assert_eq!(d.max_steps(), 2);
}

#[test]
fn labels_must_be_listed() {
    assert_refused(
        "@classLabel true a b\n@data\n1:a\n1:c\n",
        4,
        "class label `c` is not in `@classLabel` (a b)",
    );
    assert_refused("@classLabel true a\n@data\n1:\n", 3, "empty class label");
    assert_refused("@classLabel true a\n@data\n1,2\n", 3, "no class label");
    assert_refused("@classLabel true\n@data\n1\n", 1, "needs the class labels");
    assert_refused("@classLabel true a a\n@data\n1:a\n", 1, "listed twice");
    assert_refused("@classLabel false a\n@data\n1\n", 1, "`false` alone");
    assert_refused("@classLabel maybe\n@data\n1\n", 1, "`@classLabel` takes");
}

#[test]
fn time_stamps_and_regression_are_not_supported() {
    assert_refused(
        "@problemName t\n@timeStamps true\n@data\n(1,2):1\n",
        2,
        "time-stamped series are not supported",
    );
    assert_refused(
        "@targetLabel true\n@data\n1,2:0.5\n",
        1,
        "regression targets are not supported",
    );
    // `false` is fine.
    let d = read_ts("@timeStamps false\n@targetLabel false\n@data\n1\n").unwrap();
    assert_eq!(d.sequences.len(), 1);
}

#[test]
fn header_errors() {
    assert_refused("@problemName x\n", 0, "no `@data` line");
    assert_refused("", 0, "no `@data` line");
    assert_refused(
        "@problemName x\n@data\n\n# none\n",
        2,
        "no cases after `@data`",
    );
    assert_refused("@data 3\n1\n", 1, "`@data` takes no value");
    assert_refused("1,2,3\n@data\n", 1, "expected a header line");
    assert_refused("@colour blue\n@data\n1\n", 1, "unknown header `@colour`");
    assert_refused("@univariate yes\n@data\n1\n", 1, "`true` or `false`");
    assert_refused("@missing\n@data\n1\n", 1, "`true` or `false`");
    assert_refused("@dimensions 0\n@data\n1\n", 1, "from 1 to 4096");
    assert_refused("@dimensions two\n@data\n1\n", 1, "from 1 to 4096");
    assert_refused("@seriesLength -1\n@data\n1\n", 1, "from 1 to 1000000");
    // A header line after @data is not a case.
    assert_refused("@data\n1\n@dimensions 1\n", 3, "not a number");
}

#[test]
fn declared_sizes_are_bounded_not_allocated() {
    // Declared sizes past the limits are refused at the header, whatever
    // follows; nothing is allocated from them.
    assert_refused("@seriesLength 1000000000000\n@data\n1\n", 1, "(the limit)");
    assert_refused("@dimensions 99999999\n@data\n1\n", 1, "(the limit)");
    assert_refused(
        "@seriesLength 99999999999999999999999999\n@data\n1\n",
        1,
        "(the limit)",
    );
    // At the limits, a one-value file is just as cheap.
    let text = format!("@dimensions {MAX_CHANNELS}\n@seriesLength {MAX_STEPS}\n@data\n1\n");
    assert_refused(&text, 4, "the case has 1 dimensions");
}

#[test]
fn data_past_the_limits_is_refused() {
    let wide = vec!["1"; MAX_CHANNELS + 1].join(":");
    assert_refused(&format!("@data\n{wide}\n"), 2, "more than 4096 channels");
    let long = vec!["0"; MAX_STEPS + 1].join(",");
    assert_refused(&format!("@data\n{long}\n"), 2, "more than 1000000 steps");
}

#[test]
fn the_datasets_shapes_hold() {
    let d: Dataset = read_ts(MULTI).unwrap();
    for s in &d.sequences {
        assert!(s.steps >= 1);
        assert_eq!(s.values.len(), s.steps * d.channels);
    }
}
