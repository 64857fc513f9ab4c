//! What the readers return: labelled sequences, or one long series.

/// A labelled (or unlabelled) set of sequences, all with `channels` values
/// per step.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Values per time step (a `.ts` file's dimensions), at least 1.
    pub channels: usize,
    /// The sequences (a `.ts` file's cases, a CSV file's rows), in file
    /// order.
    pub sequences: Vec<Sequence>,
    /// The class names: label `i` is `class_names[i]`. Empty when the data
    /// is unlabelled.
    pub class_names: Vec<String>,
}

/// One sequence of a [`Dataset`].
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    /// Time steps, at least 1.
    pub steps: usize,
    /// The values, time-major: channel `c` at step `t` is
    /// `values[t * channels + c]`; `steps * channels` long.
    pub values: Vec<f32>,
    /// The class, an index into [`Dataset::class_names`]; `None` when the
    /// data is unlabelled.
    pub label: Option<u32>,
}

/// A multichannel series for forecasting: one row of the file per step.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The channels' names, one per channel: from the header row, or `c0`,
    /// `c1`, ... without one.
    pub names: Vec<String>,
    /// The values, time-major: channel `c` at step `t` is
    /// `values[t * names.len() + c]`.
    pub values: Vec<f32>,
}

impl Dataset {
    /// The longest sequence's steps (0 with no sequences).
    pub fn max_steps(&self) -> usize {
        self.sequences.iter().map(|s| s.steps).max().unwrap_or(0)
    }

    /// Whether every sequence has the same number of steps (true with none
    /// or one).
    pub fn equal_length(&self) -> bool {
        let mut steps = self.sequences.iter().map(|s| s.steps);
        match steps.next() {
            Some(first) => steps.all(|s| s == first),
            None => true,
        }
    }

    /// How many sequences each class has: `class_counts()[i]` for
    /// `class_names[i]`, one entry per class name (empty when unlabelled).
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.class_names.len()];
        for label in self.sequences.iter().filter_map(|s| s.label) {
            if let Some(n) = usize::try_from(label).ok().and_then(|i| counts.get_mut(i)) {
                *n += 1;
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(steps: usize, label: Option<u32>) -> Sequence {
        Sequence {
            steps,
            values: vec![0.0; steps],
            label,
        }
    }

    #[test]
    fn summaries() {
        let d = Dataset {
            channels: 1,
            sequences: vec![seq(3, Some(1)), seq(5, Some(1)), seq(3, Some(0))],
            class_names: vec!["a".into(), "b".into(), "c".into()],
        };
        assert_eq!(d.max_steps(), 5);
        assert!(!d.equal_length());
        assert_eq!(d.class_counts(), vec![1, 2, 0]);
    }

    #[test]
    fn empty_and_out_of_range_labels_do_not_panic() {
        let mut d = Dataset {
            channels: 1,
            sequences: vec![],
            class_names: vec![],
        };
        assert_eq!(d.max_steps(), 0);
        assert!(d.equal_length());
        assert!(d.class_counts().is_empty());
        d.sequences.push(seq(2, Some(7)));
        assert!(d.class_counts().is_empty());
    }
}
