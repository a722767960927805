//! The module graph of `src/`: every `crate::<module>` reference between top-level modules
//! must point down the layers below, and there must be no cycle. Also checks that README's
//! Layout section names every module of `src/lib.rs`.
//!
//! It reads the sources as text (comments and string literals removed): no cargo, no parser.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers from the bottom up; a module may use modules of its own layer or below. Within
/// a layer, edges are allowed as long as they form no cycle (`config` reads policy files
/// through `policy`, so `policy` must not use `config`).
///
/// `names` (name resolution) sits below both `classifier` and `validator`, which share it.
/// `validator` is above `classifier` because `Validator::validate` picks the tier (`auto`)
/// before checking the rules, and the roles call that one entry point.
const LAYERS: &[&[&str]] = &[
    // shared data, logging and metrics
    &["models", "telemetry", "metrics"],
    &["config", "policy"],
    &["names"],
    &["classifier"],
    &["validator"],
    &["sandbox", "jobs", "storage", "history"],
    // shared server infrastructure, just below the services
    &["http"],
    &["executor", "llm", "events"],
    // composition of the roles (may not exist yet)
    &["app"],
    // the binary's commands may use everything
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The `pub mod` names declared in `src/lib.rs`.
fn lib_modules() -> Vec<String> {
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).expect("read src/lib.rs");
    lib.lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod "))
        .map(|rest| rest.trim_end_matches(';').trim().to_owned())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read source folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The source with comments, string and character literals blanked out (newlines kept, so
/// that line numbers stay right). Raw strings (`r#"..."#`) are handled; lifetimes are kept.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"') | Some('#'))
            && !chars[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i = j + 1;
            while i < chars.len() {
                if chars[i] == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = chars.get(i) {
                    out.push(blank(ch));
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // a character literal ('x', '\n', '\u{..}'); a lifetime has no closing quote
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The first path segment of each element of a `{...}` group starting at `start` (just after
/// the `{`), with nested groups skipped.
fn group_heads(code: &str, start: usize) -> Vec<(String, usize)> {
    let bytes = code.as_bytes();
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expect_head = true;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' if depth == 0 => break,
            b'}' => depth -= 1,
            b',' if depth == 0 => expect_head = true,
            b if expect_head && (b.is_ascii_alphabetic() || b == b'_') => {
                let end = code[i..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(code.len(), |n| i + n);
                heads.push((code[i..end].to_owned(), i));
                expect_head = false;
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    heads
}

/// Every `crate::<name>` reference in `code` (also `crate::{a, b::c}` groups and
/// `$crate::`), as (name, byte offset).
fn crate_refs(code: &str) -> Vec<(String, usize)> {
    let mut refs = Vec::new();
    for (at, _) in code.match_indices("crate") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = code[at + "crate".len()..].trim_start();
        let Some(rest) = rest.strip_prefix("::") else {
            continue;
        };
        let trimmed = rest.trim_start();
        let name_at = code.len() - trimmed.len();
        if let Some(group) = trimmed.strip_prefix('{') {
            refs.extend(group_heads(code, code.len() - group.len()));
        } else {
            let end = trimmed
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(trimmed.len());
            if end > 0 {
                refs.push((trimmed[..end].to_owned(), name_at));
            }
        }
    }
    refs
}

/// Edges between top-level modules, each with the places it is made (`src/x.rs:12`).
fn edges() -> BTreeMap<(String, String), Vec<String>> {
    let src = src_dir();
    let modules: BTreeSet<String> = lib_modules().into_iter().collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative
            .components()
            .next()
            .expect("a component")
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        if first == "lib.rs" || first == "main.rs" {
            continue;
        }
        let from = first.trim_end_matches(".rs").to_owned();
        let source = std::fs::read_to_string(&file).expect("read source");
        let code = code_only(&source);
        for (to, at) in crate_refs(&code) {
            if to == from || !modules.contains(&to) {
                continue;
            }
            let line = code[..at].matches('\n').count() + 1;
            edges
                .entry((from.clone(), to))
                .or_default()
                .push(format!("src/{}:{line}", relative.display()));
        }
    }
    edges
}

#[test]
fn every_module_has_a_layer() {
    let missing: Vec<String> = lib_modules()
        .into_iter()
        .filter(|m| layer_of(m).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a layer in tests/module_graph.rs LAYERS: {missing:?}"
    );
}

#[test]
fn edges_point_down_the_layers() {
    let mut wrong = Vec::new();
    for ((from, to), places) in edges() {
        let (Some(from_layer), Some(to_layer)) = (layer_of(&from), layer_of(&to)) else {
            continue; // reported by every_module_has_a_layer
        };
        if to_layer > from_layer {
            wrong.push(format!("{from} -> {to} (at {})", places.join(", ")));
        }
    }
    assert!(
        wrong.is_empty(),
        "edges against the layering (a module may use only its own layer or below):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_cycles() {
    let edges = edges();
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from).or_default().push(to);
    }
    // Depth-first search; a grey node reached again closes a cycle.
    fn visit<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, bool>,
        path: &mut Vec<&'a str>,
        cycles: &mut Vec<String>,
    ) {
        match state.get(node) {
            Some(true) => return,
            Some(false) => {
                let start = path.iter().position(|n| *n == node).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(node);
                cycles.push(cycle.join(" -> "));
                return;
            }
            None => {}
        }
        state.insert(node, false);
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, state, path, cycles);
        }
        path.pop();
        state.insert(node, true);
    }
    let mut state = BTreeMap::new();
    let mut cycles = Vec::new();
    for node in graph.keys() {
        visit(node, &graph, &mut state, &mut Vec::new(), &mut cycles);
    }
    let detail: Vec<String> = cycles
        .iter()
        .map(|cycle| {
            let nodes: Vec<&str> = cycle.split(" -> ").collect();
            let places: Vec<String> = nodes
                .windows(2)
                .map(|pair| {
                    let key = (pair[0].to_owned(), pair[1].to_owned());
                    format!("{} -> {} at {}", pair[0], pair[1], edges[&key].join(", "))
                })
                .collect();
            format!("{cycle}\n  {}", places.join("\n  "))
        })
        .collect();
    assert!(cycles.is_empty(), "module cycles:\n{}", detail.join("\n"));
}

#[test]
fn readme_layout_names_every_module() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("read README.md");
    let start = readme
        .find("\n## Layout")
        .expect("README has a Layout section");
    let section = &readme[start + 1..];
    let section = match section[1..].find("\n## ") {
        Some(end) => &section[..end + 1],
        None => section,
    };
    let missing: Vec<String> = lib_modules()
        .into_iter()
        .filter(|m| {
            !section.contains(&format!("src/{m}/")) && !section.contains(&format!("src/{m}.rs"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "README.md's Layout section does not list src/<module>/ or src/<module>.rs for {missing:?}"
    );
}

#[test]
fn the_scanner_sees_groups_and_ignores_comments_and_strings() {
    let code = code_only(
        "use crate::{a::X, b, c::{d, e}};\n// crate::f\nlet s = \"crate::g\";\nlet r = r#\"crate::h\"#;\nfn x<'a>(c: char) { crate::i::j(); let q = '\"'; $crate::k }\n",
    );
    let names: Vec<String> = crate_refs(&code).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["a", "b", "c", "i", "k"]);
}

#[test]
fn readme_links_point_inside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("read README.md");
    let mut wrong = Vec::new();
    for (at, _) in readme.match_indices("](") {
        let rest = &readme[at + 2..];
        let Some(end) = rest.find(')') else { continue };
        let target = rest[..end].split('#').next().unwrap_or_default();
        if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        // Documents the project relies on (the threat model above all) live in the repository.
        if target.starts_with("..") || target.starts_with('/') || !root.join(target).exists() {
            wrong.push(target.to_owned());
        }
    }
    assert!(
        wrong.is_empty(),
        "README.md links outside the repository or to missing files: {wrong:?}"
    );
}
