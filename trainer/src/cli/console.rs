//! Writing results and messages without panicking (`println!` panics on a
//! closed pipe): a closed stdout ends the command quietly, as ripgrep
//! does; a failing stderr is ignored.

use std::fmt::Display;
use std::io::{ErrorKind, Write};

use anyhow::Result;

/// Standard output was closed by its reader (`trainer ... | head -1`).
#[derive(Debug)]
pub struct Closed;

impl Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output closed")
    }
}

impl std::error::Error for Closed {}

/// Writes `text` and a newline to standard output.
pub fn out(text: impl Display) -> Result<()> {
    match writeln!(std::io::stdout().lock(), "{text}") {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(Closed.into()),
        Err(e) => Err(anyhow::Error::new(e).context("cannot write standard output")),
    }
}

/// Writes `text` and a newline to standard error, if it can.
pub fn err(text: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
