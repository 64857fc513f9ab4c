//! User text in messages: control characters escaped, long inputs cut.

/// Characters of a user's input quoted in a message at most.
pub const QUOTE_CHARS: usize = 40;

/// `s` with control characters (ANSI escapes, newlines, NULs) written as
/// Rust escapes, so a file's label or a user's input cannot drive the
/// terminal.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` made [`printable`] and cut to [`QUOTE_CHARS`] characters, saying how
/// long it was when cut: for quoting user input in a message.
pub fn quote(s: &str) -> String {
    let shown: String = s.chars().take(QUOTE_CHARS).collect();
    if shown.len() == s.len() {
        printable(s)
    } else {
        format!("{}... ({} bytes)", printable(&shown), s.len())
    }
}

/// `s` with every word (a run without whitespace) over [`QUOTE_CHARS`]
/// characters cut by [`quote`], and control characters escaped except line
/// breaks: for messages that embed user input, such as clap's.
pub fn shorten_words(s: &str) -> String {
    s.split_inclusive(char::is_whitespace)
        .map(|piece| {
            let word = piece.trim_end_matches(char::is_whitespace);
            let space = &piece[word.len()..];
            format!("{}{space}", quote(word))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\\n");
        assert_eq!(printable("echo-whole"), "echo-whole");
    }

    #[test]
    fn long_inputs_are_cut() {
        let long = "9".repeat(1_000_000);
        let q = quote(&long);
        assert!(q.len() < 80, "{q}");
        assert!(q.ends_with("(1000000 bytes)"), "{q}");
        assert_eq!(quote("3.5"), "3.5");
        let message = format!("error: invalid value '{long}' for '--task'\n");
        let short = shorten_words(&message);
        assert!(
            short.len() < 120 && short.ends_with("for '--task'\n"),
            "{short}"
        );
    }
}
