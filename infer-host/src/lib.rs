//! Host-side tools for [`infer_nostd`] model files (std): what the
//! trainer, the tests and the fuzz harness share and a device never links.
//!
//! - [`quantise`]: calibration and quantisation of a float network into a
//!   model file, and the float reference it is measured against;
//! - [`file`]: the writer (postcard encoding, alignment, framing and CRC)
//!   and its inverse for tools, [`file::payload`];
//! - [`owned`]: owned builders of the file views (matrices, layers);
//! - [`layout`]: every weight layout conversion (transpose, gate order,
//!   row groups);
//! - [`describe`]: a loaded model's description with its stacks decoded,
//!   the owned view tools inspect and re-encode;
//! - [`HostEngine`] and [`HostReference`]: runners sized for any model a
//!   host meets.

pub mod file;
pub mod layout;
pub mod owned;
pub mod quantise;

use infer_nostd::format::{ModelDesc, Outputs, RecurrentLayer, MAX_STACK_LAYERS};
use infer_nostd::{Layers, Model};

/// A runner sized like [`HostEngine`], for either arithmetic.
pub type HostRunner<'a, K> = infer_nostd::Runner<'a, K, HOST_UNITS, HOST_LAYERS, HOST_STEPS>;

/// Units per layer a host runner holds: [`infer_nostd::MAX_COLS`], the
/// widest layer a file may hold.
pub const HOST_UNITS: usize = infer_nostd::MAX_COLS;
/// Layers a host runner holds (encoder and decoder stacks together).
pub const HOST_LAYERS: usize = 2 * MAX_STACK_LAYERS;
/// Timesteps a host runner buffers for bidirectional layers.
pub const HOST_STEPS: usize = 32;

/// A fixed-point engine sized for any model a host will meet (about 150
/// KiB: box it on small stacks).
pub type HostEngine<'a> = HostRunner<'a, infer_nostd::Fixed>;
/// The f32 reference sized like [`HostEngine`].
pub type HostReference<'a> = HostRunner<'a, infer_nostd::Float>;

/// A stack of layers as host tools hold it: decoded, in order.
pub type Stack<'a> = heapless::Vec<RecurrentLayer<'a>, MAX_STACK_LAYERS>;

/// A model description as host tools hold it (the file view with its
/// stacks decoded): what [`file::to_file_bytes`] encodes and postcard
/// decodes.
pub type FileDesc<'a> = ModelDesc<'a, Stack<'a>>;

/// The description of a loaded model, its stacks decoded (about 1.3 KB).
pub fn describe<'a>(model: &Model<'a>) -> FileDesc<'a> {
    let stack = |layers: Layers<'a>| layers.iter().collect::<Stack<'a>>();
    let d = model.desc();
    ModelDesc {
        label: d.label,
        window: d.window,
        input: d.input,
        encoder: stack(d.encoder),
        outputs: match d.outputs {
            Outputs::LastStep => Outputs::LastStep,
            Outputs::EveryStep => Outputs::EveryStep,
            Outputs::EncoderDecoder { steps, decoder } => Outputs::EncoderDecoder {
                steps,
                decoder: stack(decoder),
            },
        },
        head: d.head,
        mask: d.mask,
        names: d.names,
    }
}
