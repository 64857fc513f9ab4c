//! How a command ends: its outcome, the errors that carry their own exit
//! code, and the codes themselves.

use crate::train::Diverged;

/// The exit codes, as `--help` lists them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  error (unreadable or invalid file, bad input line, I/O)
  2  usage (unknown flag, a value out of its range)
  3  below the bar: training missed its target (train), or the fixed
     accuracy is below --min-accuracy (eval)
  4  training diverged (a non-finite loss)

Accuracies are percentages on screen and fractions (0 to 1) in JSON.";

/// Exit code of a run that missed its target or its `--min-accuracy`.
pub const EXIT_BELOW_TARGET: u8 = 3;
/// Exit code of a diverged training run.
pub const EXIT_DIVERGED: u8 = 4;
/// Exit code of a usage error (as clap's own).
pub const EXIT_USAGE: u8 = 2;

/// A command-line mistake found after parsing (two flags that do not go
/// together, a network over the engine's capacity): exit code 2.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// How a command that ran to its end came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It did what was asked.
    Done,
    /// Its result is below the bar asked for (exit code 3).
    BelowTarget,
}

/// The exit code of a failed command.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<Diverged>().is_some() {
        EXIT_DIVERGED
    } else if e.downcast_ref::<Usage>().is_some() {
        EXIT_USAGE
    } else {
        1
    }
}
