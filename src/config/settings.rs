//! The configuration tree shared by every role. Each role reads only the sections it uses.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::Secret;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub log: LogSettings,
    pub server: ServerSettings,
    pub validator: ValidatorSettings,
    pub classifier: ClassifierSettings,
    pub llm: LlmSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Text on a terminal, JSON lines otherwise.
    Auto,
    Json,
    Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `pyexec=debug,tower_http=info`; `RUST_LOG` wins.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Auto,
            level: "info".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 1 << 20,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValidatorSettings {
    /// Source larger than this is rejected without parsing (rule PX002).
    pub max_source_bytes: usize,
    /// Deepest bracket or operator nesting accepted (CPython itself stops near 200 brackets).
    pub max_nesting: usize,
}

impl Default for ValidatorSettings {
    fn default() -> Self {
        Self {
            max_source_bytes: 1 << 20,
            max_nesting: 100,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifierSettings {
    /// Top-level modules whose import makes a program heavy.
    pub heavy_imports: Vec<String>,
    /// A string or bytes literal at least this long makes a program heavy.
    pub large_literal_bytes: usize,
    /// A list, tuple, set or dict display with at least this many elements makes it heavy.
    pub large_literal_elements: usize,
    /// Nested `for` loops over constant ranges whose iteration product reaches this are heavy.
    pub loop_iterations: u64,
}

impl Default for ClassifierSettings {
    fn default() -> Self {
        Self {
            heavy_imports: [
                "pandas",
                "modin",
                "polars",
                "pyarrow",
                "dask",
                "ray",
                "pyspark",
                "numpy",
                "numba",
                "fsspec",
                "adlfs",
                "s3fs",
                "cloudpickle",
            ]
            .map(String::from)
            .to_vec(),
            large_literal_bytes: 64 * 1024,
            large_literal_elements: 10_000,
            loop_iterations: 50_000_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmSettings {
    /// Base URL of an OpenAI-compatible Chat Completions API, e.g. `http://127.0.0.1:11434/v1`.
    pub base_url: Option<String>,
    pub model: String,
    pub api_key: Option<Secret>,
    pub temperature: f32,
    pub timeout_secs: u64,
    pub max_retries: u32,
    /// How many times violations are sent back for a corrected program.
    pub max_corrections: u32,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            base_url: None,
            model: "qwen2.5-coder:7b".to_owned(),
            api_key: None,
            temperature: 0.0,
            timeout_secs: 120,
            max_retries: 3,
            max_corrections: 3,
        }
    }
}
