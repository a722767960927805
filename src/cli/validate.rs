use std::io::Read as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use super::{load_settings, Outcome};
use crate::config::{Role, Sources};
use crate::models::{TierChoice, ValidationResult};
use crate::validator::Validator;

/// How a command prints its result; each command's `--format` help says what it prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Python file to check, or `-` for standard input.
    #[arg(default_value = "-")]
    pub file: PathBuf,
    /// `text`: compiler-style lines, `file:line:col: CODE message`, one per finding, a
    /// `heavy:` line per reason for the heavy tier, then the verdict; `json`: the
    /// ValidationResult object.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Tier whose policy applies; `auto` lets the classifier choose.
    #[arg(long, value_enum, default_value_t = TierChoice::Auto)]
    pub tier: TierChoice,
    /// Role whose `[validator]` and `[classifier]` settings apply.
    #[arg(long, value_enum, default_value_t = Role::Llm)]
    pub role: Role,
}

pub fn run(sources: &Sources, args: &ValidateArgs) -> anyhow::Result<Outcome> {
    let settings = load_settings(sources, args.role)?;
    let validator =
        Validator::load(sources, &settings).context("cannot load the validator's policies")?;
    let (name, source) = read_source(&args.file)?;
    let result = validator.validate_bytes(&source, args.tier);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&result)?),
        Format::Text => print_text(&name, &result),
    }
    Ok(if result.valid {
        Outcome::Success
    } else {
        Outcome::Negative
    })
}

pub(crate) fn read_source(file: &PathBuf) -> anyhow::Result<(String, Vec<u8>)> {
    if file.as_os_str() == "-" {
        let mut buffer = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buffer)
            .context("cannot read standard input")?;
        return Ok(("<stdin>".to_owned(), buffer));
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    Ok((file.display().to_string(), bytes))
}

fn print_text(name: &str, result: &ValidationResult) {
    for finding in &result.findings {
        println!(
            "{name}:{}:{}: {} {}",
            finding.line, finding.column, finding.code, finding.message
        );
    }
    for reason in &result.reasons {
        println!("{name}:{}: heavy: {}", reason.line, reason.detail);
    }
    if result.valid {
        println!("{name}: accepted ({} tier)", result.tier);
    } else {
        let count = result.findings.len();
        let plural = if count == 1 { "" } else { "s" };
        println!(
            "{name}: rejected, {count} finding{plural} ({} tier)",
            result.tier
        );
    }
}
