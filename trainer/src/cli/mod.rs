//! The command line: `train`, `eval`, `inspect`, `predict`, `compare`.
//!
//! Every failure is a message on stderr and a non-zero exit code
//! ([`outcome::EXIT_CODES`]); results go to stdout, and with `--json` stdout holds
//! JSON only. Inputs are bounded: model files ([`model_file`]), lines and
//! windows ([`predict_cmd`]) and every numeric flag ([`flags`]).

pub mod args;
pub mod compare_cmd;
pub mod console;
pub mod data_cmd;
pub mod eval_cmd;
pub mod flags;
pub mod inspect_cmd;
pub mod model_file;
pub mod out_path;
pub mod outcome;
pub mod predict_cmd;
pub mod text;
pub mod train_cmd;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser as _;

use args::{Cli, Command};
use outcome::{exit_code, Outcome, EXIT_BELOW_TARGET, EXIT_USAGE};

/// Runs the command line and maps the outcome to an exit code
/// ([`outcome::EXIT_CODES`]).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // clap quotes the offending value whole: cut long ones.
            console::err(text::shorten_words(e.render().to_string().trim_end()));
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_USAGE));
        }
        Err(e) => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    match run(cli) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::BelowTarget) => ExitCode::from(EXIT_BELOW_TARGET),
        Err(e) if e.downcast_ref::<console::Closed>().is_some() => ExitCode::SUCCESS,
        Err(e) => {
            console::err(format_args!("error: {e:#}"));
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Train(args) => train_cmd::run(&args),
        Command::Eval(args) => eval_cmd::run(&args),
        Command::Inspect(args) => inspect_cmd::run(&args),
        Command::Predict(args) => predict_cmd::run(&args),
        Command::Compare(args) => compare_cmd::run(&args),
    }
}
