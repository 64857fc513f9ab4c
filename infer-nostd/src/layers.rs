//! A stack of LSTM layers read in place: the layers stay encoded in the
//! file and are decoded one at a time as they are visited, so a loaded
//! model costs a few words of RAM however deep its stacks may be.

use crate::format::{LstmLayer, MAX_STACK_LAYERS};

/// The encoded layers of one stack (validated at load).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layers<'a> {
    count: u8,
    bytes: &'a [u8],
}

impl<'a> Layers<'a> {
    /// Takes a stack (a postcard sequence of [`LstmLayer`]) from the front
    /// of `bytes`; returns it and the bytes after it.
    pub(crate) fn take(bytes: &'a [u8]) -> postcard::Result<(Self, &'a [u8])> {
        let (count, mut rest) = postcard::take_from_bytes::<u32>(bytes)?;
        if count as usize > MAX_STACK_LAYERS {
            return Err(postcard::Error::DeserializeBadEncoding);
        }
        let start = rest;
        for _ in 0..count {
            rest = postcard::take_from_bytes::<LstmLayer<'a>>(rest)?.1;
        }
        let bytes = &start[..start.len() - rest.len()];
        Ok((
            Layers {
                count: count as u8,
                bytes,
            },
            rest,
        ))
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
    pub fn get(&self, i: usize) -> Option<LstmLayer<'a>> {
        self.iter().nth(i)
    }

    /// The last layer.
    pub fn last(&self) -> Option<LstmLayer<'a>> {
        self.iter().last()
    }

    /// Whether any layer is bidirectional (then the stack runs layer by layer).
    pub fn has_bidirectional(&self) -> bool {
        self.iter().any(|l| l.backward.is_some())
    }
}

impl<'a> IntoIterator for &Layers<'a> {
    type Item = LstmLayer<'a>;
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
    type Item = LstmLayer<'a>;

    fn next(&mut self) -> Option<LstmLayer<'a>> {
        self.left = self.left.checked_sub(1)?;
        let (layer, rest) = postcard::take_from_bytes::<LstmLayer<'a>>(self.rest).ok()?;
        self.rest = rest;
        Some(layer)
    }
}
