//! Keeps the layers of `app/src` (README, Architecture): each area names only areas below
//! it, and inside an area no two modules name each other, directly or round a cycle. It
//! reads every source file's `crate::` paths (grouped `use crate::{a, b}` included), so an
//! import that breaks the rule fails here, naming the file, the line and the rule.
//!
//! Also: no source file is over 450 lines (one concept per file).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The areas from the ground up. An area may name itself and any area before it.
const LAYERS: &[&str] = &[
    "platform", // the ground: names no feature
    "domain",   // types every layer shares
    "ui",       // widgets, form pieces, icons, the address
    "identity", // who the caller is
    "access",   // what the caller may do: actors, guards, the policy
    "account",  // features: one's own login and accounts
    "practice", // features: the practice's people, roles, audit log, settings
    "partner",  // features: clients, the matrix, client users
    "shell",    // routes, the document, the top bar, the start page
    "demo",     // the demo practice: may use everything
];

/// Files allowed over the size limit, each with the issue that removes it (none now).
const OVERSIZE_UNTIL: &[(&str, &str)] = &[];

const MOST_LINES: usize = 450;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The module a file of `app/src` is, as its path segments (`practice/roles/ssr.rs` →
/// `["practice", "roles", "ssr"]`, `practice/roles/mod.rs` → `["practice", "roles"]`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// Every path named after `crate::` in `code`, as its segments; a group
/// (`crate::a::{b, c::d}`) gives one path per member.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = vec![];
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        // `$crate::` and `foo_crate::` are not this crate's paths.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        out.extend(paths_from(rest, vec![]));
    }
    out
}

/// The paths at the start of `text` (after `crate::` and `prefix`).
fn paths_from(text: &str, prefix: Vec<String>) -> Vec<Vec<String>> {
    let mut path = prefix;
    let mut rest = text;
    loop {
        let ident: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if ident.is_empty() {
            if let Some(group) = rest.strip_prefix('{') {
                return split_group(group)
                    .into_iter()
                    .flat_map(|item| paths_from(item.trim(), path.clone()))
                    .collect();
            }
            return vec![path];
        }
        rest = &rest[ident.len()..];
        path.push(ident);
        match rest.strip_prefix("::") {
            Some(after) => rest = after,
            None => return vec![path],
        }
    }
}

/// The members of a `{…}` group (the text after its `{`), split at its top-level commas.
fn split_group(text: &str) -> Vec<&str> {
    let (mut depth, mut start, mut items) = (0usize, 0usize, vec![]);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&text[start..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items
}

/// A file's code without its comments (doc comments name paths in prose).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

struct Import {
    file: String,
    line: usize,
    from: Vec<String>,
    to: Vec<String>,
}

fn imports() -> Vec<Import> {
    let src = workspace().join("app/src");
    let mut out = vec![];
    for file in rust_files(&src) {
        let text = std::fs::read_to_string(&file).unwrap();
        let from = module_of(&src, &file);
        let shown = file.strip_prefix(workspace()).unwrap().display().to_string();
        for (n, line) in code_of(&text).lines().enumerate() {
            for to in crate_paths(line) {
                out.push(Import {
                    file: shown.clone(),
                    line: n + 1,
                    from: from.clone(),
                    to,
                });
            }
        }
        // A grouped `use crate::{…}` over several lines: read the statement whole.
        for statement in code_of(&text)
            .split(';')
            .filter(|s| s.contains("crate::{") && s.contains('\n'))
        {
            let line = text[..text.find(statement.trim_start()).unwrap_or(0)].lines().count();
            for to in crate_paths(statement) {
                out.push(Import {
                    file: shown.clone(),
                    line,
                    from: from.clone(),
                    to,
                });
            }
        }
    }
    out
}

fn rank(area: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == area)
}

#[test]
fn every_area_is_a_known_layer() {
    let src = workspace().join("app/src");
    for entry in std::fs::read_dir(&src).unwrap().flatten() {
        let name = entry
            .path()
            .with_extension("")
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if name == "lib" {
            continue;
        }
        assert!(
            rank(&name).is_some(),
            "app/src/{name} is in no layer: add it to LAYERS in app/tests/layers.rs (and the README's diagram)"
        );
    }
}

#[test]
fn no_area_names_an_area_above_it() {
    let mut broken = vec![];
    for import in imports() {
        let (Some(from), Some(to)) = (import.from.first(), import.to.first()) else {
            continue;
        };
        let (Some(from_rank), Some(to_rank)) = (rank(from), rank(to)) else {
            continue;
        };
        if to_rank > from_rank {
            broken.push(format!(
                "{}:{}: `{from}` names `crate::{}`, a layer above it ({to} is above {from})",
                import.file,
                import.line,
                import.to.join("::")
            ));
        }
    }
    assert!(
        broken.is_empty(),
        "imports that break the layers:\n{}",
        broken.join("\n")
    );
}

/// The modules of one area (`practice::roles`, `practice::manage_users`) name each other
/// one way only: their graph has no cycle.
#[test]
fn no_two_modules_of_an_area_name_each_other() {
    let mut edges: BTreeMap<String, BTreeMap<String, (String, usize)>> = BTreeMap::new();
    for import in imports() {
        let (Some(from_area), Some(to_area)) = (import.from.first(), import.to.first()) else {
            continue;
        };
        if from_area != to_area || import.from.len() < 2 || import.to.len() < 2 {
            continue;
        }
        let (from, to) = (
            format!("{from_area}::{}", import.from[1]),
            format!("{to_area}::{}", import.to[1]),
        );
        if from != to {
            edges
                .entry(from)
                .or_default()
                .entry(to)
                .or_insert((import.file, import.line));
        }
    }
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeMap<String, (String, usize)>>,
        on_path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = on_path.iter().position(|n| n == node) {
            let mut cycle = on_path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        on_path.push(node.to_owned());
        for next in edges.get(node).into_iter().flat_map(|e| e.keys()) {
            if let Some(cycle) = visit(next, edges, on_path, done) {
                return Some(cycle);
            }
        }
        on_path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(cycle) = visit(node, &edges, &mut vec![], &mut done) {
            let how: Vec<String> = cycle
                .windows(2)
                .map(|w| {
                    let (file, line) = &edges[&w[0]][&w[1]];
                    format!("  {} names {} ({file}:{line})", w[0], w[1])
                })
                .collect();
            panic!(
                "modules that name each other round a cycle (move the shared piece down a layer):\n{}",
                how.join("\n")
            );
        }
    }
}

#[test]
fn no_source_file_is_over_450_lines() {
    let root = workspace();
    let mut over = vec![];
    for dir in [
        "app/src",
        "app/tests",
        "server/src",
        "server/tests",
        "server/benches",
        "frontend/src",
    ] {
        for file in rust_files(&root.join(dir)) {
            let shown = file.strip_prefix(&root).unwrap().display().to_string();
            let lines = std::fs::read_to_string(&file).unwrap().lines().count();
            if lines > MOST_LINES && !OVERSIZE_UNTIL.iter().any(|(f, _)| *f == shown) {
                over.push(format!("{shown}: {lines} lines"));
            }
        }
    }
    assert!(
        over.is_empty(),
        "files over {MOST_LINES} lines (one concept per file: split them):\n{}",
        over.join("\n")
    );
}

/// The browser side is Leptos: no element found by id or selector, no HTML set by hand, no
/// leaked closure or thread-local state (`../shared/STYLE.md`, the browser side).
#[test]
fn no_hand_written_dom_surgery_in_the_app() {
    let src = workspace().join("app/src");
    let mut found = vec![];
    for file in rust_files(&src) {
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for banned in [
            "get_element_by_id",
            "query_selector",
            "set_inner_html",
            "Closure::forget",
            "thread_local!",
        ] {
            for (n, line) in code.lines().enumerate() {
                if line.contains(banned) {
                    found.push(format!(
                        "{}:{}: {banned}",
                        file.strip_prefix(workspace()).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "DOM surgery in the app:\n{}", found.join("\n"));
}

#[test]
fn grouped_and_nested_imports_are_read_whole() {
    let paths = crate_paths("use crate::access::{actor::PracticeActor, policy::{may_grant, keep_an_admin}};");
    let shown: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        shown,
        [
            "access::actor::PracticeActor",
            "access::policy::may_grant",
            "access::policy::keep_an_admin"
        ]
    );
    assert!(crate_paths("$crate::x::y and my_crate::z").is_empty());
    assert_eq!(crate_paths("crate::{shell, ui::widgets}").len(), 2);
}
