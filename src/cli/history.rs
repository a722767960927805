//! `pyexec history`: the run history from a terminal, read from the executor's database
//! (`history.url`, else the SQLite file in `jobs.state_dir`), with the same filters as
//! `GET /api/v1/executions`. An operator's tool: it shows every caller's records.

use std::io::Write as _;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::{load_settings, Outcome};
use crate::config::{Role, Sources};
use crate::history::{Filter, History};
use crate::models::{RunStatus, Source, Tier};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// One request in full: its record, program and result.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The request id.
    pub request_id: String,
    /// Only this caller's request (`key:<id>`, `oidc:<subject>`, `anonymous`).
    #[arg(long)]
    pub owner: Option<String>,
    /// `table` for people, `json` for scripts.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Heavy jobs only.
    #[arg(long)]
    pub jobs: bool,
    /// Statuses, comma-separated (ok, error, timeout, memory_limit, killed, rejected,
    /// internal_error, refused, pending, running, succeeded, failed, cancelled).
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// `lightweight` or `heavy`.
    #[arg(long)]
    pub tier: Option<String>,
    /// `rest`, `llm`, `event` or `cli`.
    #[arg(long)]
    pub source: Option<String>,
    /// Received at or after: RFC 3339, or a duration ago such as `1h` or `2days`.
    #[arg(long)]
    pub since: Option<String>,
    /// Received before: RFC 3339, or a duration ago.
    #[arg(long)]
    pub until: Option<String>,
    /// Request ids starting with this.
    #[arg(long)]
    pub request_id_prefix: Option<String>,
    /// One caller's records.
    #[arg(long)]
    pub owner: Option<String>,
    /// Most records to show (newest first).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// `table` for people, `json` for scripts.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// A time given as RFC 3339 or as a duration before now.
fn when(text: &str) -> anyhow::Result<i64> {
    if let Some(ms) = crate::history::parse_time(text) {
        return Ok(ms);
    }
    let ago = humantime::parse_duration(text).map_err(|_| {
        anyhow::anyhow!("{text:?} is neither an RFC 3339 time nor a duration such as 1h")
    })?;
    Ok(crate::history::now_ms() - i64::try_from(ago.as_millis()).unwrap_or(i64::MAX))
}

impl ListArgs {
    fn filter(&self) -> anyhow::Result<Filter> {
        let statuses = self
            .status
            .iter()
            .map(|s| {
                RunStatus::parse(s.trim()).ok_or_else(|| {
                    anyhow::anyhow!(
                        "unknown status {s:?}; one of {}",
                        RunStatus::ALL.map(RunStatus::as_str).join(", ")
                    )
                })
            })
            .collect::<anyhow::Result<_>>()?;
        let tier = match self.tier.as_deref() {
            None => None,
            Some("lightweight") => Some(Tier::Lightweight),
            Some("heavy") => Some(Tier::Heavy),
            Some(other) => anyhow::bail!("--tier {other:?}: lightweight or heavy"),
        };
        let source = match self.source.as_deref() {
            None => None,
            Some(text) => Some(
                Source::parse(text)
                    .ok_or_else(|| anyhow::anyhow!("--source {text:?}: rest, llm, event or cli"))?,
            ),
        };
        Ok(Filter {
            owner: self.owner.clone(),
            statuses,
            tier,
            source,
            since: self.since.as_deref().map(when).transpose()?,
            until: self.until.as_deref().map(when).transpose()?,
            request_id_prefix: self.request_id_prefix.clone(),
            jobs_only: self.jobs,
            before: None,
            limit: self.limit.clamp(1, crate::history::MAX_PAGE),
        })
    }
}

pub fn run(sources: &Sources, args: &HistoryArgs) -> anyhow::Result<Outcome> {
    let settings = load_settings(sources, Role::Executor)?;
    if !settings.history.enabled {
        anyhow::bail!("the run history is off (history.enabled = false)");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let url = crate::app::history_url(&settings)?;
        let mut quiet = settings.history.clone();
        // Reading only: no retention from here.
        quiet.retention_days = 0;
        quiet.retention_rows = 0;
        quiet.retention_interval_secs = u64::MAX / 4;
        let history = History::open(&url, &quiet, None).await?;
        let outcome = match &args.command {
            Some(HistoryCommand::Show(show)) => show_one(&history, show).await,
            None => list(&history, &args.list).await,
        };
        history.flush(Duration::from_secs(1)).await;
        outcome
    })
}

/// `text` safe for a terminal: control characters other than newline and tab (escape
/// sequences a caller's program printed or wrote into its code) shown as `\u{..}`.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

async fn show_one(history: &History, args: &ShowArgs) -> anyhow::Result<Outcome> {
    let rows = history.by_request_id(&args.request_id).await?;
    let Some(row) = rows
        .into_iter()
        .find(|r| args.owner.as_ref().is_none_or(|o| &r.owner == o))
    else {
        anyhow::bail!("no request {:?} in the history", args.request_id);
    };
    let record = row.to_record(true);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&record)?),
        Format::Table => {
            let value = serde_json::to_value(&record)?;
            let mut out = std::io::stdout().lock();
            if let Some(map) = value.as_object() {
                for (key, value) in map {
                    if key == "result" || key == "code" {
                        continue;
                    }
                    let text = match value {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    writeln!(out, "{key:<18} {}", printable(&text))?;
                }
            }
            if let Some(code) = &record.code {
                writeln!(out, "\n--- code\n{}", printable(code.trim_end()))?;
            }
            if let Some(result) = &record.result {
                if !result.stdout.is_empty() {
                    writeln!(out, "\n--- stdout\n{}", printable(result.stdout.trim_end()))?;
                }
                if !result.stderr.is_empty() {
                    writeln!(out, "\n--- stderr\n{}", printable(result.stderr.trim_end()))?;
                }
            }
        }
    }
    Ok(Outcome::Success)
}

async fn list(history: &History, args: &ListArgs) -> anyhow::Result<Outcome> {
    let rows = history.list(&args.filter()?).await?;
    let records: Vec<_> = rows.iter().map(|r| r.to_record(false)).collect();
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&records)?),
        Format::Table => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:<24}  {:<36}  {:<6}  {:<11}  {:<14}  {:>10}  OWNER",
                "RECEIVED", "REQUEST ID", "SOURCE", "TIER", "STATUS", "DURATION"
            )?;
            for r in &records {
                let duration = r
                    .duration_ms
                    .map_or_else(|| "-".to_owned(), |ms| format!("{ms:.1} ms"));
                writeln!(
                    out,
                    "{:<24}  {:<36}  {:<6}  {:<11}  {:<14}  {:>10}  {}",
                    r.received_at,
                    r.request_id,
                    r.source.as_str(),
                    r.tier.map_or_else(|| "-".to_owned(), |t| t.to_string()),
                    r.status.as_str(),
                    duration,
                    printable(&r.owner)
                )?;
            }
            if records.is_empty() {
                writeln!(out, "(no records)")?;
            }
        }
    }
    Ok(Outcome::Success)
}
