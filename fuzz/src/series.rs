//! The `read_series` target's harness: any bytes, as text, to the three
//! `series-data` readers, and the checks made on what they accept.

use std::borrow::Cow;

use series_data::{
    read_csv_sequences, read_csv_series, read_ts, Dataset, Series, MAX_CHANNELS, MAX_STEPS,
    MAX_VALUES,
};

/// The input as text: itself when it is UTF-8, lossily decoded otherwise.
pub fn as_text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Feeds `data` to `read_ts`, `read_csv_sequences` and `read_csv_series`.
///
/// Panics (failing the fuzz run) if a reader panics, returns an error
/// without a message, or accepts a file and returns data that breaks the
/// documented shapes or limits.
pub fn read_all(data: &[u8]) {
    let text = as_text(data);
    let lines = text.lines().count();
    match read_ts(&text) {
        Ok(d) => check_dataset(&d),
        Err(e) => assert!(!e.message.is_empty() && e.line <= lines, "read_ts: {e:?}"),
    }
    match read_csv_sequences(&text) {
        Ok(d) => {
            check_dataset(&d);
            assert_eq!(d.channels, 1, "read_csv_sequences: channels");
        }
        Err(e) => assert!(
            !e.message.is_empty() && e.line <= lines,
            "csv sequences: {e:?}"
        ),
    }
    match read_csv_series(&text) {
        Ok(s) => check_series(&s),
        Err(e) => assert!(
            !e.message.is_empty() && e.line <= lines,
            "csv series: {e:?}"
        ),
    }
}

/// A dataset's documented shapes: channels and steps at least 1 and within
/// the limits, `steps * channels` finite values, labels in range (and
/// present exactly when there are class names).
pub fn check_dataset(d: &Dataset) {
    assert!(
        (1..=MAX_CHANNELS).contains(&d.channels),
        "channels {}",
        d.channels
    );
    assert!(!d.sequences.is_empty(), "a dataset without sequences");
    let mut total = 0usize;
    for s in &d.sequences {
        assert!((1..=MAX_STEPS).contains(&s.steps), "steps {}", s.steps);
        assert_eq!(s.values.len(), s.steps * d.channels, "values of a sequence");
        assert!(s.values.iter().all(|v| v.is_finite()), "a value not finite");
        match s.label {
            Some(l) => assert!((l as usize) < d.class_names.len(), "label {l}"),
            None => assert!(d.class_names.is_empty(), "an unlabelled sequence"),
        }
        total += s.values.len();
    }
    assert!(total <= MAX_VALUES, "{total} values");
    let counted: usize = d.class_counts().iter().sum();
    let labelled = if d.class_names.is_empty() {
        0
    } else {
        d.sequences.len()
    };
    assert_eq!(counted, labelled, "class counts");
}

/// A series' documented shapes: at least one channel and two steps, whole
/// steps of finite values, within the limits.
pub fn check_series(s: &Series) {
    let channels = s.names.len();
    assert!(
        (1..=MAX_CHANNELS).contains(&channels),
        "channels {channels}"
    );
    assert_eq!(s.values.len() % channels, 0, "a partial step");
    assert!(
        (2..=MAX_STEPS).contains(&(s.values.len() / channels)),
        "steps"
    );
    assert!(s.values.iter().all(|v| v.is_finite()), "a value not finite");
}
