//! `lightweight.toml` and `heavy.toml`: the modules a tier may import and, for the heavy tier,
//! where its data I/O may go.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
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
    /// When set, the only attributes of the module code may use (`sys`: its streams, exit and
    /// limits); at run time the guards hand user code a module holding just these.
    #[serde(default)]
    only: Option<Vec<String>>,
}

/// Where heavy-tier data I/O may read and write.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IoPolicy {
    pub url_schemes: Vec<String>,
    pub output_dir_names: Vec<String>,
    pub functions: Vec<IoFunction>,
    pub methods: IoMethods,
    /// Names (`read_*`, `genfromtxt`) of functions in the data libraries that read or write
    /// files by path: a call to one the `[io]` functions do not list is refused.
    #[serde(default)]
    pub unlisted: Vec<String>,
    /// Keywords no I/O call may be given, whatever its path: they unpickle, hand in a file
    /// system or open files another way (`allow_pickle`, `filesystem`...).
    #[serde(default)]
    pub forbidden_keywords: Vec<String>,
    /// Indices into `functions`, built after loading: the validator looks up every call.
    #[serde(skip)]
    index: IoIndex,
}

#[derive(Debug, Clone, Default)]
struct IoIndex {
    exact: FxHashMap<String, usize>,
    /// `pandas.read_*` as `pandas` -> [(`read_`, index)].
    globs: FxHashMap<String, Vec<(String, usize)>>,
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
    /// Keywords that carry a method's path (`path_or_buf=`), besides its first argument.
    #[serde(default)]
    pub path_keywords: Vec<String>,
}

impl IoPolicy {
    fn build_index(&mut self) {
        let mut index = IoIndex::default();
        for (i, function) in self.functions.iter().enumerate() {
            match function.path.strip_suffix('*') {
                Some(glob) => {
                    let (parent, part) = glob.rsplit_once('.').unwrap_or(("", glob));
                    index
                        .globs
                        .entry(parent.to_owned())
                        .or_default()
                        .push((part.to_owned(), i));
                }
                None => {
                    index.exact.entry(function.path.clone()).or_insert(i);
                }
            }
        }
        self.index = index;
    }

    /// The entry for the function `path`: an exact entry first, then the first pattern whose
    /// parent equals the path's parent and whose prefix starts its last part.
    pub fn function(&self, path: &str) -> Option<&IoFunction> {
        if let Some(&i) = self.index.exact.get(path) {
            return self.functions.get(i);
        }
        let (parent, part) = path.rsplit_once('.').unwrap_or(("", path));
        let globs = self.index.globs.get(parent)?;
        let &(_, i) = globs
            .iter()
            .find(|(glob, _)| part.starts_with(glob.as_str()))?;
        self.functions.get(i)
    }

    pub fn is_method(&self, name: &str) -> bool {
        self.methods.names.iter().any(|m| m == name)
    }

    /// True when the last part of `path` matches one of the `unlisted` name patterns.
    pub fn looks_like_io(&self, path: &str) -> bool {
        let last = path.rsplit('.').next().unwrap_or(path);
        self.unlisted
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => last.starts_with(prefix),
                None => last == pattern,
            })
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
    /// Allowed modules with their reasons, sorted for listing.
    imports: BTreeMap<String, String>,
    /// The same modules, for the lookups the validator makes on every name it resolves.
    allowed: FxHashSet<String>,
    /// Modules allowed with a short list of attributes only.
    only: FxHashMap<String, Vec<String>>,
    pub io: Option<IoPolicy>,
}

impl TierPolicy {
    pub fn parse(file: &str, text: &str, base: Option<&TierPolicy>) -> Result<Self, PolicyError> {
        let parsed: TierFile = parse_toml(file, text)?;
        let mut only = base.map(|b| b.only.clone()).unwrap_or_default();
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
            if let Some(names) = entry.only {
                only.insert(entry.module.clone(), names);
            }
            imports.insert(entry.module, entry.reason);
        }
        let allowed = imports.keys().cloned().collect();
        let mut io = parsed.io;
        if let Some(io) = io.as_mut() {
            io.build_index();
        }
        Ok(Self {
            imports,
            allowed,
            only,
            io,
        })
    }

    /// True when `module` (a full dotted name) may be imported.
    pub fn allows(&self, module: &str) -> bool {
        self.allowed.contains(module)
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

    /// For a path in a module allowed with `only` attributes (`sys.modules`): the module and
    /// the attribute when the attribute is not one of them.
    pub fn outside_only<'p>(&self, path: &'p str) -> Option<(&'p str, &'p str)> {
        let (module, rest) = path.split_once('.')?;
        let names = self.only.get(module)?;
        let attr = rest.split('.').next().unwrap_or(rest);
        (!names.iter().any(|n| n == attr)).then_some((module, attr))
    }

    /// Modules allowed with only some attributes, and those attributes.
    pub fn restricted_modules(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.only.iter().map(|(m, n)| (m.as_str(), n.as_slice()))
    }

    pub fn imports(&self) -> impl Iterator<Item = (&str, &str)> {
        self.imports.iter().map(|(m, r)| (m.as_str(), r.as_str()))
    }
}
