//! One snapshot per fixture project: exactly what `djsa check` prints (plain, no colour), with the
//! project's Python environment set to the Django 6.1 venv. The conformance suite
//! (tests/conformance) proves the same fixtures against real Django; these snapshots make every
//! change in wording, location or code frame visible in review.
// Black-box tests are host code: they read and write files like the server does.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

use djsa_tests::{djsa, fixtures_dir, venv};

#[test]
fn fixture_snapshots() {
    let venv = venv("dj61");
    let mut cases: Vec<_> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("manage.py").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 3, "fixtures missing");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let run = djsa(&[
            "check",
            case.to_str().unwrap(),
            "--python",
            venv.to_str().unwrap(),
        ]);
        assert!(
            run.code == 0 || run.code == 1,
            "{name}: exit {} stderr {}",
            run.code,
            run.stderr
        );
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("../snapshots");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(&case);
        settings.bind(|| insta::assert_snapshot!(name, run.stdout));
    }
}
