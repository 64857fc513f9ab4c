//! Output over semihosting: lines of integers printed by hand (no
//! `core::fmt`, which would add kilobytes of code), and the exit status.

use cortex_m_semihosting::hio::{self, HostStream};

use crate::div::div_rem;

/// Semihosting operation SYS_EXIT_EXTENDED: exit with any status.
const SYS_EXIT_EXTENDED: usize = 0x20;
/// Its reason code, ADP_Stopped_ApplicationExit.
const APPLICATION_EXIT: u32 = 0x20026;

/// Bytes buffered before a semihosting write: small, since it counts in the
/// firmware's RAM (the stack of `main`).
const BUFFER: usize = 128;

/// A buffered writer to the host's standard output.
pub struct Out {
    stream: Option<HostStream>,
    buf: [u8; BUFFER],
    len: usize,
}

impl Out {
    /// Opens the host's standard output (output is dropped without a host).
    pub fn new() -> Self {
        Out {
            stream: hio::hstdout().ok(),
            buf: [0; BUFFER],
            len: 0,
        }
    }

    /// Appends text.
    pub fn str(&mut self, s: &str) -> &mut Self {
        for &b in s.as_bytes() {
            self.byte(b);
        }
        self
    }

    /// Appends a decimal integer.
    pub fn int(&mut self, v: i64) -> &mut Self {
        if v < 0 {
            self.byte(b'-');
        }
        // Digits from the last; a u64 has at most 20.
        let mut digits = [0u8; 20];
        let mut n = v.unsigned_abs();
        let mut first = digits.len();
        for (i, d) in digits.iter_mut().enumerate().rev() {
            let (q, digit) = div_rem(n, 10);
            *d = b'0' + digit as u8;
            (n, first) = (q, i);
            if n == 0 {
                break;
            }
        }
        for &d in digits.get(first..).unwrap_or(&[]) {
            self.byte(d);
        }
        self
    }

    /// Appends `# name value` as one line.
    pub fn stat(&mut self, name: &str, v: u64) {
        self.str("# ").str(name).str(" ").int(v as i64).end_line();
    }

    /// Ends the line.
    pub fn end_line(&mut self) {
        self.byte(b'\n');
        if self.len > BUFFER / 2 {
            self.flush();
        }
    }

    /// Writes out everything buffered.
    pub fn flush(&mut self) {
        if let Some(s) = self.stream.as_mut() {
            // Nothing better to do if the host refuses output.
            let _ = s.write_all(self.buf.get(..self.len).unwrap_or(&self.buf));
        }
        self.len = 0;
    }

    fn byte(&mut self, b: u8) {
        if self.len >= self.buf.len() {
            self.flush();
        }
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }
}

/// Ends the program with `status` (QEMU exits with it).
pub fn exit(status: u32) -> ! {
    let block = [APPLICATION_EXIT, status];
    loop {
        // SAFETY: SYS_EXIT_EXTENDED reads the two-word block it is given.
        unsafe { cortex_m_semihosting::syscall(SYS_EXIT_EXTENDED, &block) };
    }
}
