//! The role files of `roles/` compiled into the binary, so that it runs with no files beside
//! it. (The policy files are built in by `policy`.)

use super::Role;

pub(super) fn role_file(role: Role) -> &'static str {
    match role {
        Role::Llm => include_str!("../../roles/llm.toml"),
        Role::Executor => include_str!("../../roles/executor.toml"),
        Role::All => include_str!("../../roles/all.toml"),
        Role::JobRun => include_str!("../../roles/job-run.toml"),
    }
}
