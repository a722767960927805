//! Layered configuration: built-in defaults, then `roles/<role>.toml`, then `--config FILE`,
//! then `PYEXEC_*` environment variables (`__` for nesting). Unknown keys are errors.

mod auth;
mod embedded;
mod events;
mod secret;
mod settings;

use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;

pub use auth::{ApiKeySettings, ApiKeysFile, AuthSettings, OidcSettings};
pub use events::{
    AmqpEndpoint, EventHubsEndpoint, EventKind, EventSinkSettings, EventSourceSettings,
    EventsSettings,
};
pub use secret::Secret;
pub use settings::{
    ClassifierSettings, ExecutorSettings, HistorySettings, InputSettings, JobBackendKind,
    JobsSettings, LimitSettings, LlmSettings, SandboxSettings, ServerSettings, Settings,
    StorageBackend, StorageSettings, ValidatorSettings,
};

pub use crate::telemetry::{LogFormat, LogSettings, OtlpProtocol, TelemetrySettings};

use crate::policy::{read_policy_file, PolicyError, PolicyFiles};

/// Environment variables with the `PYEXEC_` prefix that are command-line options, not
/// configuration keys.
const NON_CONFIG_ENV: &[&str] = &["config", "roles_dir"];

/// The roles the binary can take, each with its own configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Question in, validated code out, executed, answered.
    Llm,
    /// The warm sandbox and its REST API.
    Executor,
    /// The LLM and executor roles in one process, on embedded defaults.
    All,
    /// The runner inside a heavy Job.
    JobRun,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Role {
    /// `llm`, `executor`, `all`, `job-run`: as on the command line and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Role::Llm => "llm",
            Role::Executor => "executor",
            Role::All => "all",
            Role::JobRun => "job-run",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Role::Llm => "llm.toml",
            Role::Executor => "executor.toml",
            Role::All => "all.toml",
            Role::JobRun => "job-run.toml",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read role file {path}")]
    RoleFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {0} does not exist")]
    MissingConfigFile(PathBuf),
    #[error("invalid configuration")]
    Invalid(#[source] Box<figment::Error>),
}

/// Where the role files and policies come from.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// A folder laid out like the repository's `roles/`; the copies built into the binary
    /// are used when it is `None`.
    pub roles_dir: Option<PathBuf>,
    /// An extra TOML file layered over the role file.
    pub config_file: Option<PathBuf>,
}

impl Sources {
    /// Loads the effective settings of `role`.
    pub fn load(&self, role: Role) -> Result<Settings, ConfigError> {
        self.figment(role)?
            .extract()
            .map_err(|e| ConfigError::Invalid(Box::new(e)))
    }

    fn figment(&self, role: Role) -> Result<Figment, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        figment = match &self.roles_dir {
            Some(dir) => {
                let path = dir.join(role.file_name());
                let text =
                    std::fs::read_to_string(&path).map_err(|source| ConfigError::RoleFile {
                        path: path.clone(),
                        source,
                    })?;
                figment.merge(Toml::string(&text))
            }
            None => figment.merge(Toml::string(embedded::role_file(role))),
        };
        if let Some(file) = &self.config_file {
            if !file.is_file() {
                return Err(ConfigError::MissingConfigFile(file.clone()));
            }
            figment = figment.merge(Toml::file(file));
        }
        let env = Env::prefixed("PYEXEC_")
            .split("__")
            .filter(|key| !NON_CONFIG_ENV.contains(&key.as_str()));
        Ok(figment.merge(env))
    }
}

impl PolicyFiles for Sources {
    /// Reads a policy file: from `roles_dir/policy/` when set, else the built-in copy.
    fn policy_file(&self, name: &str) -> Result<String, PolicyError> {
        read_policy_file(self.roles_dir.as_deref(), name)
    }
}

#[cfg(test)]
mod tests;
