//! `pyexec exec`: run one program in the sandbox without a server.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::validate::{read_source, Format};
use super::{load_settings, Outcome};
use crate::config::{Role, Settings, Sources};
use crate::executor::Failure;
use crate::models::{
    CodeExecutionRequest, ExecutionResult, ExecutionStatus, ReasonKind, ResourceLimits, Tier,
    TierChoice,
};
use crate::validator::Validator;

/// `pyexec exec --help`: what each exit code means (see [`Outcome::exit_code`]).
pub(super) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  ok: the program ran and exited 0
  1  failed: the program raised, exited non-zero or was killed by a signal
  2  pyexec could not run it (bad arguments, configuration, the sandbox failed)
  3  refused: the validator rejected the program; nothing ran
  4  timed out: the program ran past --timeout and was killed
  5  out of memory: the program went over --memory-mb";

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Python file to run, or `-` for standard input.
    #[arg(default_value = "-")]
    pub file: PathBuf,
    /// Wall-clock limit in seconds, more than 0 and at most `executor.max_limits.timeout_secs`
    /// (default `executor.default_limits.timeout_secs`).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Memory limit in MiB, at least 1 and at most `executor.max_limits.memory_mb` (default
    /// `executor.default_limits.memory_mb`).
    #[arg(long, value_name = "N")]
    pub memory_mb: Option<u64>,
    /// `text`: the program's stdout and stderr as they are, then findings and a status line
    /// (`ok · exit 0 · 0.7 ms · cpu 0.5 ms · peak 1.0 MiB`) on stderr; `json`: the
    /// ExecutionResult object on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Operator flag: skip the static validator, to test the lower layers alone.
    #[arg(long)]
    pub no_validate: bool,
    /// Operator flag: switch off the Python guards, to test the OS layer alone.
    #[arg(long)]
    pub no_guards: bool,
}

pub fn run(sources: &Sources, args: &ExecArgs) -> anyhow::Result<Outcome> {
    let mut settings = load_settings(sources, Role::Executor)?;
    settings.executor.pool_size = 1;
    check_limits(&settings, args)?;
    let (_, source) = read_source(&args.file)?;
    let code = String::from_utf8(source).context("the program is not valid UTF-8")?;
    let heavy = heavy_reasons(sources, &settings, &code)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let flags = crate::app::Flags {
            validate: !args.no_validate,
            guards: !args.no_guards,
        };
        // Recorded like a service's runs (source `cli`): `pyexec history` shows them.
        let history = crate::app::open_history(&settings, None).await?;
        let executor = crate::app::build_executor(sources, &settings, flags, None, true, None)
            .await?
            .record_in(history.clone());
        let request = CodeExecutionRequest {
            code,
            request_id: None,
            tier: TierChoice::Lightweight,
            limits: Some(ResourceLimits {
                timeout_secs: args.timeout,
                memory_mb: args.memory_mb,
                ..ResourceLimits::default()
            }),
            inputs: Vec::new(),
        };
        let outcome = executor
            .submit(
                &crate::models::Caller::anonymous(),
                request,
                crate::telemetry::new_request_id(),
                crate::executor::Route::Run,
                crate::executor::Origin::new(crate::models::Source::Cli, false),
            )
            .await;
        // Let the slot finish re-arming first (a moment): shut down mid-way, it would be
        // abandoned and killed, and say so in a warning that means nothing here.
        let settle = tokio::time::Instant::now() + Duration::from_secs(2);
        while executor.pool.health().states.rearming > 0 && tokio::time::Instant::now() < settle {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        executor.pool.shutdown(Duration::ZERO).await;
        if let Some(history) = &history {
            history.flush(Duration::from_secs(5)).await;
        }
        match outcome {
            Ok(crate::executor::Submitted::Ran(result)) => Ok(result),
            Ok(crate::executor::Submitted::Job(_)) => {
                Err(anyhow::anyhow!("exec runs no heavy jobs"))
            }
            Err(Failure::BadRequest(message)) => Err(anyhow::anyhow!(message)),
            Err(Failure::Execution(err)) => Err(anyhow::anyhow!(err)),
            Err(
                Failure::NoJobs
                | Failure::Jobs(_)
                | Failure::Conflict(_)
                | Failure::NoHistory
                | Failure::History(_),
            ) => Err(anyhow::anyhow!("exec runs no heavy jobs")),
        }
    })?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&result)?),
        Format::Text => {
            std::io::stdout().write_all(result.stdout.as_bytes())?;
            std::io::stdout().flush()?;
            std::io::stderr().write_all(result.stderr.as_bytes())?;
            for finding in &result.findings {
                eprintln!(
                    "{}:{}:{}: {} {}",
                    args.file.display(),
                    finding.line,
                    finding.column,
                    finding.code,
                    finding.message
                );
            }
            for error in &result.errors {
                eprintln!("sandbox error: {error}");
            }
            eprintln!("{}", status_line(&result));
            if !heavy.is_empty() {
                let file = if args.file.as_os_str() == "-" {
                    "FILE".to_owned()
                } else {
                    args.file.display().to_string()
                };
                eprintln!(
                    "hint: this program looks heavy ({})\n      \
                     heavy programs run as jobs, with the data libraries and larger limits:\n      \
                     CODE_FILE={file} REQUEST_ID=my-run pyexec job-run   \
                     (see `pyexec job-run --help`)",
                    heavy.join("; "),
                );
            }
        }
    }
    Ok(Outcome::of_execution(result.status))
}

/// The requested limits against the configured maximums, before anything starts, so that a
/// mistyped value is named with the range it must be in.
fn check_limits(settings: &Settings, args: &ExecArgs) -> anyhow::Result<()> {
    let max = &settings.executor.max_limits;
    if let Some(timeout) = args.timeout {
        if !(timeout.is_finite() && timeout > 0.0 && timeout <= max.timeout_secs) {
            anyhow::bail!(
                "--timeout {timeout}: must be more than 0 and at most {} seconds \
                 (executor.max_limits.timeout_secs)",
                max.timeout_secs
            );
        }
    }
    if let Some(memory) = args.memory_mb {
        if !(1..=max.memory_mb).contains(&memory) {
            anyhow::bail!(
                "--memory-mb {memory}: must be from 1 to {} (executor.max_limits.memory_mb)",
                max.memory_mb
            );
        }
    }
    Ok(())
}

/// The classifier's reasons to run `code` as a heavy job, one text each (`line 1: imports
/// pandas`);
/// empty when it is lightweight (or does not validate at all: the run reports that).
fn heavy_reasons(
    sources: &Sources,
    settings: &Settings,
    code: &str,
) -> anyhow::Result<Vec<String>> {
    let validator =
        Validator::load(sources, settings).context("cannot load the validator's policies")?;
    let verdict = validator.validate(code, TierChoice::Auto);
    if verdict.tier != Tier::Heavy {
        return Ok(Vec::new());
    }
    Ok(verdict
        .reasons
        .iter()
        .map(|r| {
            let what = match r.kind {
                ReasonKind::HeavyImport => "imports",
                ReasonKind::StorageIo => "storage I/O:",
                ReasonKind::LargeLiteral => "large literal:",
                ReasonKind::LoopComplexity => "large loop:",
            };
            format!("line {}: {what} {}", r.line, r.detail)
        })
        .collect())
}

/// One line a person reads: `ok · exit 0 · 0.7 ms · cpu 0.5 ms · peak 1.0 MiB`.
pub(super) fn status_line(result: &ExecutionResult) -> String {
    let mut parts = vec![status_label(result.status).to_owned()];
    if result.status == ExecutionStatus::Rejected {
        let count = result.findings.len();
        parts.push(format!(
            "{count} finding{}",
            if count == 1 { "" } else { "s" }
        ));
        return parts.join(" · ");
    }
    if let Some(code) = result.exit_code {
        parts.push(format!("exit {code}"));
    }
    if let Some(signal) = result.signal {
        parts.push(signal_text(signal));
    }
    parts.push(format!("{:.1} ms", result.duration_ms));
    parts.push(format!("cpu {:.1} ms", result.cpu_ms));
    parts.push(format!(
        "peak {:.1} MiB",
        result.peak_memory_kb as f64 / 1024.0
    ));
    if result.stdout_truncated {
        parts.push("stdout truncated".to_owned());
    }
    if result.stderr_truncated {
        parts.push("stderr truncated".to_owned());
    }
    parts.join(" · ")
}

/// The status as a person says it.
pub(super) fn status_label(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Ok => "ok",
        ExecutionStatus::Error => "failed",
        ExecutionStatus::Timeout => "timed out",
        ExecutionStatus::MemoryLimit => "out of memory",
        ExecutionStatus::Killed => "killed",
        ExecutionStatus::Rejected => "refused",
        ExecutionStatus::InternalError => "sandbox error",
    }
}

/// `signal 9 (SIGKILL)`, or just the number when it has no name here.
fn signal_text(signal: i32) -> String {
    match nix::sys::signal::Signal::try_from(signal) {
        Ok(name) => format!("signal {signal} ({name})"),
        Err(_) => format!("signal {signal}"),
    }
}
