//! The one error type of the engine: every failure is a value.

/// Why a model file was refused or a call could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The file is shorter than its header.
    Truncated,
    /// The file does not start with [`crate::format::MAGIC`].
    BadMagic,
    /// The file was written by a newer format version than this engine reads.
    FutureVersion(u16),
    /// The file's format version is older than any this engine reads.
    UnsupportedVersion(u16),
    /// The payload's CRC-32 does not match: the file is corrupt.
    BadCrc,
    /// The payload could not be decoded (cut short or garbled).
    Malformed,
    /// Bytes follow the CRC.
    TrailingBytes,
    /// A tensor's shape or length disagrees with the rest of the model.
    Shape(Detail),
    /// A matrix's weights are not word-aligned in memory, which the
    /// Cortex-M4 kernels need: place the file at a 4-byte aligned address
    /// (the format's writer, `to_file_bytes`, aligns every matrix relative
    /// to the file start).
    Misaligned,
    /// A numeric parameter (shift, multiplier, fraction bits) is out of range.
    Parameter(Detail),
    /// The model is larger than this engine's compile-time capacity.
    OverCapacity(Detail),
    /// An input value is outside the one-hot range.
    InputOutOfRange,
    /// The window's length does not fit the model.
    WindowLength,
    /// The output slice is too short for the predictions.
    OutputTooShort,
    /// This model cannot run one step at a time (bidirectional or encoder-decoder).
    NotStreamable,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Truncated => f.write_str("model file truncated"),
            Error::BadMagic => f.write_str("not a model file (bad magic)"),
            Error::FutureVersion(v) => {
                write!(f, "model format version {v} is newer than this engine")
            }
            Error::UnsupportedVersion(v) => write!(f, "model format version {v} is not supported"),
            Error::BadCrc => f.write_str("model file corrupt (CRC mismatch)"),
            Error::Malformed => f.write_str("model file malformed"),
            Error::TrailingBytes => f.write_str("bytes after the end of the model"),
            Error::Shape(what) => write!(f, "inconsistent shape: {}", what.as_str()),
            Error::Misaligned => f.write_str("model weights not word-aligned in memory"),
            Error::Parameter(what) => write!(f, "parameter out of range: {}", what.as_str()),
            Error::OverCapacity(what) => {
                write!(f, "model exceeds engine capacity: {}", what.as_str())
            }
            Error::InputOutOfRange => f.write_str("input value out of range"),
            Error::WindowLength => f.write_str("wrong window length"),
            Error::OutputTooShort => f.write_str("output buffer too short"),
            Error::NotStreamable => f.write_str("model cannot be streamed"),
        }
    }
}

impl core::error::Error for Error {}

/// Defines [`Detail`] from its variants and their words.
macro_rules! details {
    ($($variant:ident => $words:literal,)*) => {
        /// Which check refused a model or an engine: the detail of a
        /// [`Error::Shape`], [`Error::Parameter`] or [`Error::OverCapacity`].
        /// A value, not a string, so firmware that never prints one does not
        /// carry the words.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Detail {
            $(#[doc = $words] $variant,)*
        }

        impl Detail {
            /// The detail in words.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Detail::$variant => $words,)*
                }
            }
        }
    };
}

details! {
    LstmInputKernel => "LSTM input kernel",
    LstmRecurrentKernel => "LSTM recurrent kernel",
    LstmBias => "LSTM bias",
    MatrixTooWide => "matrix wider than 511 columns",
    EmptyStack => "empty LSTM stack",
    NoUnits => "LSTM layer without units",
    NoClasses => "one-hot input without classes",
    NoFeatures => "dense input without features",
    NoDecoderSteps => "encoder-decoder without output steps",
    NoHeadOutputs => "head without outputs",
    HeadGroups => "head rows not in whole, non-empty groups",
    RegressionOutputs => "regression head with more than one output per group",
    HeadWeights => "head weights",
    HeadBias => "head bias",
    RequantShift => "requantisation shift",
    NegativeMultiplier => "negative multiplier",
    CellFrac => "cell fraction bits",
    CandidateFrac => "candidate fraction bits",
    HiddenFrac => "hidden fraction bits",
    InputScale => "input scale",
    OutputScale => "output scale",
    TooManyLayers => "more layers than the engine holds",
    TooManyUnits => "more units than the engine holds",
    TooManyFeatures => "more input features than the engine holds",
    WindowTooLong => "window longer than the sequence buffer",
    DecoderTooLong => "decoder longer than the sequence buffer",
    PadValue => "pad value that is also a one-hot class",
    GruActivation => "GRU cell with a ReLU activation",
    GruCells => "GRU layers, which this build leaves out (feature `gru`)",
    Names => "answer names not one per class (or regression value)",
}
