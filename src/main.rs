//! The `pyexec` binary: parses the command line and starts one role or command.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = pyexec::cli::Cli::parse();
    pyexec::cli::run(cli)
}
