//! The house rules Cargo cannot check by itself, checked on every test run:
//!
//! - **No import circle between files**, inside a crate or across its folders (between crates,
//!   Cargo already refuses one).
//! - **Imports running up** (a file importing an item of a module above it in its own crate's
//!   tree: its folder's `mod.rs` or the crate's `lib.rs`) are at most [`MAX_UP`], each one listed
//!   in [`UP_ALLOWED`] with its reason (the README's "How it is built" repeats them).
//! - (No source file over 600 lines: `tests/tests/e2e/repository.rs`.)
//!
//! Test-only files (`tests.rs`, `*_tests.rs`) are left out. An import is a `crate::`, `super::` or `self::` path in the code (comments and inline test
//! modules left out), resolved to the file that defines the item, through `pub use` re-exports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_UP: usize = 5;

/// The imports allowed to run up, `(from, to)`, and why.
const UP_ALLOWED: &[(&str, &str, &str)] = &[];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every crate's source folder: `crates/*/src`, `messages/src`, `bot/src`, `tests/src`.
fn crate_dirs() -> Vec<PathBuf> {
    let r = root();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(r.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path().join("src"))
        .collect();
    dirs.sort();
    for d in ["messages/src", "bot/src", "tests/src"] {
        dirs.push(r.join(d));
    }
    dirs
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` -> `["a", "b"]`; `lib.rs`/`main.rs` -> `[]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

/// The code without comments, string literals' contents and inline `mod tests { … }` blocks.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    strip_inline_tests(&out)
}

fn strip_inline_tests(code: &str) -> String {
    let mut s = code.to_string();
    while let Some(at) = s.find("mod tests {") {
        let open = at + "mod tests ".len();
        let mut depth = 0;
        let mut end = s.len();
        for (k, c) in s[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + k + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        s.replace_range(at..end, "");
    }
    s
}

/// Expands `use a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        for (k, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&base, &inner[start..k], out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        expand(&base, &inner[start..], out);
    } else if !tree.is_empty() {
        out.push(join(prefix, tree));
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}::{b}"),
    }
}

/// Every path the code names: whole `use` trees, and inline `crate::`/`super::`/`self::` paths.
fn paths_of(code: &str) -> (Vec<String>, Vec<(String, bool)>) {
    let mut uses = Vec::new();
    let mut reexports = Vec::new();
    let mut rest = code.to_string();
    // `use` statements (possibly `pub use`), up to their `;`.
    let mut cleaned = String::new();
    let mut i = 0;
    while let Some(k) = rest[i..].find("use ") {
        let at = i + k;
        let before = rest[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            cleaned.push_str(&rest[i..at + 4]);
            i = at + 4;
            continue;
        }
        let Some(end) = rest[at..].find(';') else {
            break;
        };
        let tree = &rest[at + 4..at + end];
        let public = rest[..at].trim_end().ends_with("pub") || rest[..at].trim_end().ends_with(')');
        let mut v = Vec::new();
        expand("", tree, &mut v);
        for p in v {
            reexports.push((p.clone(), public));
            uses.push(p);
        }
        cleaned.push_str(&rest[i..at]);
        i = at + end + 1;
    }
    cleaned.push_str(&rest[i..]);
    rest = cleaned;
    // Inline paths.
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(k) = rest[from..].find(start) {
            let at = from + k;
            let prev = rest[..at].chars().last();
            from = at + start.len();
            if prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = rest[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            uses.push(path.trim_end_matches(':').to_string());
        }
    }
    (uses, reexports)
}

struct Crate {
    files: BTreeMap<Vec<String>, PathBuf>,
    /// Per module: its `use` paths and whether each is public (a re-export).
    reexports: BTreeMap<Vec<String>, Vec<(String, bool)>>,
}

impl Crate {
    /// The absolute module path of `path` as written in module `at`, or `None` outside the crate.
    fn absolute(&self, at: &[String], path: &str) -> Option<Vec<String>> {
        let path = path.split(" as ").next().unwrap_or(path).trim();
        let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let mut cur: Vec<String>;
        let mut rest = &segs[..];
        match segs.first().copied() {
            Some("crate") => {
                cur = vec![];
                rest = &segs[1..];
            }
            Some("self") => {
                cur = at.to_vec();
                rest = &segs[1..];
            }
            Some("super") => {
                cur = at.to_vec();
                while rest.first() == Some(&"super") {
                    cur.pop();
                    rest = &rest[1..];
                }
            }
            // A child module named without `self::` (edition 2018 paths).
            Some(first)
                if self
                    .files
                    .contains_key(&[at, &[first.to_string()]].concat()) =>
            {
                cur = at.to_vec();
            }
            _ => return None,
        }
        cur.extend(rest.iter().map(|s| s.to_string()));
        Some(cur)
    }

    /// The file that defines `path` (module, or an item of a module, through re-exports).
    fn resolve(&self, path: &[String], depth: usize) -> Option<Vec<String>> {
        if depth > 8 {
            return None;
        }
        if self.files.contains_key(path) {
            return Some(path.to_vec());
        }
        // The longest module prefix; the next segment is an item of that module.
        let mut k = path.len();
        while k > 0 && !self.files.contains_key(&path[..k]) {
            k -= 1;
        }
        let module = path[..k].to_vec();
        let Some(item) = path.get(k) else {
            return Some(module);
        };
        if item == "*" {
            return Some(module);
        }
        for (p, public) in self.reexports.get(&module).into_iter().flatten() {
            if !public {
                continue;
            }
            let name = p.split(" as ").next().unwrap_or(p).trim();
            let last = name.rsplit("::").next().unwrap_or("");
            let alias = p.split(" as ").nth(1).map(str::trim).unwrap_or(last);
            if alias == item {
                return match self.absolute(&module, p) {
                    Some(abs) => self.resolve(&abs, depth + 1),
                    // Re-exported from another crate: no file of this crate.
                    None => None,
                };
            }
        }
        Some(module)
    }
}

struct Graph {
    /// `(crate dir, module) -> imported modules`.
    edges: BTreeMap<(usize, Vec<String>), BTreeSet<Vec<String>>>,
    names: BTreeMap<(usize, Vec<String>), String>,
}

fn graph() -> Graph {
    let mut g = Graph {
        edges: BTreeMap::new(),
        names: BTreeMap::new(),
    };
    let r = root();
    for (ci, src) in crate_dirs().into_iter().enumerate() {
        let mut files = Vec::new();
        rs_files(&src, &mut files);
        // main.rs is a crate of its own (it imports the library by name). Test-only modules
        // (`tests.rs`, `*_tests.rs`, declared under `#[cfg(test)]`) test their parent from
        // outside the build: they are left out.
        files.retain(|f| {
            let name = f.file_name().unwrap().to_string_lossy();
            name != "main.rs" && name != "tests.rs" && !name.ends_with("_tests.rs")
        });
        let mut c = Crate {
            files: BTreeMap::new(),
            reexports: BTreeMap::new(),
        };
        let mut codes = BTreeMap::new();
        for f in &files {
            let m = module_path(&src, f);
            let code = code_of(&std::fs::read_to_string(f).unwrap());
            let (uses, re) = paths_of(&code);
            c.files.insert(m.clone(), f.clone());
            c.reexports.insert(m.clone(), re);
            codes.insert(m, uses);
        }
        for (m, uses) in &codes {
            let rel = c.files[m].strip_prefix(&r).unwrap().display().to_string();
            g.names.insert((ci, m.clone()), rel);
            let e = g.edges.entry((ci, m.clone())).or_default();
            for u in uses {
                if let Some(to) = c.absolute(m, u).and_then(|abs| c.resolve(&abs, 0)) {
                    if &to != m {
                        e.insert(to);
                    }
                }
            }
        }
    }
    g
}

/// Tarjan's strongly connected components.
struct Tarjan<'a> {
    succ: &'a [Vec<usize>],
    index: Vec<usize>,
    low: Vec<usize>,
    on: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    /// Components of more than one node.
    out: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: usize) {
        self.index[v] = self.next;
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on[v] = true;
        for &w in &self.succ[v] {
            if self.index[w] == usize::MAX {
                self.visit(w);
                self.low[v] = self.low[v].min(self.low[w]);
            } else if self.on[w] {
                self.low[v] = self.low[v].min(self.index[w]);
            }
        }
        if self.low[v] == self.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = self.stack.pop().unwrap();
                self.on[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                self.out.push(comp);
            }
        }
    }
}

/// Strongly connected components with more than one file (Tarjan).
fn circles(g: &Graph) -> Vec<Vec<String>> {
    let nodes: Vec<&(usize, Vec<String>)> = g.edges.keys().collect();
    let index_of: BTreeMap<&(usize, Vec<String>), usize> =
        nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let succ: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            g.edges[*n]
                .iter()
                .filter_map(|t| index_of.get(&(n.0, t.clone())).copied())
                .collect()
        })
        .collect();
    let mut t = Tarjan {
        succ: &succ,
        index: vec![usize::MAX; nodes.len()],
        low: vec![0; nodes.len()],
        on: vec![false; nodes.len()],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..nodes.len() {
        if t.index[v] == usize::MAX {
            t.visit(v);
        }
    }
    let out = t.out;
    out.into_iter()
        .map(|c| {
            let mut names: Vec<String> = c.into_iter().map(|i| g.names[nodes[i]].clone()).collect();
            names.sort();
            names
        })
        .collect()
}

/// Imports of an item defined in an ancestor module's file (`mod.rs` above, `lib.rs`).
fn up_imports(g: &Graph) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for ((ci, from), tos) in &g.edges {
        for to in tos {
            if to.len() < from.len() && from.starts_with(to) {
                out.push((
                    g.names[&(*ci, from.clone())].clone(),
                    g.names[&(*ci, to.clone())].clone(),
                ));
            }
        }
    }
    out
}

#[test]
fn no_import_circle_between_files() {
    let c = circles(&graph());
    assert!(
        c.is_empty(),
        "import circles between files (each line: files that import each other round):\n{}",
        c.iter()
            .map(|c| c.join(" <-> "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn at_most_five_imports_run_up_and_each_is_listed() {
    let up = up_imports(&graph());
    let unlisted: Vec<_> = up
        .iter()
        .filter(|(f, t)| !UP_ALLOWED.iter().any(|(a, b, _)| a == f && b == t))
        .collect();
    assert!(
        unlisted.is_empty(),
        "imports running up that are not listed in UP_ALLOWED:\n{unlisted:#?}"
    );
    assert!(up.len() <= MAX_UP, "{} imports run up: {up:#?}", up.len());
}

#[test]
fn the_checker_sees_a_circle_and_an_import_running_up() {
    // A crate of three files: a -> b -> a is a circle; b imports its parent's item.
    let code_a = code_of("use crate::b::Thing; // crate::c in a comment\nfn f() {}");
    let (uses, _) = paths_of(&code_a);
    assert_eq!(uses, vec!["crate::b::Thing".to_string()]);
    let mut v = Vec::new();
    expand("", "crate::{a::{X, Y as Z}, b}", &mut v);
    assert_eq!(v, vec!["crate::a::X", "crate::a::Y as Z", "crate::b"]);
    let mut c = Crate {
        files: BTreeMap::new(),
        reexports: BTreeMap::new(),
    };
    for m in [vec![], vec!["a".to_string()], vec!["a".into(), "b".into()]] {
        c.files.insert(m.clone(), PathBuf::from(m.join("/")));
        c.reexports.insert(m, vec![]);
    }
    c.reexports
        .insert(vec![], vec![("a::b::Item".to_string(), true)]);
    let ab = vec!["a".to_string(), "b".to_string()];
    // `crate::Item` is re-exported by lib.rs from a::b: it resolves to a::b's file.
    let abs = c.absolute(&ab, "crate::Item").unwrap();
    assert_eq!(c.resolve(&abs, 0), Some(ab.clone()));
    let abs = c.absolute(&ab, "super::Thing").unwrap();
    assert_eq!(c.resolve(&abs, 0), Some(vec!["a".to_string()]));
    // a -> b -> a is a circle; c -> a is not; a::x -> a runs up.
    let m = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    let mut g = Graph {
        edges: BTreeMap::new(),
        names: BTreeMap::new(),
    };
    for (from, tos) in [
        ("a", vec!["b"]),
        ("b", vec!["a"]),
        ("c", vec!["a"]),
        ("a/x", vec!["a"]),
    ] {
        g.names.insert((0, m(from)), from.to_string());
        g.edges
            .insert((0, m(from)), tos.iter().map(|t| m(t)).collect());
    }
    assert_eq!(circles(&g), vec![vec!["a".to_string(), "b".to_string()]]);
    assert_eq!(up_imports(&g), vec![("a/x".to_string(), "a".to_string())]);
}
