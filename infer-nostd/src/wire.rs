//! The engine's reader of the model file's postcard encoding.
//!
//! The types in [`crate::format`] derive serde's `Deserialize`, and tools
//! decode whole descriptions with postcard; the engine reads them with
//! this small reader instead, because serde's generated visitors cost
//! several KB of a microcontroller's flash. The encoding is postcard's
//! (its wire format specification, version 1):
//!
//! - `u8`: one byte; `u16`, `u32` and lengths (`usize`): LEB128 varints of
//!   at most as many bytes as the type needs, the last one holding only
//!   the bits left;
//! - `f32`: four bytes, little-endian;
//! - a struct: its fields in order; an enum: the variant's index (a varint
//!   `u32`), then its fields; an `Option`: a byte 0 or 1, then the value;
//! - a byte slice or a string: its length, then its bytes (a string's
//!   must be UTF-8).
//!
//! Errors are the ones postcard's would map to: [`Error::Truncated`] when
//! the bytes end early, [`Error::Malformed`] otherwise. The tests check
//! every type against postcard on real files and on garbage
//! (`wire_check.rs`).

use crate::error::Error;
use crate::format::{
    Cell, CellActivation, DirectionWeights, Head, HeadKind, Input, Matrix, Precision,
    RecurrentLayer,
};

/// Why a value could not be read: a one-byte stand-in for the two
/// [`Error`]s decoding can give, so that the many small results of the
/// reader stay in registers (an [`Error`] is three words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bad {
    /// [`Error::Truncated`].
    Truncated,
    /// [`Error::Malformed`].
    Malformed,
}

impl From<Bad> for Error {
    fn from(bad: Bad) -> Error {
        match bad {
            Bad::Truncated => Error::Truncated,
            Bad::Malformed => Error::Malformed,
        }
    }
}

/// The bytes of a payload not read yet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads `bytes` from the start.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    /// The bytes after everything read so far.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// The next `n` bytes.
    #[inline(never)]
    fn take(&mut self, n: usize) -> Result<&'a [u8], Bad> {
        let (taken, rest) = self.rest.split_at_checked(n).ok_or(Bad::Truncated)?;
        self.rest = rest;
        Ok(taken)
    }

    /// A `u8`.
    pub(crate) fn byte(&mut self) -> Result<u8, Bad> {
        let (&b, rest) = self.rest.split_first().ok_or(Bad::Truncated)?;
        self.rest = rest;
        Ok(b)
    }

    /// A varint of an unsigned type of `bits` bits (16, 32 or 64).
    // Loading is not hot: one copy of each reading function keeps the
    // loader small (opt-level 3 would unroll and inline them everywhere).
    #[inline(never)]
    fn varint(&mut self, bits: u32) -> Result<u64, Bad> {
        let max_len = bits.div_ceil(7);
        let mut value = 0u64;
        for i in 0..max_len {
            let b = self.byte()?;
            value |= u64::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                // The last possible byte holds only the type's top bits.
                let fits = i + 1 < max_len || u32::from(b) >> (bits - 7 * i) == 0;
                return if fits { Ok(value) } else { Err(Bad::Malformed) };
            }
        }
        Err(Bad::Malformed)
    }

    /// A `u16`.
    #[inline(never)]
    pub(crate) fn u16(&mut self) -> Result<u16, Bad> {
        Ok(self.varint(16)? as u16)
    }

    /// A `u32`.
    #[inline(never)]
    pub(crate) fn u32(&mut self) -> Result<u32, Bad> {
        Ok(self.varint(32)? as u32)
    }

    /// An `i16` (zigzag encoded: 0, -1, 1, -2, ...).
    pub(crate) fn i16(&mut self) -> Result<i16, Bad> {
        let z = self.varint(16)? as u16;
        Ok((z >> 1) as i16 ^ -((z & 1) as i16))
    }

    /// An enum's variant index, refused unless below `variants`.
    pub(crate) fn variant(&mut self, variants: u32) -> Result<u32, Bad> {
        match self.u32()? {
            v if v < variants => Ok(v),
            _ => Err(Bad::Malformed),
        }
    }

    /// An `f32`.
    pub(crate) fn f32(&mut self) -> Result<f32, Bad> {
        let (&b, rest) = self.rest.split_first_chunk::<4>().ok_or(Bad::Truncated)?;
        self.rest = rest;
        Ok(f32::from_le_bytes(b))
    }

    /// An `Option`'s tag: whether a value follows.
    pub(crate) fn is_some(&mut self) -> Result<bool, Bad> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Bad::Malformed),
        }
    }

    /// A sequence's length (a `usize` varint).
    pub(crate) fn len(&mut self) -> Result<u64, Bad> {
        self.varint(usize::BITS)
    }

    /// A borrowed byte slice.
    #[inline(never)]
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], Bad> {
        let len = self.len()?;
        // A length over `usize` cannot be there: the bytes end first.
        self.take(usize::try_from(len).map_err(|_| Bad::Truncated)?)
    }

    /// A borrowed string.
    pub(crate) fn str(&mut self) -> Result<&'a str, Bad> {
        core::str::from_utf8(self.bytes()?).map_err(|_| Bad::Malformed)
    }
}

/// A format type the engine reads with a [`Reader`].
pub(crate) trait Decode<'a>: Sized {
    /// Reads one value.
    fn decode(r: &mut Reader<'a>) -> Result<Self, Bad>;
}

impl Decode<'_> for Precision {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Bad> {
        Ok(match r.variant(2)? {
            0 => Precision::Int8,
            _ => Precision::Int16,
        })
    }
}

impl<'a> Decode<'a> for Matrix<'a> {
    #[inline(never)]
    fn decode(r: &mut Reader<'a>) -> Result<Self, Bad> {
        Ok(Matrix {
            rows: r.u16()?,
            cols: r.u16()?,
            precision: Precision::decode(r)?,
            align: r.bytes()?,
            values: r.bytes()?,
            multipliers: r.bytes()?,
            shifts: r.bytes()?,
        })
    }
}

impl<'a> Decode<'a> for DirectionWeights<'a> {
    #[inline(never)]
    fn decode(r: &mut Reader<'a>) -> Result<Self, Bad> {
        Ok(DirectionWeights {
            input: Matrix::decode(r)?,
            recurrent: Matrix::decode(r)?,
            bias: r.bytes()?,
        })
    }
}

impl Decode<'_> for Cell {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Bad> {
        Ok(match r.variant(2)? {
            0 => Cell::Lstm,
            _ => Cell::Gru,
        })
    }
}

impl Decode<'_> for CellActivation {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Bad> {
        Ok(match r.variant(2)? {
            0 => CellActivation::Tanh,
            _ => CellActivation::Relu {
                candidate_frac: r.byte()?,
                hidden_frac: r.byte()?,
            },
        })
    }
}

impl<'a> Decode<'a> for RecurrentLayer<'a> {
    #[inline(never)]
    fn decode(r: &mut Reader<'a>) -> Result<Self, Bad> {
        Ok(RecurrentLayer {
            cell: Cell::decode(r)?,
            units: r.u16()?,
            activation: CellActivation::decode(r)?,
            cell_frac: r.byte()?,
            forward: DirectionWeights::decode(r)?,
            backward: match r.is_some()? {
                true => Some(DirectionWeights::decode(r)?),
                false => None,
            },
        })
    }
}

impl Decode<'_> for Input {
    fn decode(r: &mut Reader<'_>) -> Result<Self, Bad> {
        Ok(match r.variant(2)? {
            0 => Input::OneHot { classes: r.u16()? },
            _ => Input::Dense {
                features: r.u16()?,
                scale: r.f32()?,
            },
        })
    }
}

impl<'a> Decode<'a> for Head<'a> {
    #[inline(never)]
    fn decode(r: &mut Reader<'a>) -> Result<Self, Bad> {
        Ok(Head {
            kind: match r.variant(2)? {
                0 => HeadKind::Classify,
                _ => HeadKind::Regress,
            },
            groups: r.u16()?,
            dense: Matrix::decode(r)?,
            bias: r.bytes()?,
            output_scale: r.f32()?,
        })
    }
}
