//! The encoder-decoder's decoder: the encoder's last output (the context)
//! repeated at every output step as the input of a decoder stack, which
//! starts from the zero state in the encoder's state slots.

use super::by_layer::{by_layer, Source};
use super::state::{context, layer_output, seq_row, Emit, State};
use super::time_major::Forward;
use crate::kernel::{Kernel, StepInput};
use crate::layers::Layers;
use crate::model::Model;

/// Runs the decoder stack of `steps` output steps on the encoder's context
/// (in row 0 of sequence buffer 0 when `context_in_seq`, else in the last
/// encoder layer's hidden state), calling `emit` at every step.
pub(super) fn decode<K: Kernel, const H: usize, const L: usize, const T: usize>(
    d: &Model,
    decoder: Layers,
    steps: usize,
    context_in_seq: bool,
    st: &mut State<K::Value, H, L, T>,
    emit: &mut impl Emit<K::Value>,
) {
    let (enc_last, dec_last) = (d.encoder().output(), decoder.output());
    let (context_width, context_scale) = (enc_last.width(), enc_last.scale());
    let (width, scale) = (dec_last.width(), dec_last.scale());
    if by_layer::<T>(decoder) {
        let source = Source::Context(context_width);
        let buf = st.sequence::<K>(d, decoder, source, steps, context_scale);
        for t in 0..steps {
            let scratch = st.scratch.as_mut_slice();
            emit(t, seq_row(&st.seq, buf, t, width), scale, scratch);
        }
        return;
    }
    // The context is the same at every step: its input part is projected
    // through the first layer's input kernel once.
    let encoder_layers = d.encoder().len();
    let layers = Forward::<L>::new(decoder);
    let Some(first) = layers.first() else {
        return;
    };
    K::project(
        first,
        (
            context(
                context_in_seq,
                &st.h,
                &st.seq,
                encoder_layers,
                context_width,
            ),
            context_scale,
        ),
        st.cache.as_flattened_mut(),
        st.scratch.as_mut_slice(),
    );
    // The encoder's state is done with: the decoder runs in its slots.
    st.clear(0, layers.len());
    let State {
        h,
        c,
        scratch,
        cache,
        ..
    } = st;
    for t in 0..steps {
        let x = StepInput::Projected(cache.as_flattened());
        let last = layers.step::<K, H>(x, context_scale, h, c, scratch);
        emit(
            t,
            layer_output(h, last, width),
            scale,
            scratch.as_mut_slice(),
        );
    }
}
