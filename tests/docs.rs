//! Every diagnostic code djsa can emit has a page in docs/checks/.
// Black-box tests are host code: they read and write files like the server does.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

use djsa_tests::repo_root;

#[test]
fn every_code_has_a_doc_page() {
    let mut codes = std::collections::BTreeSet::new();
    let dirs = [
        "analysis/src/checks",
        "analysis/src/schema",
        "analysis/src/sqla",
        "analysis/src/migrations",
    ];
    for entry in dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(repo_root().join(d)).unwrap())
    {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(pos) = text[i..].find('"') {
            let start = i + pos + 1;
            let Some(len) = text[start..].find('"') else {
                break;
            };
            let lit = &text[start..start + len];
            let is_django = lit.split_once('.').is_some_and(|(ns, id)| {
                ["fields", "models", "admin", "auth", "contenttypes"].contains(&ns)
                    && id.len() >= 4
                    && matches!(id.as_bytes()[0], b'E' | b'W' | b'C' | b'I')
                    && id[1..].bytes().all(|b| b.is_ascii_digit())
            });
            let is_djsa = lit.len() == 7
                && lit.starts_with("DJSA")
                && lit[4..].bytes().all(|b| b.is_ascii_digit());
            if is_django || is_djsa {
                codes.insert(lit.to_string());
            }
            i = start + len + 1;
            let _ = bytes;
        }
    }
    assert!(codes.len() >= 3);
    let missing: Vec<_> = codes
        .iter()
        .filter(|c| {
            !repo_root()
                .join("docs/checks")
                .join(format!("{c}.md"))
                .exists()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a docs/checks page: {missing:?}"
    );
}

#[test]
fn docs_index_is_current() {
    let status = std::process::Command::new("python3")
        .arg(repo_root().join("scripts/gen-docs-index.py"))
        .arg("--check")
        .status()
        .unwrap();
    assert!(
        status.success(),
        "docs/checks/README.md is out of date: run scripts/gen-docs-index.py"
    );
}
