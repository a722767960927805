//! `lightweight.toml` and `heavy.toml`: the modules a tier may import and, for the heavy tier,
//! where its data I/O may go.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{parse_toml, PolicyError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TierFile {
    extends: Option<String>,
    imports: Vec<ImportEntry>,
    io: Option<IoPolicy>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportEntry {
    module: String,
    reason: String,
}

/// Where heavy-tier data I/O may read and write.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IoPolicy {
    pub url_schemes: Vec<String>,
    pub output_dir_names: Vec<String>,
    pub functions: Vec<IoFunction>,
    pub methods: IoMethods,
}

/// A function whose path argument is checked.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IoFunction {
    /// Qualified name; a trailing `*` matches any suffix (`pandas.read_*`).
    pub path: String,
    /// Position of the path argument.
    pub arg: usize,
    /// Keyword of the path argument.
    pub keyword: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IoMethods {
    pub names: Vec<String>,
}

impl IoPolicy {
    pub fn function(&self, path: &str) -> Option<&IoFunction> {
        self.functions
            .iter()
            .find(|f| match f.path.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix) && !path[prefix.len()..].contains('.'),
                None => f.path == path,
            })
    }

    pub fn is_method(&self, name: &str) -> bool {
        self.methods.names.iter().any(|m| m == name)
    }

    /// True when `text` starts with one of the allowed URL schemes (`s3://`).
    pub fn is_storage_url(&self, text: &str) -> bool {
        text.split_once("://")
            .is_some_and(|(scheme, _)| self.url_schemes.iter().any(|s| s == scheme))
    }
}

/// What one tier allows.
#[derive(Debug, Clone)]
pub struct TierPolicy {
    imports: BTreeMap<String, String>,
    pub io: Option<IoPolicy>,
}

impl TierPolicy {
    pub fn parse(file: &str, text: &str, base: Option<&TierPolicy>) -> Result<Self, PolicyError> {
        let parsed: TierFile = parse_toml(file, text)?;
        let mut imports = match (&parsed.extends, base) {
            (None, _) => BTreeMap::new(),
            (Some(_), Some(base)) => base.imports.clone(),
            (Some(name), None) => {
                return Err(PolicyError::Invalid {
                    file: file.to_owned(),
                    message: format!("extends {name}, which is not loaded before it"),
                })
            }
        };
        for entry in parsed.imports {
            if entry.reason.trim().is_empty() {
                return Err(PolicyError::Invalid {
                    file: file.to_owned(),
                    message: format!("module {} has no reason", entry.module),
                });
            }
            imports.insert(entry.module, entry.reason);
        }
        Ok(Self {
            imports,
            io: parsed.io,
        })
    }

    /// True when `module` (a full dotted name) may be imported.
    pub fn allows(&self, module: &str) -> bool {
        self.imports.contains_key(module)
    }

    /// The longest allowed module that `path` starts with (`collections.abc` for
    /// `collections.abc.Mapping`).
    pub fn allowed_prefix<'p>(&self, path: &'p str) -> Option<&'p str> {
        let mut end = path.len();
        loop {
            let candidate = &path[..end];
            if self.allows(candidate) {
                return Some(candidate);
            }
            end = candidate.rfind('.')?;
        }
    }

    pub fn imports(&self) -> impl Iterator<Item = (&str, &str)> {
        self.imports.iter().map(|(m, r)| (m.as_str(), r.as_str()))
    }
}
