//! The `trainer` command line.

fn main() -> std::process::ExitCode {
    trainer::cli::main()
}
