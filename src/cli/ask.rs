//! `pyexec ask`: one question through the whole flow, from the command line. Starts a
//! one-slot executor in this process on a loopback port (unless `--executor-url` names a
//! running one) and talks to it over HTTP, as the services do.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::validate::Format;
use super::{load_settings, Outcome};
use crate::config::{Role, Sources};
use crate::llm::flow::{self, QueryRequest};

#[derive(Debug, Args)]
pub struct AskArgs {
    /// The question, in plain language.
    pub question: String,
    /// A small data file (CSV text, a table) the program gets as the string `DATA`.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// `text`: the final code and its output on stdout, then errors and timings on stderr;
    /// `json`: the whole answer (code, attempts, result, timings) as one object.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Use a running executor (e.g. http://127.0.0.1:8081) instead of starting one.
    #[arg(long, value_name = "URL")]
    pub executor_url: Option<String>,
}

pub fn run(sources: &Sources, args: &AskArgs) -> anyhow::Result<Outcome> {
    let mut settings = load_settings(sources, Role::All)?;
    settings.executor.pool_size = 1;
    let data = match &args.data {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let answer = runtime.block_on(async {
        let (executor_url, local) = match &args.executor_url {
            Some(url) => (url.clone(), None),
            None => {
                // A private executor on loopback, open: this process is its only caller.
                // Recorded as the services record: `pyexec history` shows the question's run.
                let history = crate::app::open_history(&settings, None).await?;
                let jobs =
                    crate::jobs::JobService::new(&settings, sources, history.clone()).await?;
                let flags = crate::app::Flags {
                    validate: true,
                    guards: true,
                };
                let executor =
                    crate::app::build_executor(sources, &settings, flags, Some(jobs), true, None)
                        .await?
                        .record_in(history.clone());
                let pool = executor.pool.clone();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let url = format!("http://{}", listener.local_addr()?);
                let state = Arc::new(crate::executor::api::AppState {
                    executor,
                    body: settings.server.body_limits(),
                    auth: Arc::new(crate::http::Authenticator::open()),
                    metrics: None,
                    follows: Default::default(),
                });
                let limits = settings.server.limits(Duration::ZERO);
                let (_stop, stopped) = tokio::sync::watch::channel(false);
                let server = tokio::spawn(async move {
                    crate::http::serve(
                        listener,
                        crate::executor::api::router(state),
                        limits,
                        stopped,
                    )
                    .await
                });
                (url, Some((pool, server, history)))
            }
        };
        let context = crate::app::build_llm_context(
            sources,
            &settings,
            &executor_url,
            settings.auth.executor_api_key.clone(),
            None,
        )
        .await?;
        let request = QueryRequest {
            query: args.question.clone(),
            data,
            options: None,
        };
        let answer = flow::answer(
            &context,
            request,
            crate::telemetry::new_request_id(),
            "anonymous",
        )
        .await;
        if let Some((pool, server, history)) = local {
            server.abort();
            pool.shutdown(Duration::ZERO).await;
            if let Some(history) = history {
                history.flush(Duration::from_secs(5)).await;
            }
        }
        answer.map_err(anyhow::Error::from)
    })?;
    let outcome = answer
        .result
        .as_ref()
        .map_or(Outcome::Negative, |r| Outcome::of_execution(r.status));
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&answer)?),
        Format::Text => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "# code ({} tier, {} attempt(s))",
                answer.tier,
                answer.attempts.len()
            )?;
            writeln!(out, "{}", answer.code)?;
            if let Some(result) = &answer.result {
                writeln!(out, "# output ({})", super::exec::status_line(result))?;
                out.write_all(result.stdout.as_bytes())?;
                if !result.stderr.is_empty() {
                    eprint!("{}", result.stderr);
                }
                for finding in &result.findings {
                    eprintln!(
                        "line {}: {} {}",
                        finding.line, finding.code, finding.message
                    );
                }
            }
            if let Some(error) = &answer.error {
                eprintln!("error: {error}");
            }
            eprintln!(
                "llm {:.0} ms, validate {:.1} ms, execute {:.1} ms, total {:.0} ms",
                answer.timings.llm_ms,
                answer.timings.validate_ms,
                answer.timings.execute_ms,
                answer.timings.total_ms
            );
        }
    }
    Ok(outcome)
}
