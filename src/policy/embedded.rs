//! The policy files of `roles/policy/` compiled into the binary, so that it runs with no files
//! beside it, and where else they may come from ([`PolicyFiles`]).

use std::path::Path;

use super::PolicyError;

pub struct Embedded;

const POLICY_FILES: &[(&str, &str)] = &[
    (
        "lightweight.toml",
        include_str!("../../roles/policy/lightweight.toml"),
    ),
    ("heavy.toml", include_str!("../../roles/policy/heavy.toml")),
    (
        "denylist.toml",
        include_str!("../../roles/policy/denylist.toml"),
    ),
    (
        "attributes.toml",
        include_str!("../../roles/policy/attributes.toml"),
    ),
    (
        "module-names.txt",
        include_str!("../../roles/policy/module-names.txt"),
    ),
    (
        "generator.toml",
        include_str!("../../roles/policy/generator.toml"),
    ),
    (
        "objects/lightweight.tsv",
        include_str!("../../roles/policy/objects/lightweight.tsv"),
    ),
    (
        "objects/heavy.tsv",
        include_str!("../../roles/policy/objects/heavy.tsv"),
    ),
    (
        "objects/io-signatures.tsv",
        include_str!("../../roles/policy/objects/io-signatures.tsv"),
    ),
];

impl Embedded {
    pub fn policy_file(name: &str) -> Option<&'static str> {
        POLICY_FILES
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, text)| *text)
    }
}

/// Where the policy files come from: the built-in copies ([`Embedded`]) or a folder laid out
/// like `roles/` (`config::Sources` with `--roles-dir`). Defined here, not in `config`, so
/// that policy loading needs nothing from the configuration loader.
pub trait PolicyFiles {
    /// The text of the policy file `name` (`heavy.toml`, `objects/heavy.tsv`...).
    fn policy_file(&self, name: &str) -> Result<String, PolicyError>;
}

impl PolicyFiles for Embedded {
    fn policy_file(&self, name: &str) -> Result<String, PolicyError> {
        Embedded::policy_file(name)
            .map(str::to_owned)
            .ok_or_else(|| PolicyError::Missing(name.to_owned()))
    }
}

/// Reads a policy file: from `roles_dir/policy/` when set, else the built-in copy.
pub fn read_policy_file(roles_dir: Option<&Path>, name: &str) -> Result<String, PolicyError> {
    match roles_dir {
        Some(dir) => {
            let path = dir.join("policy").join(name);
            std::fs::read_to_string(&path).map_err(|source| PolicyError::Read { path, source })
        }
        None => Embedded.policy_file(name),
    }
}
