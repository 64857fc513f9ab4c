//! The inputs file the firmware embeds: the windows (or stream steps) to run.
//!
//! Layout, all little-endian:
//!
//! | bytes | field |
//! | --- | --- |
//! | 0..4 | magic `EWIN` |
//! | 4 | mode: 0 = whole windows (`predict`), 1 = a stream (`push`) |
//! | 5 | reserved, 0 |
//! | 6..8 | `width`: i16 values per record (a window, or one stream step) |
//! | 8..12 | `count`: number of records |
//! | 12.. | `count * width` i16 values |
//!
//! This one crate is shared by the firmware (reading, in place), its build
//! script and the host tests (writing, through `encode`, feature `alloc`).

#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// The four bytes an inputs file starts with.
pub const MAGIC: [u8; 4] = *b"EWIN";
/// Bytes before the values.
const HEADER_LEN: usize = 12;

/// How the records are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Each record is a whole window for `predict`.
    Windows,
    /// Each record is one timestep pushed into a stream (state kept).
    Stream,
}

/// A parsed inputs file, borrowing its values.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// How the records are run.
    pub mode: Mode,
    /// Values per record.
    pub width: usize,
    /// Number of records.
    pub count: usize,
    values: &'a [u8],
}

/// Parses an inputs file; `None` if the header or the length is wrong.
#[inline]
pub fn parse(bytes: &[u8]) -> Option<Inputs<'_>> {
    let (header, values) = bytes.split_at_checked(HEADER_LEN)?;
    if header[..4] != MAGIC || header[5] != 0 {
        return None;
    }
    let mode = match header[4] {
        0 => Mode::Windows,
        1 => Mode::Stream,
        _ => return None,
    };
    let width = u16::from_le_bytes([header[6], header[7]]) as usize;
    let count = u32::from_le_bytes([header[8], header[9], header[10], header[11]]) as usize;
    let ok = width >= 1 && count.checked_mul(2 * width) == Some(values.len());
    ok.then_some(Inputs {
        mode,
        width,
        count,
        values,
    })
}

impl Inputs<'_> {
    /// Decodes record `i` into the front of `out`; `None` if `i` is out of
    /// range or `out` is shorter than a record.
    #[inline]
    pub fn record<'o>(&self, i: usize, out: &'o mut [i16]) -> Option<&'o [i16]> {
        let bytes = self
            .values
            .get(2 * self.width * i..2 * self.width * (i + 1))?;
        let out = out.get_mut(..self.width)?;
        for (v, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            *v = i16::from_le_bytes([b[0], b[1]]);
        }
        Some(out)
    }
}

/// Encodes `values` (`width` per record) as an inputs file.
#[cfg(feature = "alloc")]
pub fn encode(mode: Mode, width: usize, values: &[i16]) -> Vec<u8> {
    assert!(
        width >= 1 && values.len().is_multiple_of(width),
        "values are not whole records"
    );
    let mut out = Vec::with_capacity(HEADER_LEN + 2 * values.len());
    out.extend_from_slice(&MAGIC);
    out.push(match mode {
        Mode::Windows => 0,
        Mode::Stream => 1,
    });
    out.push(0);
    out.extend_from_slice(&u16::try_from(width).expect("record too wide").to_le_bytes());
    out.extend_from_slice(
        &u32::try_from(values.len() / width)
            .expect("too many records")
            .to_le_bytes(),
    );
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}
