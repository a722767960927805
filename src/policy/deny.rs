//! `denylist.toml`: fully qualified names no tier may reach, each with its rule and reason.

use std::collections::HashMap;

use serde::Deserialize;

use super::{parse_toml, PolicyError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenyEntry {
    /// `module.attr`; a trailing `*` on the last part matches any suffix of that part.
    pub path: String,
    /// The name of the rule reported (`file-io`, `os-command`...).
    pub rule: String,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DenyFile {
    deny: Vec<DenyEntry>,
}

/// The deny list, indexed by the first part of each path.
#[derive(Debug, Clone, Default)]
pub struct DenyList {
    by_root: HashMap<String, Vec<DenyEntry>>,
    /// Entries whose first part is itself a glob (`websocket*`).
    glob_roots: Vec<DenyEntry>,
}

impl DenyList {
    pub fn parse(file: &str, text: &str) -> Result<Self, PolicyError> {
        let parsed: DenyFile = parse_toml(file, text)?;
        let mut by_root: HashMap<String, Vec<DenyEntry>> = HashMap::new();
        let mut glob_roots = Vec::new();
        for entry in parsed.deny {
            if entry.reason.trim().is_empty() {
                return Err(PolicyError::Invalid {
                    file: file.to_owned(),
                    message: format!("entry {} has no reason", entry.path),
                });
            }
            if !crate::validator::rules::is_rule_name(&entry.rule) {
                return Err(PolicyError::Invalid {
                    file: file.to_owned(),
                    message: format!("entry {} names unknown rule {}", entry.path, entry.rule),
                });
            }
            let root = entry.path.split('.').next().unwrap_or_default().to_owned();
            if root.ends_with('*') {
                glob_roots.push(entry);
            } else {
                by_root.entry(root).or_default().push(entry);
            }
        }
        Ok(Self {
            by_root,
            glob_roots,
        })
    }

    /// The entry covering `path` (`os.system`, `subprocess.run.__call__`...), if any.
    pub fn find(&self, path: &str) -> Option<&DenyEntry> {
        let root = path.split('.').next()?;
        self.by_root
            .get(root)
            .into_iter()
            .flatten()
            .chain(&self.glob_roots)
            .find(|entry| matches(&entry.path, path))
    }
}

/// `pattern` covers `path` when each of its parts equals the path's part at the same place,
/// or, for a last part ending in `*`, is a prefix of it. Deeper paths are covered too.
fn matches(pattern: &str, path: &str) -> bool {
    let mut path_parts = path.split('.');
    let mut pattern_parts = pattern.split('.').peekable();
    while let Some(want) = pattern_parts.next() {
        let Some(got) = path_parts.next() else {
            return false;
        };
        let is_last = pattern_parts.peek().is_none();
        let ok = match want.strip_suffix('*') {
            Some(prefix) if is_last => got.starts_with(prefix),
            _ => want == got,
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn pattern_matching() {
        assert!(matches("subprocess", "subprocess"));
        assert!(matches("subprocess", "subprocess.run"));
        assert!(!matches("subprocess", "subprocessing"));
        assert!(matches("os.exec*", "os.execv"));
        assert!(matches("os.exec*", "os.execvpe.x"));
        assert!(!matches("os.exec*", "os.path"));
        assert!(!matches("os.system", "os"));
        assert!(matches("websocket*", "websockets.connect"));
    }
}
