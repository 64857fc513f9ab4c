//! A stack of LSTM layers read in place: the layers stay encoded in the
//! file and are decoded one at a time as they are visited, so a loaded
//! model costs a few words of RAM however deep its stacks may be.

use crate::format::{RecurrentLayer, MAX_STACK_LAYERS};
use crate::wire::{Bad, Decode, Reader};

/// The encoded layers of one stack (validated at load), with the facts
/// the runner needs about the whole stack noted when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layers<'a> {
    count: u8,
    bytes: &'a [u8],
    bidirectional: bool,
    last: Last,
}

/// What the stack's output looks like: its last layer's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Last {
    /// Units per direction.
    pub units: u16,
    /// Whether the last layer is bidirectional.
    pub bidirectional: bool,
    /// Fraction bits of its hidden state.
    pub hidden_frac: u8,
}

impl Last {
    /// Width of the stack's output vector.
    pub fn width(&self) -> usize {
        self.units as usize * (1 + self.bidirectional as usize)
    }

    /// The real value of one unit of the output.
    pub fn scale(&self) -> f32 {
        crate::tensor::pow2(-(self.hidden_frac as i32))
    }
}

impl<'a> Layers<'a> {
    /// Reads a stack (a postcard sequence of [`RecurrentLayer`]), keeping its
    /// bytes encoded.
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, Bad> {
        // As postcard into a vector of `MAX_STACK_LAYERS`: each layer is
        // decoded before the count is held against the capacity, so a
        // file gives the same error either way.
        let count = r.len()?;
        let start = r.rest();
        let (mut bidirectional, mut last) = (false, Last::default());
        for i in 0..count {
            let layer = RecurrentLayer::decode(r)?;
            if i >= MAX_STACK_LAYERS as u64 {
                return Err(Bad::Malformed);
            }
            bidirectional |= layer.backward.is_some();
            last = Last {
                units: layer.units,
                bidirectional: layer.backward.is_some(),
                hidden_frac: layer.hidden_frac(),
            };
        }
        let read = start.len() - r.rest().len();
        Ok(Layers {
            count: count as u8,
            bytes: start.get(..read).ok_or(Bad::Malformed)?,
            bidirectional,
            last,
        })
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the stack has no layer (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The layers, first to last.
    pub fn iter(&self) -> LayerIter<'a> {
        LayerIter {
            rest: self.bytes,
            left: self.count,
        }
    }

    /// Layer `i`.
    pub fn get(&self, i: usize) -> Option<RecurrentLayer<'a>> {
        self.iter().nth(i)
    }

    /// The last layer.
    pub fn last(&self) -> Option<RecurrentLayer<'a>> {
        self.iter().last()
    }

    /// Whether any layer is bidirectional (then the stack runs layer by layer).
    pub fn has_bidirectional(&self) -> bool {
        self.bidirectional
    }

    /// The shape of the stack's output (its last layer's).
    pub fn output(&self) -> Last {
        self.last
    }
}

impl<'a> IntoIterator for &Layers<'a> {
    type Item = RecurrentLayer<'a>;
    type IntoIter = LayerIter<'a>;
    fn into_iter(self) -> LayerIter<'a> {
        self.iter()
    }
}

/// Decodes the layers of a [`Layers`] one by one.
#[derive(Debug, Clone)]
pub struct LayerIter<'a> {
    rest: &'a [u8],
    left: u8,
}

impl<'a> Iterator for LayerIter<'a> {
    type Item = RecurrentLayer<'a>;

    fn next(&mut self) -> Option<RecurrentLayer<'a>> {
        self.left = self.left.checked_sub(1)?;
        let mut r = Reader::new(self.rest);
        let layer = RecurrentLayer::decode(&mut r).ok()?;
        self.rest = r.rest();
        Some(layer)
    }
}
