use anyhow::bail;
use clap::Args;

use super::Outcome;
use crate::validator::rules::{self, RULES};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule code (`PX101`) or name (`os-command`).
    pub code: String,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// `text`: one line per rule, `CODE name summary`; `json`: an array of objects with
    /// `code`, `name`, `summary` and `see_also`.
    #[arg(long, value_enum, default_value_t = super::validate::Format::Text)]
    pub format: super::validate::Format,
}

pub fn explain(args: &ExplainArgs) -> anyhow::Result<Outcome> {
    let Some(rule) = rules::find(&args.code) else {
        bail!("no rule `{}`; `pyexec rules` lists them all", args.code);
    };
    print!("{}", rule.explain());
    Ok(Outcome::Success)
}

pub fn list(args: &RulesArgs) -> anyhow::Result<Outcome> {
    match args.format {
        super::validate::Format::Text => {
            for rule in RULES {
                println!("{:<6} {:<22} {}", rule.code, rule.name, rule.summary);
            }
        }
        super::validate::Format::Json => {
            let rows: Vec<_> = RULES
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code,
                        "name": r.name,
                        "summary": r.summary,
                        "see_also": r.see_also,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        }
    }
    Ok(Outcome::Success)
}
