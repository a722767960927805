//! Command-line interface. Each subcommand lives in its own file; `run` dispatches and turns
//! each command's [`Outcome`] or error into an exit code (see [`Outcome::exit_code`]).

mod ask;
mod auth;
mod config_show;
mod exec;
mod history;
mod job;
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
    /// Log more: `-v` info, `-vv` debug, `-vvv` trace (one-shot commands log warnings only)
    ///
    /// Without `-v`, `PYEXEC_LOG__LEVEL` or the --config file's `[log] level` apply;
    /// `RUST_LOG` beats all. `serve` and `job-run` log at their configured level.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
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
    #[command(after_help = JOB_RUN_HELP)]
    JobRun(serve::JobRunArgs),
    /// Run one program in the sandbox, without a server, and print its result.
    #[command(after_help = exec::EXIT_CODES_HELP)]
    Exec(exec::ExecArgs),
    /// Ask a question: the LLM writes a program, it is validated and run, the output printed.
    Ask(ask::AskArgs),
    /// Print the Kubernetes objects (the Secret holding the code, and the Job) a heavy request
    /// creates.
    JobManifest(job_manifest::JobManifestArgs),
    /// Heavy jobs through a running executor: submit, status, logs, outputs, cancel
    /// (PYEXEC_EXECUTOR_URL, PYEXEC_API_KEY).
    Job(job::JobArgs),
    /// Check a Python program against the validator's rules and print the verdict.
    Validate(validate::ValidateArgs),
    /// Print the documentation of a rule.
    Explain(rules::ExplainArgs),
    /// List every validator rule with its code.
    Rules(rules::RulesArgs),
    /// Inspect configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Make API keys and the digests the configuration keeps of them.
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// The run history: recent requests (filters as in GET /api/v1/executions), or one in
    /// full (`history show REQUEST_ID`).
    History(history::HistoryArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a role's effective configuration (defaults, role file, --config, PYEXEC_*),
    /// with secrets redacted.
    Show(config_show::ShowArgs),
}

/// `pyexec job-run --help`: its inputs come from the environment, not from arguments (the
/// backends start it that way; see `jobs::runner::RunSpec::from_env`).
const JOB_RUN_HELP: &str = "\
Inputs (environment variables):
  CODE_FILE   Path of the Python program to run (the backends set this)
  CODE        The program itself, for manual runs; set CODE_FILE or CODE, not both
  REQUEST_ID  Id of the request (letters, digits, - _ . : only); results are written to
              storage under results/REQUEST_ID/
  TIMEOUT     Wall-clock limit in seconds (optional; default jobs.default_limits, capped
              by jobs.max_limits)
  LIMITS      A ResourceLimits JSON object, e.g. {\"memory_mb\": 2048} (optional; each value
              capped by jobs.max_limits)
  RELAY_OUTPUT 1: the program's output is also written to standard error as it comes, one
              JSON line per piece (the backends set it, for GET /api/v1/jobs/{id}/logs)
  TRACEPARENT The W3C trace context of the job (optional): the runner's spans and log
              lines continue that trace; TRACESTATE goes with it

Prints the ExecutionResult as one JSON line on standard output.

Exit codes:
  0  the program ran and succeeded
  1  the program was refused or failed (the result says how)
  2  the runner could not do its work (bad input, sandbox, storage)";

/// What a command's outcome means for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The command ran and the verdict is positive.
    Success,
    /// The command ran and the verdict is negative (code rejected by `validate`, a failed
    /// program: an exception, a non-zero exit, a signal).
    Negative,
    /// The validator refused the program; nothing ran.
    Refused,
    /// The program ran past its wall-clock limit and was killed.
    TimedOut,
    /// The program ran out of memory.
    OutOfMemory,
    /// The sandbox failed, not the program.
    SandboxFailed,
}

impl Outcome {
    /// The outcome of a program that ran (or was refused) in the sandbox.
    pub fn of_execution(status: crate::models::ExecutionStatus) -> Self {
        use crate::models::ExecutionStatus as S;
        match status {
            S::Ok => Self::Success,
            S::Error | S::Killed => Self::Negative,
            S::Rejected => Self::Refused,
            S::Timeout => Self::TimedOut,
            S::MemoryLimit => Self::OutOfMemory,
            S::InternalError => Self::SandboxFailed,
        }
    }

    /// 0 success; 1 a negative verdict; 2 the command could not run (also clap's code for a
    /// bad command line); 3 refused; 4 timed out; 5 out of memory.
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Self::Success => 0,
            Self::Negative => 1,
            Self::SandboxFailed => 2,
            Self::Refused => 3,
            Self::TimedOut => 4,
            Self::OutOfMemory => 5,
        })
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let sources = cli.global.sources();
    let one_shot = !matches!(cli.command, Command::Serve(_) | Command::JobRun(_));
    if one_shot {
        if let Err(err) = init_one_shot_logs(&cli.global) {
            eprintln!("error: {}", crate::telemetry::error_chain(&err));
            return ExitCode::from(2);
        }
    }
    let result = match cli.command {
        Command::Serve(args) => serve::serve(&sources, &args),
        Command::JobRun(args) => serve::job_run(&sources, &args),
        Command::Exec(args) => exec::run(&sources, &args),
        Command::Ask(args) => ask::run(&sources, &args),
        Command::JobManifest(args) => job_manifest::run(&sources, &args),
        Command::Job(args) => job::run(&args),
        Command::Validate(args) => validate::run(&sources, &args),
        Command::Explain(args) => rules::explain(&args),
        Command::Rules(args) => rules::list(&args),
        Command::Config(ConfigCommand::Show(args)) => config_show::run(&sources, &args),
        Command::Auth(command) => auth::run(&command),
        Command::History(args) => history::run(&sources, &args),
    };
    match result {
        Ok(outcome) => outcome.exit_code(),
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

/// One-shot commands print a result; their logs are for trouble only. They log warnings
/// unless asked for more: `-v` (info), `-vv` (debug), `-vvv` (trace), else
/// `PYEXEC_LOG__LEVEL`, else `[log] level` in the `--config` file; `RUST_LOG` beats them all
/// (`telemetry::init`). The role files' `info` is for services and is not used here.
fn init_one_shot_logs(global: &GlobalArgs) -> Result<(), crate::telemetry::TelemetryError> {
    let level = match global.verbose {
        0 => std::env::var("PYEXEC_LOG__LEVEL")
            .ok()
            .or_else(|| global.config.as_deref().and_then(configured_level))
            .unwrap_or_else(|| "warn".to_owned()),
        1 => "info".to_owned(),
        2 => "debug".to_owned(),
        _ => "trace".to_owned(),
    };
    crate::telemetry::init(&crate::config::LogSettings {
        level,
        ..crate::config::LogSettings::default()
    })
}

/// `[log] level` in a configuration file, if it sets one. A file that cannot be read or
/// parsed sets none here; loading the configuration reports it.
fn configured_level(path: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let table: toml::Table = text.parse().ok()?;
    table.get("log")?.get("level")?.as_str().map(str::to_owned)
}
