//! `read_csv_sequences`: good files, and every rule's error with its line.

use series_data::{read_csv_sequences, MAX_STEPS};

fn assert_refused(text: &str, line: usize, part: &str) {
    match read_csv_sequences(text) {
        Ok(d) => panic!("accepted: {d:?}"),
        Err(e) => {
            assert_eq!(e.line, line, "{e}");
            assert!(e.message.contains(part), "`{e}` lacks `{part}`");
        }
    }
}

#[test]
fn reads_labelled_rows_of_different_lengths() {
    let d = read_csv_sequences("b,1,2,3\na,4,5\nb, 6 ,7,8,9,,\n\n").unwrap();
    assert_eq!(d.channels, 1);
    assert_eq!(d.class_names, ["b", "a"]);
    let steps: Vec<usize> = d.sequences.iter().map(|s| s.steps).collect();
    assert_eq!(steps, [3, 2, 4]);
    assert_eq!(d.sequences[2].values, [6.0, 7.0, 8.0, 9.0]);
    let labels: Vec<_> = d.sequences.iter().map(|s| s.label).collect();
    assert_eq!(labels, [Some(0), Some(1), Some(0)]);
    assert_eq!(d.class_counts(), [2, 1]);
    assert!(!d.equal_length());
}

#[test]
fn skips_a_header_row() {
    let d = read_csv_sequences("label,t1,t2\n1,0.5,0.25\n2,1,2\n").unwrap();
    assert_eq!(d.sequences.len(), 2);
    assert_eq!(d.class_names, ["1", "2"]);
    // A first row of numbers is data.
    let d = read_csv_sequences("1,0.5,0.25\n2,1,2\n").unwrap();
    assert_eq!(d.sequences.len(), 2);
    // A first row mixing numbers and words is data, its bad field reported.
    assert_refused("x,1,t2\n2,1,2\n", 1, "field 3: `t2` is not a number");
    // A first row without values is not a header either.
    assert_refused("label\n1,2\n", 1, "no values after the class label");
}

#[test]
fn reads_tab_separated() {
    let d = read_csv_sequences("1\t0.5\t0.25\n2\t1\t2\t3\n").unwrap();
    assert_eq!(d.sequences[1].values, [1.0, 2.0, 3.0]);
    // A tab with a comma on the first line: commas separate.
    let d = read_csv_sequences("1\t0.5,0.25\n").unwrap();
    assert_eq!(d.class_names, ["1\t0.5"]);
    assert_eq!(d.sequences[0].values, [0.25]);
}

#[test]
fn reads_quoted_fields_and_crlf() {
    let d = read_csv_sequences("\"class a\",\"1.5\",2\r\n\"class a\",3\r\n").unwrap();
    assert_eq!(d.class_names, ["class a"]);
    assert_eq!(d.sequences[0].values, [1.5, 2.0]);
}

#[test]
fn errors_name_line_and_field() {
    assert_refused("a,1,2\n\na,1,?\n", 3, "field 3: missing value `?`");
    assert_refused("a,1,2\na,NaN\n", 2, "field 2: missing value `NaN`");
    assert_refused("a,1,2\na,1,x,3\n", 2, "field 3: `x` is not a number");
    assert_refused("a,1,2\na,1,inf\n", 2, "field 3: `inf` is not a finite f32");
    assert_refused(
        "a,1,,3\n",
        1,
        "field 3: empty value (empty fields are allowed only at the end",
    );
    assert_refused("a,1\n,2\n", 2, "field 1: empty class label");
    assert_refused("a,1\nb\n", 2, "no values after the class label");
    assert_refused("a,1\nb,,\n", 2, "no values after the class label");
    // Quoted newlines count: the bad row starts on line 3.
    assert_refused("\"a\nb\",1\nc,x\n", 3, "field 2");
}

#[test]
fn empty_files_are_refused() {
    assert_refused("", 0, "no rows of data");
    assert_refused("\n\n,,\n", 0, "no rows of data");
    assert_refused("label,t1,t2\n", 0, "no rows of data");
}

#[test]
fn long_rows_are_refused() {
    let long = format!("a,{}", vec!["0"; MAX_STEPS + 1].join(","));
    assert_refused(&long, 1, "more than 1000000 steps");
}
