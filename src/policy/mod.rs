//! Policy data from `roles/policy/`: what each tier may import, which names are never
//! reachable, and which attribute names are escapes. The files are compiled into the binary
//! ([`Embedded`]) and may be replaced at start-up by a folder (`--roles-dir`).

mod deny;
mod embedded;
mod objects;
mod tier;

use rustc_hash::FxHashSet as HashSet;
use std::path::PathBuf;

use serde::Deserialize;

pub use deny::{DenyEntry, DenyList};
pub use embedded::{read_policy_file, Embedded, PolicyFiles};
pub use objects::{Danger, Lookup, ObjectTable};
pub use tier::{IoFunction, IoPolicy, Signature, TierPolicy};

use crate::models::Tier;

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy file {0} is not built in")]
    Missing(String),
    #[error("cannot read policy file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid policy file {file}")]
    Parse {
        file: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("policy file {file}: {message}")]
    Invalid { file: String, message: String },
}

/// Every policy the validator needs, loaded once at start-up.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub lightweight: TierPolicy,
    pub heavy: TierPolicy,
    pub deny: DenyList,
    pub attributes: AttributePolicy,
    /// Names of modules that must never be reached through another module's attributes.
    pub module_names: HashSet<String>,
    /// What each path reached from an allowed module is (`objects/<tier>.tsv`).
    pub objects_lightweight: ObjectTable,
    pub objects_heavy: ObjectTable,
}

impl PolicySet {
    pub fn load(sources: &(impl PolicyFiles + ?Sized)) -> Result<Self, PolicyError> {
        let lightweight = TierPolicy::parse(
            "lightweight.toml",
            &sources.policy_file("lightweight.toml")?,
            None,
        )?;
        let heavy = TierPolicy::parse(
            "heavy.toml",
            &sources.policy_file("heavy.toml")?,
            Some(&lightweight),
        )?;
        let mut heavy = heavy;
        if let Some(io) = heavy.io.as_mut() {
            let file = "objects/io-signatures.tsv";
            io.load_signatures(file, &sources.policy_file(file)?)?;
        }
        let deny = DenyList::parse("denylist.toml", &sources.policy_file("denylist.toml")?)?;
        let attributes = parse_toml::<AttributePolicy>(
            "attributes.toml",
            &sources.policy_file("attributes.toml")?,
        )?;
        let module_names = sources
            .policy_file("module-names.txt")?
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_owned)
            .collect();
        let generator = sources.policy_file("generator.toml")?;
        let objects = |file: &str, complete: bool| {
            ObjectTable::parse(
                file,
                &sources.policy_file(file)?,
                &generator,
                &deny,
                complete,
            )
        };
        // The lightweight table lists every public object; the heavy one modules and dangers.
        let objects_lightweight = objects("objects/lightweight.tsv", true)?;
        let objects_heavy = objects("objects/heavy.tsv", false)?;
        Ok(Self {
            lightweight,
            heavy,
            deny,
            attributes,
            module_names,
            objects_lightweight,
            objects_heavy,
        })
    }

    /// The built-in policies; they are checked by the test suite, so this cannot fail in a
    /// released binary, but the error is still returned rather than hidden.
    pub fn embedded() -> Result<Self, PolicyError> {
        Self::load(&Embedded)
    }

    pub fn objects(&self, tier: Tier) -> &ObjectTable {
        match tier {
            Tier::Lightweight => &self.objects_lightweight,
            Tier::Heavy => &self.objects_heavy,
        }
    }

    pub fn tier(&self, tier: Tier) -> &TierPolicy {
        match tier {
            Tier::Lightweight => &self.lightweight,
            Tier::Heavy => &self.heavy,
        }
    }
}

/// `attributes.toml`: which dunders are harmless and which plain names are escapes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributePolicy {
    pub safe_dunders: HashSet<String>,
    pub escape_attributes: HashSet<String>,
    /// Dunders a class may define (methods, or class-body names).
    pub definable_dunders: HashSet<String>,
    /// Dunder attributes a value may be given.
    pub assignable_dunders: HashSet<String>,
}

impl AttributePolicy {
    /// True for a dunder name outside the safe list, or a frame/code attribute.
    pub fn is_escape(&self, name: &str) -> bool {
        is_dunder(name) && !self.safe_dunders.contains(name)
            || self.escape_attributes.contains(name)
    }
}

pub fn is_dunder(name: &str) -> bool {
    name.len() > 4 && name.starts_with("__") && name.ends_with("__")
}

pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<T, PolicyError> {
    toml::from_str(text).map_err(|source| PolicyError::Parse {
        file: file.to_owned(),
        source: Box::new(source),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_policies_load() {
        let policy = PolicySet::embedded().expect("embedded policy is valid");
        assert!(policy.lightweight.allows("math"));
        assert!(!policy.lightweight.allows("pandas"));
        assert!(policy.heavy.allows("pandas"));
        assert!(policy.heavy.allows("math"), "heavy extends lightweight");
        assert!(policy.module_names.contains("os"));
        assert!(policy.attributes.is_escape("__subclasses__"));
        assert!(!policy.attributes.is_escape("__class__"));
        assert!(policy.attributes.is_escape("__dict__"));
        assert!(!policy.attributes.is_escape("__init__"));
        assert!(policy.attributes.is_escape("gi_frame"));
    }

    #[test]
    fn every_allowed_module_has_a_reason() {
        let policy = PolicySet::embedded().expect("embedded policy is valid");
        for tier in [&policy.lightweight, &policy.heavy] {
            for (module, reason) in tier.imports() {
                assert!(reason.len() > 10, "{module} needs a real reason");
            }
        }
    }

    #[test]
    fn no_allowed_module_is_denied() {
        let policy = PolicySet::embedded().expect("embedded policy is valid");
        for (module, _) in policy.heavy.imports() {
            assert!(
                policy.deny.find(module).is_none(),
                "{module} is both allowed and denied"
            );
        }
    }

    #[test]
    fn io_parameters_come_from_the_runtime_less_the_forbidden_ones() {
        let policy = PolicySet::embedded().expect("embedded policy is valid");
        let io = policy.heavy.io.as_ref().expect("the heavy tier has [io]");
        let read_csv = io
            .function_signature("pandas.read_csv")
            .expect("pandas.read_* expanded to read_csv");
        assert!(read_csv.keywords.contains("sep"));
        let load = io.function_signature("numpy.load").expect("numpy.load");
        assert!(!load.keywords.contains("allow_pickle"));
        assert!(!load.keywords.contains("mmap_mode"));
        // Positions keep the forbidden names: numpy.load(file, mmap_mode, allow_pickle).
        assert_eq!(load.slot(2), Some(&["allow_pickle".to_owned()][..]));
        let to_csv = io.method_signature("to_csv").expect("to_csv");
        assert!(to_csv.keywords.contains("index"));
        assert!(!to_csv.keywords.contains("filesystem"));
    }

    /// The policy files with one replaced.
    struct Replaced(&'static str, String);

    impl PolicyFiles for Replaced {
        fn policy_file(&self, name: &str) -> Result<String, PolicyError> {
            if name == self.0 {
                return Ok(self.1.clone());
            }
            Embedded.policy_file(name)
        }
    }

    #[test]
    fn io_parameters_missing_for_a_listed_function_are_refused() {
        let file = "objects/io-signatures.tsv";
        let full = Embedded::policy_file(file).expect("built in");
        let without_load: String = full
            .lines()
            .filter(|line| !line.starts_with("function\tnumpy.load\t"))
            .map(|line| format!("{line}\n"))
            .collect();
        let err = PolicySet::load(&Replaced(file, without_load)).expect_err("numpy.load missing");
        assert!(err.to_string().contains(file), "{err}");
        let message = format!("{err:?}");
        assert!(message.contains("numpy.load"), "{message}");
        let err = PolicySet::load(&Replaced(file, "function\tx\t?\n".to_owned()))
            .expect_err("three fields");
        assert!(format!("{err:?}").contains("four tab-separated fields"));
    }
}
