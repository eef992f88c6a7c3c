//! The migration graph: nodes per app, dependencies, `replaces`, `run_before`, leaves and a
//! forwards plan in Django's order.

use rustc_hash::{FxHashMap, FxHashSet};

use super::parse::{Dep, ParsedMigration};

pub type Key = (String, String);

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Graph {
    /// Node -> its parents (dependencies), after `__first__`/`__latest__` and `run_before`.
    pub parents: FxHashMap<Key, Vec<Key>>,
    /// Apps with at least one migration.
    pub apps: FxHashSet<String>,
    /// Dependencies on nodes that do not exist: (node, index of the dependency, missing key).
    pub missing: Vec<(Key, usize, Key)>,
    /// Nodes on a dependency cycle.
    pub cycles: Vec<Key>,
}

impl Graph {
    pub fn build(migrations: &[(Key, &ParsedMigration)]) -> Graph {
        let mut g = Graph::default();
        let mut nodes: FxHashSet<Key> = migrations.iter().map(|(k, _)| k.clone()).collect();
        for (k, _) in migrations {
            g.apps.insert(k.0.clone());
        }
        // Squashed migrations: replaced nodes give way to the replacing one (no database is
        // consulted, so nothing counts as applied, as with `makemigrations`).
        let mut replaced_by: FxHashMap<Key, Key> = FxHashMap::default();
        for (k, m) in migrations {
            for r in &m.replaces {
                replaced_by.insert(r.clone(), k.clone());
            }
        }
        for r in replaced_by.keys() {
            nodes.remove(r);
        }
        let map = |k: &Key| -> Key { replaced_by.get(k).cloned().unwrap_or_else(|| k.clone()) };
        let mut raw: Vec<(Key, Vec<(usize, Key)>)> = Vec::new();
        for (k, m) in migrations {
            if !nodes.contains(k) {
                continue;
            }
            let deps = m
                .dependencies
                .iter()
                .enumerate()
                .map(|(i, d)| (i, d.key()))
                .collect();
            raw.push((k.clone(), deps));
        }
        let first_last = |app: &str,
                          first: bool,
                          nodes: &FxHashSet<Key>,
                          raw: &[(Key, Vec<(usize, Key)>)]|
         -> Option<Key> {
            let mut own: Vec<&Key> = nodes.iter().filter(|k| k.0 == app).collect();
            own.sort();
            let has_in_app_parent = |k: &Key| {
                raw.iter()
                    .find(|(n, _)| n == k)
                    .is_some_and(|(_, d)| d.iter().any(|(_, p)| p.0 == app && nodes.contains(p)))
            };
            let has_in_app_child = |k: &Key| {
                raw.iter()
                    .any(|(n, d)| n.0 == app && d.iter().any(|(_, p)| p == k))
            };
            own.into_iter()
                .find(|k| {
                    if first {
                        !has_in_app_parent(k)
                    } else {
                        !has_in_app_child(k)
                    }
                })
                .cloned()
        };
        // `__first__`/`__latest__` of an app, computed once per app.
        let mut first_last_memo: FxHashMap<(String, bool), Option<Key>> = FxHashMap::default();
        for (k, deps) in &raw {
            let mut ps = Vec::new();
            for (i, d) in deps {
                let target = if d.1 == "__first__" || d.1 == "__latest__" {
                    if !g.apps.contains(&d.0) {
                        // An app without migrations: Django ignores the dependency.
                        continue;
                    }
                    let first = d.1 == "__first__";
                    let found = first_last_memo
                        .entry((d.0.clone(), first))
                        .or_insert_with(|| first_last(&d.0, first, &nodes, &raw));
                    match found {
                        Some(t) => t.clone(),
                        None => continue,
                    }
                } else {
                    map(d)
                };
                if nodes.contains(&target) {
                    if !ps.contains(&target) && target != *k {
                        ps.push(target);
                    }
                } else {
                    g.missing.push((k.clone(), *i, d.clone()));
                }
            }
            g.parents.insert(k.clone(), ps);
        }
        for (k, m) in migrations {
            if !nodes.contains(k) {
                continue;
            }
            for rb in &m.run_before {
                let rb = map(rb);
                if let Some(ps) = g.parents.get_mut(&rb)
                    && !ps.contains(k)
                {
                    ps.push(k.clone());
                }
            }
        }
        g.cycles = g.find_cycles();
        g
    }

    pub fn nodes(&self) -> Vec<Key> {
        let mut v: Vec<Key> = self.parents.keys().cloned().collect();
        v.sort();
        v
    }

    /// Nodes of an app with no child in the same app, sorted.
    /// [`Self::leaf_nodes`] of every app at once: one pass over the edges instead of one per
    /// app. Apps without a leaf are absent.
    pub fn leaf_nodes_by_app(&self) -> FxHashMap<&str, Vec<Key>> {
        let mut has_child: FxHashSet<&Key> = FxHashSet::default();
        for (k, ps) in &self.parents {
            for p in ps {
                if p.0 == k.0 {
                    has_child.insert(p);
                }
            }
        }
        let mut by_app: FxHashMap<&str, Vec<Key>> = FxHashMap::default();
        for k in self.parents.keys() {
            if !has_child.contains(k) {
                by_app.entry(k.0.as_str()).or_default().push(k.clone());
            }
        }
        for v in by_app.values_mut() {
            v.sort();
        }
        by_app
    }

    pub fn leaf_nodes(&self, app: &str) -> Vec<Key> {
        let mut has_child: FxHashSet<&Key> = FxHashSet::default();
        for (k, ps) in &self.parents {
            for p in ps {
                if p.0 == k.0 {
                    has_child.insert(p);
                }
            }
        }
        let mut v: Vec<Key> = self
            .parents
            .keys()
            .filter(|k| k.0 == app && !has_child.contains(k))
            .cloned()
            .collect();
        v.sort();
        v
    }

    fn find_cycles(&self) -> Vec<Key> {
        // Iterative colouring DFS.
        let mut state: FxHashMap<&Key, u8> = FxHashMap::default();
        let mut on_cycle: FxHashSet<Key> = FxHashSet::default();
        let nodes = self.nodes();
        for start in &nodes {
            if state.contains_key(start) {
                continue;
            }
            let mut stack: Vec<(&Key, usize)> = vec![(start, 0)];
            state.insert(start, 1);
            while let Some((n, i)) = stack.pop() {
                let ps = self.parents.get(n).map(Vec::as_slice).unwrap_or(&[]);
                if i < ps.len() {
                    stack.push((n, i + 1));
                    let p = &ps[i];
                    let Some((pk, _)) = self.parents.get_key_value(p) else {
                        continue;
                    };
                    match state.get(pk) {
                        None => {
                            state.insert(pk, 1);
                            stack.push((pk, 0));
                        }
                        Some(1) => {
                            on_cycle.insert(pk.clone());
                            on_cycle.insert(n.clone());
                        }
                        _ => {}
                    }
                } else {
                    state.insert(n, 2);
                }
            }
        }
        let mut v: Vec<Key> = on_cycle.into_iter().collect();
        v.sort();
        v
    }

    /// Every node in an order where parents come first (Django's forwards plan of all leaves).
    pub fn plan(&self) -> Vec<Key> {
        let mut out: Vec<Key> = Vec::new();
        let mut done: FxHashSet<Key> = FxHashSet::default();
        let mut targets: Vec<Key> = Vec::new();
        let mut apps: Vec<&String> = self.apps.iter().collect();
        apps.sort();
        let mut leaves = self.leaf_nodes_by_app();
        for a in apps {
            targets.extend(leaves.remove(a.as_str()).unwrap_or_default());
        }
        targets.extend(self.nodes());
        for t in targets {
            if done.contains(&t) {
                continue;
            }
            // Post-order DFS, parents sorted.
            let mut stack: Vec<(Key, bool)> = vec![(t, false)];
            let mut visiting: FxHashSet<Key> = FxHashSet::default();
            while let Some((n, expanded)) = stack.pop() {
                if done.contains(&n) {
                    continue;
                }
                if expanded {
                    done.insert(n.clone());
                    out.push(n);
                    continue;
                }
                if !visiting.insert(n.clone()) {
                    continue;
                }
                stack.push((n.clone(), true));
                let mut ps = self.parents.get(&n).cloned().unwrap_or_default();
                ps.sort();
                for p in ps.into_iter().rev() {
                    if !done.contains(&p) && !visiting.contains(&p) {
                        stack.push((p, false));
                    }
                }
            }
        }
        out
    }
}

/// The app of every swappable dependency is looked up by the caller; kept here for tests.
pub fn dep_key(d: &Dep) -> Key {
    d.key()
}
