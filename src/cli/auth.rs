//! `pyexec auth`: make API keys and the digests the configuration stores.

use std::io::Read as _;

use clap::{Args, Subcommand};

use super::Outcome;
use crate::models::Scope;

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Make a new random API key; prints the key (give it to the caller, once) and the
    /// `[[auth.api_keys]]` entry to add to the configuration (only the key's SHA-256).
    NewKey(NewKeyArgs),
    /// Print the SHA-256 digest of a key read from standard input (for `auth.api_keys`).
    HashKey,
}

#[derive(Debug, Args)]
pub struct NewKeyArgs {
    /// The caller's name (`key:<ID>` in logs, job owners and admission).
    #[arg(long)]
    pub id: String,
    /// Scopes: query, execute, jobs:read, jobs:write, delegate, admin (repeat or comma-separate).
    #[arg(long = "scope", value_delimiter = ',', required = true, value_parser = parse_scope)]
    pub scopes: Vec<Scope>,
}

fn parse_scope(text: &str) -> Result<Scope, String> {
    Scope::parse(text).ok_or_else(|| {
        format!("unknown scope {text:?}: query, execute, jobs:read, jobs:write, delegate or admin")
    })
}

pub fn run(command: &AuthCommand) -> anyhow::Result<Outcome> {
    match command {
        AuthCommand::NewKey(args) => {
            let key = format!(
                "pyx_{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            );
            let scopes: Vec<String> = args
                .scopes
                .iter()
                .map(|s| format!("{:?}", s.as_str()))
                .collect();
            println!("# The key (shown once; send it as `Authorization: Bearer <key>`):");
            println!("# {key}");
            println!("[[auth.api_keys]]");
            println!("id = {:?}", args.id);
            println!("sha256 = {:?}", crate::http::hash_key(&key));
            println!("scopes = [{}]", scopes.join(", "));
        }
        AuthCommand::HashKey => {
            let mut key = String::new();
            std::io::stdin().read_to_string(&mut key)?;
            let key = key.trim_end_matches(['\n', '\r']);
            anyhow::ensure!(!key.is_empty(), "no key on standard input");
            println!("{}", crate::http::hash_key(key));
        }
    }
    Ok(Outcome::Success)
}
