//! `read_csv_series`: good files, and every rule's error with its line.

use series_data::{read_csv_series, MAX_CHANNELS};

fn assert_refused(text: &str, line: usize, part: &str) {
    match read_csv_series(text) {
        Ok(s) => panic!("accepted: {s:?}"),
        Err(e) => {
            assert_eq!(e.line, line, "{e}");
            assert!(e.message.contains(part), "`{e}` lacks `{part}`");
        }
    }
}

#[test]
fn reads_airline_like_files_dropping_the_date_column() {
    let s = read_csv_series("Date,Passengers\n1949-01,112\n1949-02,118\n1949-03,132\n").unwrap();
    assert_eq!(s.names, ["Passengers"]);
    assert_eq!(s.values, [112.0, 118.0, 132.0]);
    // Without a header too.
    let s = read_csv_series("1949-01,112\n1949-02,118\n").unwrap();
    assert_eq!(s.names, ["c0"]);
    assert_eq!(s.values, [112.0, 118.0]);
}

#[test]
fn reads_several_channels_time_major() {
    let s = read_csv_series("x,y,z\n1,2,3\n4,5,6\n").unwrap();
    assert_eq!(s.names, ["x", "y", "z"]);
    assert_eq!(s.values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    // A numeric first column is a channel.
    let s = read_csv_series("1,2\n3,4\n").unwrap();
    assert_eq!(s.names, ["c0", "c1"]);
    assert_eq!(s.values, [1.0, 2.0, 3.0, 4.0]);
    // Tabs, quotes, empty header names.
    let s = read_csv_series("time\t\"a\"\t\nt0\t1\t2\nt1\t3\t4\n").unwrap();
    assert_eq!(s.names, ["a", "c1"]);
}

#[test]
fn errors_name_line_and_field() {
    assert_refused("a,b\n1,2\n3\n", 3, "the row has 1 fields, the first row 2");
    assert_refused("a,b\n1,2\n3,4,5\n", 3, "the row has 3 fields");
    assert_refused("a,b\n1,2\n\n3,?\n", 4, "field 2: missing value `?`");
    assert_refused("d,v\nx,1\ny,oops\n", 3, "field 2: `oops` is not a number");
    assert_refused("1,2\n3,1e40\n", 2, "field 2: `1e40` is not a finite f32");
    // The first column is judged on the first row of data: numbers here,
    // so a date further down is an error.
    assert_refused(
        "t,v\n1,2\n1949-01,3\n",
        3,
        "field 1: `1949-01` is not a number",
    );
    // A first row mixing numbers and words is data.
    assert_refused("a,2\n1,2\n", 1, "field 1: `a` is not a number");
    assert_refused("1,,2\n1,2,3\n", 1, "field 2: empty value");
}

#[test]
fn needs_two_rows_and_a_value_column() {
    assert_refused("", 0, "at least 2 rows of data, the file has 0");
    assert_refused("a,b\n", 0, "the file has 1");
    assert_refused("a,b\n1,2\n", 0, "the file has 1");
    assert_refused("1,2\n", 0, "the file has 1");
    assert_refused("date\n1949-01\n1949-02\n", 1, "no value columns");
}

#[test]
fn wide_files_are_refused() {
    let row = vec!["1"; MAX_CHANNELS + 1].join(",");
    assert_refused(&format!("{row}\n{row}\n"), 1, "more than 4096 channels");
}
