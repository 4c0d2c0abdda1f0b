//! The layering of `app/src`, checked from the source: nothing imports a higher layer, and no
//! two modules import each other (directly or around a loop).
//!
//! Layers, bottom to top (docs/architecture.md): identity, storage, net → profile → phone →
//! discovery, provision → session → cli, gui. A module may use its own top-level module and any
//! lower layer; of the modules sharing a layer only provision may use discovery. Test code
//! (`#[cfg(test)]` items and `tests.rs` files) is left out: it may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// Layer of each top-level module; higher numbers may use lower ones.
const LAYERS: &[(&str, u8)] = &[
    ("identity", 0),
    ("storage", 0),
    ("net", 0),
    ("profile", 1),
    ("phone", 2),
    ("discovery", 3),
    ("provision", 3),
    ("session", 4),
    ("cli", 5),
    ("gui", 5),
];

/// Uses between modules of one layer that the design allows (user, used).
const SAME_LAYER_ALLOWED: &[(&str, &str)] = &[("provision", "discovery")];

type ModulePath = Vec<String>;

/// Every module of the crate: its path (`["profile", "validate"]`) and its parsed file.
fn modules(src: &Path) -> BTreeMap<ModulePath, syn::File> {
    let mut found = BTreeMap::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && let Some(module) = module_path(src, &path)
            {
                let text = std::fs::read_to_string(&path).unwrap();
                let file =
                    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                found.insert(module, file);
            }
        }
    }
    found
}

/// `src/profile/validate/mod.rs` → `profile::validate`; crate roots and test files → None.
fn module_path(src: &Path, file: &Path) -> Option<ModulePath> {
    let relative: PathBuf = file.strip_prefix(src).ok()?.with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.last()?.clone();
    if last == "tests" || last.ends_with("_tests") {
        return None;
    }
    if last == "mod" {
        parts.pop();
    }
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        return None;
    }
    Some(parts)
}

/// `#[cfg(test)]` or `#[cfg(all(test, …))]`; not `#[cfg(not(test))]`, which is production code.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg") && {
            let tokens = attr.meta.require_list().map(|l| l.tokens.to_string());
            tokens.is_ok_and(|t| {
                let t: String = t.split_whitespace().collect();
                t == "test" || (t.starts_with("all(test,") && !t.contains("not("))
            })
        }
    })
}

/// Collects every `crate::…` and `super::…` path a module names, as absolute module paths.
struct Uses<'a> {
    module: &'a [String],
    /// Nested inline modules (`mod x { … }`) shift what `super` means.
    inline: Vec<String>,
    found: BTreeSet<ModulePath>,
}

impl Uses<'_> {
    fn here(&self) -> ModulePath {
        self.module.iter().chain(&self.inline).cloned().collect()
    }

    fn record(&mut self, segments: &[String]) {
        let mut absolute = match segments.first().map(String::as_str) {
            Some("crate") => Vec::new(),
            Some("super") => {
                let mut base = self.here();
                base.pop();
                base
            }
            Some("self") => self.here(),
            _ => return,
        };
        for segment in &segments[1..] {
            if segment == "super" {
                absolute.pop();
            } else {
                absolute.push(segment.clone());
            }
        }
        if !absolute.is_empty() {
            self.found.insert(absolute);
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                self.record(&prefix.clone());
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                self.record(&prefix.clone());
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.record(&prefix.clone()),
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Uses<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Impl(i) => &i.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if is_test_only(attrs) {
            return;
        }
        match item {
            syn::Item::Mod(m) if m.content.is_some() => {
                self.inline.push(m.ident.to_string());
                syn::visit::visit_item_mod(self, m);
                self.inline.pop();
            }
            _ => syn::visit::visit_item(self, item),
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.record(&segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // Macro bodies (`format!`, `matches!`, …) are tokens, not syntax: find paths in the text.
        let text: String = mac.tokens.to_string().split_whitespace().collect();
        for root in ["crate::", "super::"] {
            for (start, _) in text.match_indices(root) {
                let path: Vec<String> = text[start..]
                    .split("::")
                    .map(|s| {
                        s.chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect::<String>()
                    })
                    .take_while(|s| !s.is_empty())
                    .collect();
                self.record(&path);
            }
        }
        syn::visit::visit_macro(self, mac);
    }
}

/// The module a used path lives in: the longest prefix that is a module of the crate.
fn owning_module(path: &[String], known: &BTreeMap<ModulePath, syn::File>) -> Option<ModulePath> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| known.contains_key(prefix))
}

fn layer(top: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(name, _)| *name == top)
        .map(|(_, layer)| *layer)
        .unwrap_or_else(|| {
            panic!("module `{top}` has no layer: add it to LAYERS and docs/architecture.md")
        })
}

/// Module → the modules it uses (itself, its ancestors and its descendants left out: a parent
/// declares and re-exports its children, so those edges say nothing about layering).
fn use_graph() -> BTreeMap<ModulePath, BTreeSet<ModulePath>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules(&src);
    let mut graph = BTreeMap::new();
    for (module, file) in &known {
        let mut uses = Uses {
            module,
            inline: Vec::new(),
            found: BTreeSet::new(),
        };
        uses.visit_file(file);
        let targets = uses
            .found
            .iter()
            .filter_map(|path| owning_module(path, &known))
            .filter(|target| !target.starts_with(module) && !module.starts_with(target))
            .collect();
        graph.insert(module.clone(), targets);
    }
    graph
}

fn name(module: &[String]) -> String {
    module.join("::")
}

#[test]
fn no_module_uses_a_higher_layer() {
    let mut wrong = Vec::new();
    for (module, targets) in use_graph() {
        let from = &module[0];
        for target in targets {
            let to = &target[0];
            if from == to || SAME_LAYER_ALLOWED.contains(&(from.as_str(), to.as_str())) {
                continue;
            }
            if layer(to) >= layer(from) {
                wrong.push(format!("{} uses {}", name(&module), name(&target)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "uses against the layering:\n{}",
        wrong.join("\n")
    );
}

/// Tarjan's strongly connected components; any with two or more modules is a cycle.
fn cycles(graph: &BTreeMap<ModulePath, BTreeSet<ModulePath>>) -> Vec<Vec<ModulePath>> {
    struct State<'g> {
        graph: &'g BTreeMap<ModulePath, BTreeSet<ModulePath>>,
        index: BTreeMap<&'g ModulePath, usize>,
        low: BTreeMap<&'g ModulePath, usize>,
        stack: Vec<&'g ModulePath>,
        on_stack: BTreeSet<&'g ModulePath>,
        found: Vec<Vec<ModulePath>>,
    }
    fn visit<'g>(state: &mut State<'g>, node: &'g ModulePath) {
        let number = state.index.len();
        state.index.insert(node, number);
        state.low.insert(node, number);
        state.stack.push(node);
        state.on_stack.insert(node);
        for next in state.graph.get(node).into_iter().flatten() {
            let Some((next, _)) = state.graph.get_key_value(next) else {
                continue;
            };
            if !state.index.contains_key(next) {
                visit(state, next);
                let low = state.low[next].min(state.low[node]);
                state.low.insert(node, low);
            } else if state.on_stack.contains(next) {
                let low = state.index[next].min(state.low[node]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(member);
                component.push(member.clone());
                if member == node {
                    break;
                }
            }
            if component.len() > 1 {
                state.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node) {
            visit(&mut state, node);
        }
    }
    state.found
}

#[test]
fn no_two_modules_use_each_other() {
    let found: Vec<String> = cycles(&use_graph())
        .iter()
        .map(|c| c.iter().map(|m| name(m)).collect::<Vec<_>>().join(" ↔ "))
        .collect();
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

#[test]
fn the_checks_see_a_cycle_and_an_upward_use() {
    // The checks themselves: a made-up graph with a loop is caught, and the real graph is read.
    let a = vec!["a".to_string()];
    let b = vec!["b".to_string()];
    let graph = BTreeMap::from([
        (a.clone(), BTreeSet::from([b.clone()])),
        (b.clone(), BTreeSet::from([a.clone()])),
    ]);
    assert_eq!(cycles(&graph).len(), 1);
    let real = use_graph();
    let gui_uses_session = real
        .iter()
        .filter(|(m, _)| m[0] == "gui")
        .any(|(_, targets)| targets.iter().any(|t| t[0] == "session"));
    assert!(
        gui_uses_session,
        "the source reader found no use of session in gui"
    );
}
