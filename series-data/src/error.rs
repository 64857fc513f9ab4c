//! The one error type of the readers.

use std::fmt;

/// Why a file could not be read: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// The 1-based line of the file the error is on; 0 for the file as a
    /// whole (no data at all, too few rows).
    pub line: usize,
    /// What is wrong, in words for the file's author.
    pub message: String,
}

impl DataError {
    /// An error on line `line` (1-based).
    pub(crate) fn at(line: usize, message: impl Into<String>) -> Self {
        DataError {
            line,
            message: message.into(),
        }
    }

    /// An error about the file as a whole (line 0).
    pub(crate) fn whole(message: impl Into<String>) -> Self {
        DataError::at(0, message)
    }
}

impl fmt::Display for DataError {
    /// `line 12: <message>`, or the message alone for line 0.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for DataError {}

#[cfg(test)]
mod tests {
    use super::DataError;

    #[test]
    fn display_names_the_line_unless_zero() {
        assert_eq!(DataError::at(12, "bad").to_string(), "line 12: bad");
        assert_eq!(DataError::whole("no data").to_string(), "no data");
    }
}
