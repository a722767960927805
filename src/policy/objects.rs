//! The object-level policy: `roles/policy/objects/<tier>.tsv`, generated from the real runtime
//! by `scripts/gen-object-policy.py`. Each line says what a dotted path reached from an
//! allowed module *is*: a safe object, a module (by its real name), or the same object as a
//! dangerous one (a deny-list entry, or a third-party callable matching a reviewed name
//! pattern). The validator judges the object a path names, not how the path is spelled:
//! `from datetime import datetime` is the class `datetime.datetime`, not the module;
//! `pandas.compat.pickle_compat.loads` is dangerous whatever it is called.

use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;

use super::{parse_toml, DenyList, PolicyError};

/// Why an object is dangerous: the rule reported, its reason, and what it is the same as.
#[derive(Debug, Clone)]
pub struct Danger {
    pub rule: String,
    pub reason: String,
    /// The deny-list path or name pattern it matched (`pickle.loads`, `*pickle*`).
    pub seed: String,
}

#[derive(Debug, Clone)]
enum Entry {
    Safe,
    Module(String),
    Deny(Danger),
}

/// What a path names, as far as the table knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'t> {
    /// A safe object the table lists.
    Safe,
    /// An attribute of a safe object, deeper than the table goes (`datetime.date.today.x`):
    /// for the attribute rules to judge.
    BeyondSafe,
    /// The module with this real name, or (for a longer path) a module the path goes
    /// through that the table does not walk because no tier allows it.
    Module(&'t str),
    Dangerous(&'t Danger),
    /// Not in the table: a private or missing name of the module `within`, or a path under an
    /// object the table does not list at all (`within` is then `None`).
    Unknown {
        within: Option<&'t str>,
    },
}

impl PartialEq for Danger {
    fn eq(&self, other: &Self) -> bool {
        self.seed == other.seed && self.rule == other.rule
    }
}
impl Eq for Danger {}

#[derive(Debug, Deserialize)]
struct GeneratorFile {
    #[serde(default)]
    third_party_name_patterns: Vec<Pattern>,
    #[serde(default)]
    identities: Vec<Identity>,
    #[allow(dead_code)]
    #[serde(default)]
    defining_modules: HashMap<String, String>,
    #[serde(default)]
    path_parameters: Vec<PathParameters>,
}

/// Parameter names that make a third-party callable a reader or writer by path.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PathParameters {
    names: Vec<String>,
    #[allow(dead_code)]
    #[serde(default)]
    modules: Option<Vec<String>>,
    rule: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Identity {
    path: String,
    rule: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pattern {
    name: String,
    rule: String,
    reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct ObjectTable {
    entries: HashMap<String, Entry>,
    /// True when paths the table does not know are refused (lightweight), false when the
    /// attribute rules judge them (heavy: its table lists only modules and dangers).
    pub complete: bool,
}

/// At most this many module hops while resolving one path (`a.b` is module `c`, `c.d` is
/// module `e`...): tables have no cycles, but nothing relies on that.
const MAX_HOPS: usize = 16;

impl ObjectTable {
    pub fn parse(
        file: &str,
        text: &str,
        generator: &str,
        deny: &DenyList,
        complete: bool,
    ) -> Result<Self, PolicyError> {
        let generator: GeneratorFile = parse_toml("generator.toml", generator)?;
        let invalid = |line: usize, message: String| PolicyError::Invalid {
            file: file.to_owned(),
            message: format!("line {line}: {message}"),
        };
        let mut entries = HashMap::default();
        for (index, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            let (Some(path), Some(verdict)) = (fields.next(), fields.next()) else {
                return Err(invalid(index + 1, "expected path<TAB>verdict".to_owned()));
            };
            let detail = fields.next();
            let entry = match (verdict, detail) {
                ("ok", None) => Entry::Safe,
                ("module", Some(name)) => Entry::Module(name.to_owned()),
                ("deny", Some(seed)) => {
                    Entry::Deny(danger(seed, deny, &generator).ok_or_else(|| {
                        invalid(index + 1, format!("{seed} is in no deny list or pattern"))
                    })?)
                }
                _ => return Err(invalid(index + 1, format!("unknown verdict {verdict:?}"))),
            };
            entries.insert(path.to_owned(), entry);
        }
        Ok(Self { entries, complete })
    }

    /// What `path` (fully qualified, `numpy.random.seed`) names.
    pub fn lookup(&self, path: &str) -> Lookup<'_> {
        let mut current: std::borrow::Cow<'_, str> = path.into();
        for _ in 0..MAX_HOPS {
            let Some((prefix_len, entry)) = self.longest_prefix(&current) else {
                return Lookup::Unknown { within: None };
            };
            let whole = prefix_len == current.len();
            match entry {
                Entry::Deny(danger) => return Lookup::Dangerous(danger),
                Entry::Safe if whole => return Lookup::Safe,
                Entry::Safe => return Lookup::BeyondSafe,
                Entry::Module(name) if whole => return Lookup::Module(name),
                Entry::Module(name) => {
                    let rest = &current[prefix_len..];
                    if current[..prefix_len] == **name {
                        // The module's own entry: the attribute after it is not listed.
                        return Lookup::Unknown {
                            within: Some(name.as_str()),
                        };
                    }
                    if !self.entries.contains_key(name.as_str()) {
                        // A module the table does not walk (no tier allows it): the path
                        // goes through it, which is what matters.
                        return Lookup::Module(name);
                    }
                    current = format!("{name}{rest}").into();
                }
            }
        }
        Lookup::Unknown { within: None }
    }

    /// `path` with every module it goes through replaced by the module's real name, as far
    /// as the table walks them (`dataclasses.sys.modules` is `sys.modules`).
    pub fn canonical<'p>(&self, path: &'p str) -> std::borrow::Cow<'p, str> {
        let mut current: std::borrow::Cow<'p, str> = path.into();
        for _ in 0..MAX_HOPS {
            match self.longest_prefix(&current) {
                Some((prefix_len, Entry::Module(name)))
                    if prefix_len < current.len()
                        && current[..prefix_len] != **name
                        && self.entries.contains_key(name.as_str()) =>
                {
                    current = format!("{name}{}", &current[prefix_len..]).into();
                }
                _ => break,
            }
        }
        current
    }

    /// The longest prefix of `path` (ending at a `.` or the end) the table lists.
    fn longest_prefix(&self, path: &str) -> Option<(usize, &Entry)> {
        let mut end = path.len();
        loop {
            if let Some(entry) = self.entries.get(&path[..end]) {
                return Some((end, entry));
            }
            end = path[..end].rfind('.')?;
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn danger(seed: &str, deny: &DenyList, generator: &GeneratorFile) -> Option<Danger> {
    if let Some(path) = seed.strip_prefix("identity:") {
        let identity = generator.identities.iter().find(|i| i.path == path)?;
        return Some(Danger {
            rule: identity.rule.clone(),
            reason: identity.reason.clone(),
            seed: path.trim_start_matches("builtins.").to_owned(),
        });
    }
    if let Some(name) = seed.strip_prefix("pattern:") {
        let pattern = generator
            .third_party_name_patterns
            .iter()
            .find(|p| p.name == name)?;
        return Some(Danger {
            rule: pattern.rule.clone(),
            reason: pattern.reason.clone(),
            seed: name.to_owned(),
        });
    }
    if let Some(name) = seed.strip_prefix("parameter:") {
        let group = generator
            .path_parameters
            .iter()
            .find(|g| g.names.iter().any(|n| n == name))?;
        return Some(Danger {
            rule: group.rule.clone(),
            reason: group.reason.clone(),
            // `source=`: what the validator's message names.
            seed: format!("{name}="),
        });
    }
    let (rule, reason) = match deny.find(seed) {
        Some(entry) => (entry.rule.clone(), entry.reason.clone()),
        // A module whose functions are dangerous one by one in the deny list (`os`): what
        // it defines is no safer than what the list names.
        None => (
            "import-not-allowed".to_owned(),
            format!("defined in module `{seed}`, which no tier allows"),
        ),
    };
    Some(Danger {
        rule,
        reason,
        seed: seed.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicySet;

    #[test]
    fn objects_are_judged_not_their_spellings() {
        let policy = PolicySet::embedded().expect("embedded policy");
        let light = &policy.objects_lightweight;
        assert_eq!(light.lookup("datetime.datetime"), Lookup::Safe);
        assert_eq!(light.lookup("datetime.datetime.now"), Lookup::Safe);
        assert_eq!(light.lookup("random.random"), Lookup::Safe);
        assert_eq!(light.lookup("copy.copy"), Lookup::Safe);
        assert_eq!(light.lookup("json.codecs"), Lookup::Module("codecs"));
        assert!(matches!(
            light.lookup("random._os"),
            Lookup::Unknown {
                within: Some("random")
            }
        ));
        // sys is allowed with a few attributes only: `modules` is not one the table lists.
        assert_eq!(light.canonical("dataclasses.sys.modules"), "sys.modules");
        assert!(matches!(
            light.lookup("dataclasses.sys.modules"),
            Lookup::Unknown {
                within: Some("sys")
            }
        ));
        assert!(matches!(
            light.lookup("dataclasses.inspect.currentframe"),
            Lookup::Dangerous(_)
        ));
        assert!(matches!(
            light.lookup("string.Formatter"),
            Lookup::Dangerous(_)
        ));
        // Through a module alias to the module's own entries.
        assert_eq!(
            light.lookup("json.decoder.scanner"),
            Lookup::Module("json.scanner")
        );
        let heavy = &policy.objects_heavy;
        assert_eq!(heavy.lookup("numpy.random"), Lookup::Module("numpy.random"));
        assert!(matches!(
            heavy.lookup("pandas.compat.pickle_compat.loads"),
            Lookup::Dangerous(_)
        ));
    }
}
