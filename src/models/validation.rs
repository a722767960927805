use serde::{Deserialize, Serialize};

/// Where code runs: the warm executor, or a heavy Job.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Lightweight,
    Heavy,
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tier::Lightweight => "lightweight",
            Tier::Heavy => "heavy",
        })
    }
}

/// A tier asked for, or `auto` to let the classifier choose.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum TierChoice {
    #[default]
    Auto,
    Lightweight,
    Heavy,
}

/// One rule violation, positioned like a compiler diagnostic (1-based, columns in characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Stable rule code, e.g. `PX101`.
    pub code: String,
    /// Rule name, e.g. `os-command`.
    pub name: String,
    pub message: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// Why the classifier chose the heavy tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    HeavyImport,
    StorageIo,
    LargeLiteral,
    LoopComplexity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierReason {
    pub kind: ReasonKind,
    pub detail: String,
    pub line: u32,
}

/// The validator's verdict on one program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationResult {
    pub valid: bool,
    /// The tier whose policy was applied.
    pub tier: Tier,
    /// Why the classifier would run it as heavy; empty for lightweight code.
    pub reasons: Vec<TierReason>,
    pub findings: Vec<Finding>,
    /// Every module named by an import statement, in order of first appearance.
    pub imports: Vec<String>,
    pub elapsed_us: u64,
}
