//! The engine's decoder against postcard's, type by type and for whole
//! descriptions: every type of [`crate::format`] decoded from every offset
//! of real files and of garbage must give what postcard gives (values,
//! bytes left, errors). Needs the `serde` feature (on in workspace builds).

extern crate std;

use crate::format::{
    Cell, CellActivation, DirectionWeights, Head, HeadKind, Input, Matrix, ModelDesc, Outputs,
    Precision, RecurrentLayer, MAX_STACK_LAYERS,
};
use crate::layers::Layers;
use crate::wire::{Bad, Decode, Reader};

use crate::format::HEADER_LEN;
use core::fmt::Debug;
use serde::Deserialize;
use std::format;

/// Postcard's errors as the engine reports them.
fn postcard_error(e: postcard::Error) -> Bad {
    match e {
        postcard::Error::DeserializeUnexpectedEnd => Bad::Truncated,
        _ => Bad::Malformed,
    }
}

/// Decodes a `T` from the front of `bytes` with `ours`, and with
/// postcard, and checks the two agree (values, bytes left, errors).
fn agree<'a, T>(bytes: &'a [u8], ours: impl FnOnce(&mut Reader<'a>) -> Result<T, Bad>)
where
    T: Deserialize<'a> + PartialEq + Debug,
{
    let mut r = Reader::new(bytes);
    let ours = ours(&mut r).map(|v| (v, r.rest()));
    let theirs = postcard::take_from_bytes::<T>(bytes).map_err(postcard_error);
    // NaN scales compare unequal: compare their bits through Debug.
    assert_eq!(
        format!("{ours:?}"),
        format!("{theirs:?}"),
        "bytes {:02x?}",
        &bytes[..bytes.len().min(16)]
    );
}

/// A stack as host tools hold it (postcard decodes it so).
type Stack<'a> = heapless::Vec<RecurrentLayer<'a>, MAX_STACK_LAYERS>;

/// The engine's stack view decoded into a host stack.
fn owned(layers: Layers<'_>) -> Stack<'_> {
    layers.iter().collect()
}

/// Checks every type decoded from every offset of `bytes`.
fn agree_everywhere(bytes: &[u8]) {
    for start in 0..bytes.len() {
        let b = &bytes[start..];
        agree::<u16>(b, Reader::u16);
        agree::<u32>(b, Reader::u32);
        agree::<f32>(b, Reader::f32);
        agree::<&[u8]>(b, Reader::bytes);
        agree::<&str>(b, Reader::str);
        agree::<Option<u8>>(b, |r| r.is_some()?.then(|| r.byte()).transpose());
        agree::<Precision>(b, Precision::decode);
        agree::<Matrix>(b, Matrix::decode);
        agree::<DirectionWeights>(b, DirectionWeights::decode);
        agree::<CellActivation>(b, CellActivation::decode);
        agree::<Cell>(b, Cell::decode);
        agree::<RecurrentLayer>(b, RecurrentLayer::decode);
        agree::<Input>(b, Input::decode);
        agree::<HeadKind>(b, |r| {
            Ok(match r.variant(2)? {
                0 => HeadKind::Classify,
                _ => HeadKind::Regress,
            })
        });
        agree::<Head>(b, Head::decode);
        agree::<Stack>(b, |r| Layers::read(r).map(owned));
        agree::<Outputs<Stack>>(b, |r| {
            Ok(match r.variant(3)? {
                0 => Outputs::LastStep,
                1 => Outputs::EveryStep,
                _ => Outputs::EncoderDecoder {
                    steps: r.u16()?,
                    decoder: owned(Layers::read(r)?),
                },
            })
        });
        agree::<ModelDesc<Stack>>(b, |r| {
            let d = ModelDesc::<Layers>::decode(r)?;
            Ok(ModelDesc {
                label: d.label,
                window: d.window,
                input: d.input,
                encoder: owned(d.encoder),
                outputs: match d.outputs {
                    Outputs::LastStep => Outputs::LastStep,
                    Outputs::EveryStep => Outputs::EveryStep,
                    Outputs::EncoderDecoder { steps, decoder } => Outputs::EncoderDecoder {
                        steps,
                        decoder: owned(decoder),
                    },
                },
                head: d.head,
                mask: d.mask,
                names: d.names,
            })
        });
    }
}

#[test]
fn agrees_with_postcard_on_model_files_from_every_offset() {
    let files: [&[u8]; 6] = [
        include_bytes!("../../tests/golden/bidirectional-int8.elsm"),
        include_bytes!("../../tests/golden/encoder-decoder-int8.elsm"),
        include_bytes!("../../tests/golden/many-to-many-int16.elsm"),
        include_bytes!("../../tests/golden/many-to-one-int8.elsm"),
        include_bytes!("../../tests/golden/relu-regression-int16.elsm"),
        include_bytes!("../../tests/golden/stacked-int8.elsm"),
    ];
    for file in files {
        agree_everywhere(&file[HEADER_LEN..]);
    }
}

#[test]
fn agrees_with_postcard_on_varint_edges_and_garbage() {
    let edges: [&[u8]; 14] = [
        &[],
        &[0x7F],
        &[0x80],
        &[0x80, 0x00],
        &[0xFF, 0xFF, 0x03],
        &[0xFF, 0xFF, 0x04],
        &[0xFF, 0xFF, 0x83, 0x00],
        &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
        &[0xFF, 0xFF, 0xFF, 0xFF, 0x10],
        &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02],
        &[0x02, 0xC3, 0x28],
        &[0x02, 0xC3, 0xA9],
    ];
    for bytes in edges {
        agree_everywhere(bytes);
    }
    // Pseudo-random bytes, biased towards small values and the high bit.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let garbage: [u8; 4096] = core::array::from_fn(|_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        match state % 4 {
            0 => (state >> 8) as u8 & 0x03,
            1 => (state >> 8) as u8 | 0x80,
            _ => (state >> 8) as u8,
        }
    });
    agree_everywhere(&garbage);
}
