//! `pyexec exec`: run one program in the sandbox without a server.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::validate::{read_source, Format};
use super::{load_settings, Outcome};
use crate::config::{Role, Sources};
use crate::executor::Failure;
use crate::models::{CodeExecutionRequest, ExecutionStatus, ResourceLimits, TierChoice};

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Python file to run, or `-` for standard input.
    #[arg(default_value = "-")]
    pub file: PathBuf,
    /// Wall-clock limit in seconds (default from `executor.default_limits`).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Memory limit in MiB (default from `executor.default_limits`).
    #[arg(long, value_name = "N")]
    pub memory_mb: Option<u64>,
    /// `text` prints the program's output and a summary line; `json` the ExecutionResult.
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
    crate::telemetry::init(&settings.log)?;
    let (_, source) = read_source(&args.file)?;
    let code = String::from_utf8(source).context("the program is not valid UTF-8")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let flags = crate::app::Flags {
            validate: !args.no_validate,
            guards: !args.no_guards,
        };
        let executor = crate::app::build_executor(sources, &settings, flags, None, true).await?;
        let request = CodeExecutionRequest {
            code,
            request_id: None,
            tier: TierChoice::Lightweight,
            limits: Some(ResourceLimits {
                timeout_secs: args.timeout,
                memory_mb: args.memory_mb,
                ..ResourceLimits::default()
            }),
        };
        let outcome = executor
            .execute(
                &crate::models::Caller::anonymous(),
                request,
                crate::telemetry::new_request_id(),
            )
            .await;
        executor.pool.shutdown(Duration::ZERO).await;
        match outcome {
            Ok(result) => Ok(result),
            Err(Failure::BadRequest(message)) => Err(anyhow::anyhow!(message)),
            Err(Failure::Execution(err)) => Err(anyhow::anyhow!(err)),
            Err(Failure::NoJobs | Failure::Jobs(_)) => {
                Err(anyhow::anyhow!("exec runs no heavy jobs"))
            }
        }
    })?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&result)?),
        Format::Text => {
            std::io::stdout().write_all(result.stdout.as_bytes())?;
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
            eprintln!(
                "status: {:?}, exit {:?}, signal {:?}, {:.1} ms, cpu {:.1} ms, peak {} KiB{}{}",
                result.status,
                result.exit_code,
                result.signal,
                result.duration_ms,
                result.cpu_ms,
                result.peak_memory_kb,
                if result.stdout_truncated {
                    ", stdout truncated"
                } else {
                    ""
                },
                if result.stderr_truncated {
                    ", stderr truncated"
                } else {
                    ""
                },
            );
        }
    }
    Ok(if result.status == ExecutionStatus::Ok {
        Outcome::Success
    } else {
        Outcome::Negative
    })
}
