//! `denylist.toml`: fully qualified names no tier may reach, each with its rule and reason.

use rustc_hash::FxHashMap as HashMap;

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

/// The deny list, indexed so that a lookup costs one hash probe per part of the path: every
/// name the validator sees is looked up, so a linear scan would dominate validation time.
#[derive(Debug, Clone, Default)]
pub struct DenyList {
    /// Entries without a glob, by their whole path.
    exact: HashMap<String, DenyEntry>,
    /// Entries whose last part ends in `*`, by the path before that part (`os` for
    /// `os.exec*`, the empty string for `websocket*`), with the part's prefix.
    globs: HashMap<String, Vec<(String, DenyEntry)>>,
}

impl DenyList {
    pub fn parse(file: &str, text: &str) -> Result<Self, PolicyError> {
        let parsed: DenyFile = parse_toml(file, text)?;
        let mut exact = HashMap::default();
        let mut globs: HashMap<String, Vec<(String, DenyEntry)>> = HashMap::default();
        for entry in parsed.deny {
            if entry.reason.trim().is_empty() {
                return Err(PolicyError::Invalid {
                    file: file.to_owned(),
                    message: format!("entry {} has no reason", entry.path),
                });
            }
            let (parent, last) = entry.path.rsplit_once('.').unwrap_or(("", &entry.path));
            if let Some(prefix) = last.strip_suffix('*') {
                let prefix = prefix.to_owned();
                globs
                    .entry(parent.to_owned())
                    .or_default()
                    .push((prefix, entry));
            } else {
                exact.insert(entry.path.clone(), entry);
            }
        }
        Ok(Self { exact, globs })
    }

    /// Every entry, in no particular order. Whether each names a known rule is checked by
    /// the validator when it loads the policy (the rules live above this module).
    pub fn entries(&self) -> impl Iterator<Item = &DenyEntry> {
        self.exact
            .values()
            .chain(self.globs.values().flatten().map(|(_, entry)| entry))
    }

    /// The entry covering `path` (`os.system`, `subprocess.run.__call__`...), if any: an
    /// entry covers its own path and everything below it, and the shortest one wins.
    pub fn find(&self, path: &str) -> Option<&DenyEntry> {
        let mut parent_end = 0;
        for (index, _) in path
            .match_indices('.')
            .chain(std::iter::once((path.len(), "")))
        {
            let prefix = &path[..index];
            let part = &path[if parent_end == 0 { 0 } else { parent_end + 1 }..index];
            let parent = &path[..parent_end];
            if let Some(globs) = self.globs.get(parent) {
                if let Some((_, entry)) = globs
                    .iter()
                    .find(|(glob, _)| part.starts_with(glob.as_str()))
                {
                    return Some(entry);
                }
            }
            if let Some(entry) = self.exact.get(prefix) {
                return Some(entry);
            }
            parent_end = index;
        }
        None
    }
}

/// `pattern` covers `path` when each of its parts equals the path's part at the same place,
/// or, for a last part ending in `*`, is a prefix of it. Deeper paths are covered too.
#[cfg(test)]
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
    use super::{matches, DenyList};

    #[test]
    fn the_index_agrees_with_the_patterns() {
        let text = r#"
            deny = [
                { path = "subprocess", rule = "os-command", reason = "runs programs" },
                { path = "os.system", rule = "os-command", reason = "runs a shell" },
                { path = "os.exec*", rule = "os-command", reason = "replaces the process" },
                { path = "websocket*", rule = "network", reason = "sockets" },
                { path = "builtins.open", rule = "file-io", reason = "opens files" },
            ]
        "#;
        let list = DenyList::parse("test.toml", text).expect("valid list");
        let paths = [
            "subprocess",
            "subprocess.run",
            "subprocessing",
            "os",
            "os.system",
            "os.system.x",
            "os.systems",
            "os.execv",
            "os.execvpe.x",
            "os.path.join",
            "websockets.connect",
            "websocket",
            "web",
            "builtins.open",
            "builtins.opener",
            "builtins.print",
            "",
            "os.",
            ".os",
        ];
        for path in paths {
            let by_index = list.find(path).map(|e| e.path.as_str());
            let by_scan = list
                .exact
                .values()
                .chain(list.globs.values().flatten().map(|(_, e)| e))
                .filter(|e| matches(&e.path, path))
                .min_by_key(|e| e.path.len())
                .map(|e| e.path.as_str());
            assert_eq!(by_index, by_scan, "{path}");
        }
    }

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
