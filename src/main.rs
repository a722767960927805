//! The `pyexec` binary: parses the command line and starts one role or command.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A sandbox slot starting: this must run before anything starts a thread.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "__sandbox-init")
    {
        return match pyexec::sandbox::init::run() {
            Ok(never) => match never {},
            Err(err) => {
                eprintln!(
                    "sandbox init failed: {}",
                    pyexec::telemetry::error_chain(&err)
                );
                ExitCode::from(3)
            }
        };
    }
    let cli = pyexec::cli::Cli::parse();
    pyexec::cli::run(cli)
}
