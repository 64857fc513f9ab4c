//! Writing model files: postcard encoding of a [`FileDesc`], every
//! matrix aligned for the Cortex-M4 kernels, framing (header and CRC-32).
//! The engine's loader (`infer_nostd::Model::from_bytes`) is the reader;
//! the CRC is its [`checksum`].

use infer_nostd::format::{checksum, Matrix, Outputs, FORMAT_VERSION, HEADER_LEN, MAGIC};

use crate::FileDesc;

/// Encodes a model description as a complete model file, with every
/// matrix's `align` bytes chosen so that its `values` start at a multiple
/// of four bytes from the start of the file.
pub fn to_file_bytes(desc: &FileDesc<'_>) -> Result<Vec<u8>, postcard::Error> {
    const ZEROS: [u8; 3] = [0; 3];
    let mut desc = desc.clone();
    for m in matrices(&mut desc) {
        m.align = &[];
    }
    // Where each matrix's values land without padding; `align` is encoded
    // as one length byte and 0-3 zeros, so padding a matrix moves the ones
    // after it by exactly its padding.
    let file = encode(&desc)?;
    let mut parsed: FileDesc = postcard::from_bytes(&file[HEADER_LEN..file.len() - 4])?;
    let mut shift = 0;
    for (m, unpadded) in matrices(&mut desc).into_iter().zip(matrices(&mut parsed)) {
        let offset = unpadded.values.as_ptr() as usize - file.as_ptr() as usize + shift;
        let pad = (4 - offset % 4) % 4;
        m.align = &ZEROS[..pad];
        shift += pad;
    }
    encode(&desc)
}

/// Every matrix of `desc`, in file order.
fn matrices<'d, 'a>(desc: &'d mut FileDesc<'a>) -> Vec<&'d mut Matrix<'a>> {
    let mut out = Vec::new();
    let decoder = match &mut desc.outputs {
        Outputs::EncoderDecoder { decoder, .. } => Some(decoder),
        _ => None,
    };
    let layers = desc
        .encoder
        .iter_mut()
        .chain(decoder.into_iter().flat_map(|d| d.iter_mut()));
    for layer in layers {
        for w in core::iter::once(&mut layer.forward).chain(layer.backward.as_mut()) {
            out.push(&mut w.input);
            out.push(&mut w.recurrent);
        }
    }
    out.push(&mut desc.head.dense);
    out
}

/// The file bytes of `desc` as it is.
fn encode(desc: &FileDesc<'_>) -> Result<Vec<u8>, postcard::Error> {
    Ok(frame(&postcard::to_allocvec(desc)?))
}

/// A model file holding `payload`: the header (magic, format version),
/// the payload, and its CRC-32 ([`checksum`]) little-endian. The inverse
/// of [`payload`].
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut file = Vec::with_capacity(HEADER_LEN + payload.len() + 4);
    file.extend_from_slice(&MAGIC);
    file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    file.extend_from_slice(payload);
    file.extend_from_slice(&checksum(payload).to_le_bytes());
    file
}

/// The payload of a model file (between the header and the CRC), unchecked;
/// `None` if the file is too short to hold a header and a CRC. The inverse
/// of [`frame`].
pub fn payload(file: &[u8]) -> Option<&[u8]> {
    file.get(HEADER_LEN..file.len().checked_sub(4)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crc_is_the_zlib_one_and_framing_round_trips() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(checksum(b"123456789"), 0xCBF4_3926);
        let file = frame(b"payload");
        assert_eq!(&file[..4], b"ELSM");
        assert_eq!(payload(&file), Some(&b"payload"[..]));
        assert_eq!(payload(&file[..9]), None);
    }
}
