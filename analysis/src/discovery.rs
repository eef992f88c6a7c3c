//! What the host should load next: modules the project needs that are not loaded yet.
//!
//! The host loads the project's own files, then asks [`wanted_modules`] and loads whatever of
//! that it finds in the Python environment, until nothing new is wanted.

use rustc_hash::FxHashSet;

use crate::db::{Db, Project, SourceFile};
use crate::project::app_registry;
use crate::resolve::module_map;

#[salsa::tracked(returns(ref))]
pub fn wanted_modules(db: &dyn Db, project: Project) -> Vec<String> {
    let pm = app_registry(db, project);
    let modules = module_map(db, project);
    let mut wanted: Vec<String> = Vec::new();
    let mut seen: FxHashSet<String> = FxHashSet::default();
    let mut want = |m: String, wanted: &mut Vec<String>| {
        if !modules.contains_key(&m) && seen.insert(m.clone()) {
            wanted.push(m);
        }
    };
    // Every INSTALLED_APPS entry, its apps/models/admin modules.
    if let Some(entries) = &pm.settings.installed_apps {
        for e in entries {
            let Some(name) = e.as_str() else { continue };
            want(name.to_string(), &mut wanted);
            if let Some((module, _)) = name.rsplit_once('.') {
                want(module.to_string(), &mut wanted);
            }
        }
    }
    for app in &pm.apps {
        for sub in ["apps", "models", "admin"] {
            want(format!("{}.{sub}", app.name), &mut wanted);
        }
        // Every module of the app's migrations package (`pkg.*`: the host loads the whole
        // package directory, since analysis cannot list file names).
        let pkg = format!("{}.migrations", app.name);
        if !modules.contains_key(&pkg) {
            want(format!("{pkg}.*"), &mut wanted);
        }
    }
    // Imports of every module reachable from the apps' models, apps and admin modules.
    let mut queue: Vec<SourceFile> = Vec::new();
    for app in &pm.apps {
        for sub in ["", ".apps", ".models", ".admin"] {
            if let Some(&f) = modules.get(&format!("{}{sub}", app.name)) {
                queue.push(f);
            }
        }
    }
    let mut visited: FxHashSet<SourceFile> = FxHashSet::default();
    while let Some(f) = queue.pop() {
        if !visited.insert(f) {
            continue;
        }
        for m in imports(db, f) {
            match modules.get(&m) {
                Some(&g) => queue.push(g),
                // `from pkg.models import Name` also names `pkg.models.Name`, which can only be
                // a module when `pkg.models` is a package: below a loaded plain module there is
                // nothing to look for (most of a project's imports are of this kind).
                None if m.rsplit_once('.').is_some_and(|(parent, _)| {
                    modules
                        .get(parent)
                        .is_some_and(|&p| !crate::resolve::is_package(db, p))
                }) => {}
                None => want(m, &mut wanted),
            }
        }
    }
    wanted
}

fn imports(db: &dyn Db, file: SourceFile) -> Vec<String> {
    crate::resolve::module_imports(db, file)
        .iter()
        .map(|i| i.module.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{RootDatabase, test_config, test_project};

    #[test]
    fn wants_imports_but_no_names_below_plain_modules() {
        let db = RootDatabase::default();
        let project = test_project(
            &db,
            &[
                (
                    "mysite/settings.py",
                    "mysite.settings",
                    "INSTALLED_APPS = [\"shop\"]\n",
                ),
                ("shop/__init__.py", "shop", ""),
                (
                    "shop/models.py",
                    "shop.models",
                    "from shop.helpers import Thing\nfrom vendor import sub\nfrom other.models import Item\n",
                ),
                ("shop/helpers.py", "shop.helpers", ""),
            ],
            test_config("mysite.settings"),
        );
        let wanted = wanted_modules(&db, project);
        let has = |m: &str| wanted.iter().any(|w| w == m);
        // A package and what may be its submodule; a module not loaded and what may be below it.
        assert!(has("vendor") && has("vendor.sub"), "{wanted:?}");
        assert!(
            has("other.models") && has("other.models.Item"),
            "{wanted:?}"
        );
        // `shop.helpers` is a loaded plain module: `Thing` is a name in it, not a module.
        assert!(!has("shop.helpers.Thing"), "{wanted:?}");
        assert!(has("shop.migrations.*"), "{wanted:?}");
    }
}
