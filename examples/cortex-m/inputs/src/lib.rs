//! The inputs file the firmware embeds: the windows, stream steps or raw
//! readings to run.
//!
//! Layout, all little-endian:
//!
//! | bytes | field |
//! | --- | --- |
//! | 0..4 | magic `EWIN` |
//! | 4 | mode: 0 = whole windows (`predict`), 1 = a stream (`push`), 2 = raw readings (`predict`, quantised on the device) |
//! | 5 | reserved, 0 |
//! | 6..8 | `width`: i16 values per record (a window, or one stream step); in mode 2, f32 values per timestep (the model's channels) |
//! | 8..12 | `count`: number of records |
//! | 12.. | modes 0 and 1: `count * width` i16 values; mode 2: `count` records as below |
//!
//! A raw-readings record (mode 2), one after the other, `count` of them:
//!
//! | bytes | field |
//! | --- | --- |
//! | 0..4 | `steps`: u32 timesteps of this record, at least 1 |
//! | 4.. | `steps * width` f32 raw readings, time-major (channel `c` of step `t` at `t * width + c`) |
//!
//! Records of raw readings have their own lengths (a data file's
//! sequences of unequal length): the firmware quantises each value with
//! the model's `Model::quantise_input` (a NaN to a masked model's pad
//! value) and runs the record at its own length through `predict`.
//!
//! [`parse`] checks the whole file (every record's length, the bytes
//! adding up exactly) and never panics; the records are then read in
//! place. This one crate is shared by the firmware (reading, in place), its
//! build script and the host tests (writing, through `encode` and
//! `encode_raw`, feature `alloc`).

#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// The four bytes an inputs file starts with.
pub const MAGIC: [u8; 4] = *b"EWIN";
/// Bytes before the values.
const HEADER_LEN: usize = 12;
/// Bytes before a raw-readings record's values (its step count).
const RAW_HEADER_LEN: usize = 4;
/// Bytes of one raw reading (an f32).
const RAW_VALUE_LEN: usize = 4;

/// How the records are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Each record is a whole window for `predict`.
    Windows,
    /// Each record is one timestep pushed into a stream (state kept).
    Stream,
    /// Each record is a sequence of raw f32 readings of its own length,
    /// quantised on the device and run whole through `predict`.
    Raw,
}

impl Mode {
    /// Every mode.
    const ALL: [Mode; 3] = [Mode::Windows, Mode::Stream, Mode::Raw];

    /// The mode's byte in the header.
    const fn byte(self) -> u8 {
        match self {
            Mode::Windows => 0,
            Mode::Stream => 1,
            Mode::Raw => 2,
        }
    }
}

/// A parsed inputs file, borrowing its values.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// How the records are run.
    pub mode: Mode,
    /// Values per record (modes `Windows` and `Stream`), or raw readings
    /// per timestep (mode `Raw`).
    pub width: usize,
    /// Number of records.
    pub count: usize,
    values: &'a [u8],
}

/// Parses an inputs file; `None` if the header or the length is wrong
/// (for raw readings: a record of no steps, or records that do not fill
/// the file exactly).
#[inline]
pub fn parse(bytes: &[u8]) -> Option<Inputs<'_>> {
    let (header, values) = bytes.split_at_checked(HEADER_LEN)?;
    if header[..4] != MAGIC || header[5] != 0 {
        return None;
    }
    let mode = Mode::ALL.into_iter().find(|m| m.byte() == header[4])?;
    let width = u16::from_le_bytes([header[6], header[7]]) as usize;
    let count = u32::from_le_bytes([header[8], header[9], header[10], header[11]]) as usize;
    let inputs = Inputs {
        mode,
        width,
        count,
        values,
    };
    let ok = width >= 1
        && match mode {
            Mode::Windows | Mode::Stream => count.checked_mul(2 * width) == Some(values.len()),
            Mode::Raw => inputs.raw_records_fill(),
        };
    ok.then_some(inputs)
}

impl<'a> Inputs<'a> {
    /// Decodes record `i` into the front of `out`; `None` if `i` is out of
    /// range, `out` is shorter than a record, or the records are raw
    /// readings (see [`raw_records`](Self::raw_records)).
    #[inline]
    pub fn record<'o>(&self, i: usize, out: &'o mut [i16]) -> Option<&'o [i16]> {
        if self.mode == Mode::Raw {
            return None;
        }
        let bytes = self
            .values
            .get(2 * self.width * i..2 * self.width * (i + 1))?;
        let out = out.get_mut(..self.width)?;
        for (v, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            *v = i16::from_le_bytes([b[0], b[1]]);
        }
        Some(out)
    }

    /// The raw-readings records, in order (none unless the mode is
    /// [`Mode::Raw`]).
    #[inline]
    pub fn raw_records(&self) -> RawRecords<'a> {
        RawRecords {
            rest: if self.mode == Mode::Raw {
                self.values
            } else {
                &[]
            },
            width: self.width,
            left: self.count,
        }
    }

    /// The most steps of any raw-readings record (0 with none).
    pub fn max_raw_steps(&self) -> usize {
        self.raw_records().map(|r| r.steps).max().unwrap_or(0)
    }

    /// Whether exactly `count` raw-readings records of at least one step
    /// fill the values.
    fn raw_records_fill(&self) -> bool {
        let mut records = self.raw_records();
        let complete = records.by_ref().take(self.count).count() == self.count;
        complete && records.rest.is_empty()
    }
}

/// The records of a raw-readings inputs file ([`Inputs::raw_records`]).
#[derive(Debug, Clone)]
pub struct RawRecords<'a> {
    rest: &'a [u8],
    width: usize,
    left: usize,
}

impl<'a> Iterator for RawRecords<'a> {
    type Item = RawRecord<'a>;

    #[inline]
    fn next(&mut self) -> Option<RawRecord<'a>> {
        self.left = self.left.checked_sub(1)?;
        let (head, rest) = self.rest.split_at_checked(RAW_HEADER_LEN)?;
        let steps = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let len = steps
            .checked_mul(self.width)?
            .checked_mul(RAW_VALUE_LEN)
            .filter(|_| steps >= 1)?;
        let (values, rest) = rest.split_at_checked(len)?;
        self.rest = rest;
        Some(RawRecord {
            steps,
            width: self.width,
            values,
        })
    }
}

/// One record of raw readings, borrowing its bytes.
#[derive(Debug, Clone, Copy)]
pub struct RawRecord<'a> {
    /// Timesteps, at least 1.
    pub steps: usize,
    /// Readings per timestep.
    pub width: usize,
    values: &'a [u8],
}

impl RawRecord<'_> {
    /// Values in the record (`steps * width`).
    #[inline]
    pub fn len(&self) -> usize {
        self.values.len() / RAW_VALUE_LEN
    }

    /// Always false: a record has at least one step.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The raw readings, time-major.
    #[inline]
    pub fn values(&self) -> impl Iterator<Item = f32> + '_ {
        let (words, _) = self.values.as_chunks::<RAW_VALUE_LEN>();
        words.iter().map(|w| f32::from_le_bytes(*w))
    }

    /// Writes `quantise` of every reading into the front of `out` and
    /// returns that part; `None` if `out` is shorter than the record.
    #[inline]
    pub fn quantise<'o>(
        &self,
        out: &'o mut [i16],
        mut quantise: impl FnMut(f32) -> i16,
    ) -> Option<&'o [i16]> {
        let out = out.get_mut(..self.len())?;
        for (q, v) in out.iter_mut().zip(self.values()) {
            *q = quantise(v);
        }
        Some(out)
    }
}

/// The header of an inputs file of `count` records.
#[cfg(feature = "alloc")]
fn header(mode: Mode, width: usize, count: usize, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + capacity);
    out.extend_from_slice(&MAGIC);
    out.push(mode.byte());
    out.push(0);
    out.extend_from_slice(&u16::try_from(width).expect("record too wide").to_le_bytes());
    out.extend_from_slice(
        &u32::try_from(count)
            .expect("too many records")
            .to_le_bytes(),
    );
    out
}

/// Encodes `values` (`width` per record) as an inputs file of whole
/// windows or stream steps (not [`Mode::Raw`]: see [`encode_raw`]).
#[cfg(feature = "alloc")]
pub fn encode(mode: Mode, width: usize, values: &[i16]) -> Vec<u8> {
    assert!(mode != Mode::Raw, "raw readings are encoded by encode_raw");
    assert!(
        width >= 1 && values.len().is_multiple_of(width),
        "values are not whole records"
    );
    let mut out = header(mode, width, values.len() / width, 2 * values.len());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Encodes `records` of raw readings (`width` per timestep, time-major,
/// each at least one step long and of its own length) as an inputs file
/// in [`Mode::Raw`].
#[cfg(feature = "alloc")]
pub fn encode_raw<'r>(width: usize, records: impl IntoIterator<Item = &'r [f32]>) -> Vec<u8> {
    assert!(width >= 1, "no readings per step");
    let mut body = Vec::new();
    let mut count = 0usize;
    for r in records {
        assert!(
            !r.is_empty() && r.len().is_multiple_of(width),
            "record {count} is not whole steps of {width} readings"
        );
        let steps = u32::try_from(r.len() / width).expect("record too long");
        body.extend_from_slice(&steps.to_le_bytes());
        for v in r {
            body.extend_from_slice(&v.to_le_bytes());
        }
        count += 1;
    }
    let mut out = header(Mode::Raw, width, count, body.len());
    out.extend_from_slice(&body);
    out
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;

    #[test]
    fn raw_records_round_trip() {
        let a = [1.0f32, -2.5, 3.25, f32::NAN];
        let b = [0.5f32, 7.0];
        let bytes = encode_raw(2, [&a[..], &b[..]]);
        let inputs = parse(&bytes).expect("parse");
        assert_eq!((inputs.mode, inputs.width, inputs.count), (Mode::Raw, 2, 2));
        assert_eq!(inputs.max_raw_steps(), 2);
        let records: Vec<RawRecord> = inputs.raw_records().collect();
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].steps, records[1].steps), (2, 1));
        let got: Vec<f32> = records[0].values().collect();
        assert_eq!(&got[..3], &a[..3]);
        assert!(got[3].is_nan());
        let mut out = [0i16; 4];
        let q = records[1].quantise(&mut out, |v| v as i16).expect("fits");
        assert_eq!(q, [0, 7]);
        assert!(records[0].quantise(&mut out[..3], |v| v as i16).is_none());
        assert!(inputs.record(0, &mut out).is_none());
    }

    #[test]
    fn malformed_raw_files_are_refused() {
        let a = [1.0f32, 2.0, 3.0];
        let bytes = encode_raw(3, [&a[..], &a[..]]);
        assert!(parse(&bytes).is_some());
        // Every truncation, and one byte too many.
        for n in 0..bytes.len() {
            assert!(parse(&bytes[..n]).is_none(), "{n} bytes");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(parse(&longer).is_none());
        // More or fewer records than the header says.
        for count in [0u32, 1, 3, u32::MAX] {
            let mut b = bytes.clone();
            b[8..12].copy_from_slice(&count.to_le_bytes());
            assert!(parse(&b).is_none(), "count {count}");
        }
        // A record of no steps, or of steps that overflow.
        for steps in [0u32, u32::MAX] {
            let mut b = bytes.clone();
            b[12..16].copy_from_slice(&steps.to_le_bytes());
            assert!(parse(&b).is_none(), "steps {steps}");
        }
        // No readings per step.
        let mut b = bytes.clone();
        b[6..8].copy_from_slice(&0u16.to_le_bytes());
        assert!(parse(&b).is_none());
    }

    #[test]
    fn window_files_are_as_before() {
        let bytes = encode(Mode::Windows, 2, &[1, -2, 3, 4]);
        assert_eq!(&bytes[..12], b"EWIN\0\0\x02\0\x02\0\0\0");
        let inputs = parse(&bytes).expect("parse");
        let mut out = [0i16; 2];
        assert_eq!(inputs.record(1, &mut out), Some(&[3, 4][..]));
        assert_eq!(inputs.raw_records().count(), 0);
    }
}
