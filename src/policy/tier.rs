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
    /// Attribute names refused on any value (the object table judges module paths).
    #[serde(default)]
    refused_attributes: Vec<String>,
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
    /// The only keys a storage options dict (`storage_options=`, `cloud_options=`) may hold,
    /// in lower case: credentials, region, anonymous access; never an endpoint or proxy.
    #[serde(default)]
    pub storage_option_keys: Vec<String>,
    /// Callables whose `**kwargs` go on to another one, by function path or method name
    /// (`savefig` passes its keywords to `print_figure`): the generator adds the targets'
    /// parameters to the keywords accepted. Read by `scripts/gen-object-policy.py` only.
    #[serde(default)]
    #[allow(dead_code)]
    forwards: BTreeMap<String, Vec<String>>,
    /// Indices into `functions`, built after loading: the validator looks up every call.
    #[serde(skip)]
    index: IoIndex,
    /// The parameters of every function and method, from `objects/io-signatures.tsv`.
    #[serde(skip)]
    signatures: Signatures,
}

/// The parameters of the data I/O functions and methods, read from the real runtime by
/// `scripts/gen-object-policy.py` (`objects/io-signatures.tsv`).
#[derive(Debug, Clone, Default)]
struct Signatures {
    functions: FxHashMap<String, Signature>,
    methods: FxHashMap<String, Signature>,
}

/// What a call to one I/O function or method may pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signature {
    /// The parameter names each position may fill (several for a method: every callable of
    /// that name counts); `None` when no candidate has a readable signature.
    pub slots: Option<Vec<Vec<String>>>,
    /// Some candidate takes `*args`: positions past `slots` are its data.
    pub star: bool,
    /// The keywords accepted, less the forbidden ones.
    pub keywords: FxHashSet<String>,
}

impl Signature {
    /// The parameter names position `index` may fill, or `None` when unknown (no signature,
    /// or past the listed positions of a callable taking `*args`).
    pub fn slot(&self, index: usize) -> Option<&[String]> {
        self.slots.as_ref()?.get(index).map(Vec::as_slice)
    }

    fn parse(file: &str, positional: &str, keywords: &str) -> Result<Self, PolicyError> {
        let invalid = |message: String| PolicyError::Invalid {
            file: file.to_owned(),
            message,
        };
        let mut star = false;
        let slots = match positional {
            "?" => None,
            "?,*" => {
                star = true;
                None
            }
            _ => {
                let mut slots = Vec::new();
                for slot in positional.split(',').filter(|s| !s.is_empty()) {
                    if slot == "*" {
                        star = true;
                        continue;
                    }
                    if star {
                        return Err(invalid(format!("`*` before a position in `{positional}`")));
                    }
                    slots.push(slot.split('|').map(str::to_owned).collect());
                }
                Some(slots)
            }
        };
        let keywords = match keywords {
            "-" => FxHashSet::default(),
            _ => keywords.split(',').map(str::to_owned).collect(),
        };
        Ok(Self {
            slots,
            star,
            keywords,
        })
    }
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
    /// Its `**kwargs` are data, named by the caller (`numpy.savez(file, a=x)` names arrays):
    /// any keyword but the forbidden ones is accepted.
    #[serde(default)]
    pub any_keyword: bool,
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

    /// Loads `objects/io-signatures.tsv`: `kind<TAB>name<TAB>positions<TAB>keywords` lines.
    /// Every function and method the policy lists must have one (the generator writes them
    /// all); a function matched by a pattern (`pandas.read_*`) has one per name found.
    pub fn load_signatures(&mut self, file: &str, text: &str) -> Result<(), PolicyError> {
        let mut signatures = Signatures::default();
        for (number, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [kind, name, positional, keywords] = fields[..] else {
                return Err(PolicyError::Invalid {
                    file: file.to_owned(),
                    message: format!("line {}: expected four tab-separated fields", number + 1),
                });
            };
            let signature = Signature::parse(file, positional, keywords)?;
            let table = match kind {
                "function" => &mut signatures.functions,
                "method" => &mut signatures.methods,
                other => {
                    return Err(PolicyError::Invalid {
                        file: file.to_owned(),
                        message: format!("line {}: unknown kind `{other}`", number + 1),
                    })
                }
            };
            table.insert(name.to_owned(), signature);
        }
        let missing = self
            .functions
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| !p.ends_with('*') && !signatures.functions.contains_key(*p))
            .chain(
                self.methods
                    .names
                    .iter()
                    .map(String::as_str)
                    .filter(|m| !signatures.methods.contains_key(*m)),
            )
            .collect::<Vec<_>>();
        if !missing.is_empty() {
            return Err(PolicyError::Invalid {
                file: file.to_owned(),
                message: format!(
                    "no parameters for {} (regenerate it with scripts/gen-object-policy.py heavy)",
                    missing.join(", ")
                ),
            });
        }
        self.signatures = signatures;
        Ok(())
    }

    /// The parameters of the I/O function `path` (as the function lookup matched it); `None`
    /// for a function the runtime does not have (only its path keyword is then accepted).
    pub fn function_signature(&self, path: &str) -> Option<&Signature> {
        self.signatures.functions.get(path)
    }

    /// The parameters every callable named `method` takes.
    pub fn method_signature(&self, method: &str) -> Option<&Signature> {
        self.signatures.methods.get(method)
    }

    /// True when `key` may stand in a storage options dict (compared in lower case).
    pub fn is_storage_option_key(&self, key: &str) -> bool {
        let key = key.to_ascii_lowercase();
        self.storage_option_keys.contains(&key)
    }

    pub fn is_forbidden_keyword(&self, name: &str) -> bool {
        self.forbidden_keywords.iter().any(|k| k == name)
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
    /// Attribute names refused on any value: they hand out a file system object, or read,
    /// write or load files by paths no check sees (`ds.dataset(...).filesystem`,
    /// `lf.deserialize(path)`).
    refused_attributes: FxHashSet<String>,
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
        let mut refused_attributes = base
            .map(|b| b.refused_attributes.clone())
            .unwrap_or_default();
        refused_attributes.extend(parsed.refused_attributes);
        let mut io = parsed.io;
        if let Some(io) = io.as_mut() {
            io.build_index();
        }
        Ok(Self {
            imports,
            allowed,
            only,
            refused_attributes,
            io,
        })
    }

    /// True when `name` may not be read on a value (see `refused_attributes`).
    pub fn refuses_attribute(&self, name: &str) -> bool {
        self.refused_attributes.contains(name)
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
