//! Command-line interface. Each subcommand lives in its own file; `run` dispatches and turns
//! errors into exit codes (0 success, 1 a negative verdict such as rejected code, 2 the
//! command itself could not run).

mod ask;
mod config_show;
mod exec;
mod job_manifest;
mod rules;
mod serve;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{Role, Sources};

/// Run LLM-generated Python safely: static validation, a warm OS-level sandbox, heavy jobs.
#[derive(Debug, Parser)]
#[command(name = "pyexec", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// TOML file layered over the role's configuration (before PYEXEC_* variables).
    #[arg(long, global = true, env = "PYEXEC_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder laid out like the repository's `roles/`, replacing the built-in role files and
    /// policies.
    #[arg(long, global = true, env = "PYEXEC_ROLES_DIR", value_name = "DIR")]
    pub roles_dir: Option<PathBuf>,
}

impl GlobalArgs {
    pub fn sources(&self) -> Sources {
        Sources {
            roles_dir: self.roles_dir.clone(),
            config_file: self.config.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a long-running service.
    Serve(serve::ServeArgs),
    /// Run one heavy job (inside a Kubernetes Job or the local job backend).
    JobRun(serve::JobRunArgs),
    /// Run one program in the sandbox, without a server, and print its result.
    Exec(exec::ExecArgs),
    /// Ask a question: the LLM writes a program, it is validated and run, the output printed.
    Ask(ask::AskArgs),
    /// Print the Kubernetes objects (the Secret holding the code, and the Job) a heavy request
    /// creates.
    JobManifest(job_manifest::JobManifestArgs),
    /// Check a Python program against the validator's rules and print the verdict.
    Validate(validate::ValidateArgs),
    /// Print the documentation of a rule.
    Explain(rules::ExplainArgs),
    /// List every validator rule with its code.
    Rules(rules::RulesArgs),
    /// Inspect configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a role's effective configuration (defaults, role file, --config, PYEXEC_*),
    /// with secrets redacted.
    Show(config_show::ShowArgs),
}

/// What a command's outcome means for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The command ran and the verdict is positive.
    Success,
    /// The command ran and the verdict is negative (rejected code, failed execution).
    Negative,
}

pub fn run(cli: Cli) -> ExitCode {
    let sources = cli.global.sources();
    let result = match cli.command {
        Command::Serve(args) => serve::serve(&sources, &args),
        Command::JobRun(args) => serve::job_run(&sources, &args),
        Command::Exec(args) => exec::run(&sources, &args),
        Command::Ask(args) => ask::run(&sources, &args),
        Command::JobManifest(args) => job_manifest::run(&sources, &args),
        Command::Validate(args) => validate::run(&sources, &args),
        Command::Explain(args) => rules::explain(&args),
        Command::Rules(args) => rules::list(&args),
        Command::Config(ConfigCommand::Show(args)) => config_show::run(&sources, &args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Negative) => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Loads a role's settings, naming the role in the error.
pub(crate) fn load_settings(
    sources: &Sources,
    role: Role,
) -> anyhow::Result<crate::config::Settings> {
    use anyhow::Context as _;
    sources
        .load(role)
        .with_context(|| format!("cannot load the configuration of role {role}"))
}
