//! The `roles/` files compiled into the binary, so that it runs with no files beside it.

use crate::config::Role;

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
];

impl Embedded {
    pub fn role_file(role: Role) -> &'static str {
        match role {
            Role::Llm => include_str!("../../roles/llm.toml"),
            Role::Executor => include_str!("../../roles/executor.toml"),
            Role::All => include_str!("../../roles/all.toml"),
            Role::JobRun => include_str!("../../roles/job-run.toml"),
        }
    }

    pub fn policy_file(name: &str) -> Option<&'static str> {
        POLICY_FILES
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, text)| *text)
    }
}
