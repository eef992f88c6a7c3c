//! The `djsa check` command as a user meets it: exit codes, output formats, select/ignore,
//! SILENCED_SYSTEM_CHECKS, configuration errors. Projects are written to temp dirs; the Python
//! environment is disabled (`--python none`) so results depend only on the project's own files.
// Black-box tests are host code: they read and write files like the server does.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

use std::path::Path;

use djsa_tests::djsa;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

const MANAGE: &str = "import os, sys\nif __name__ == '__main__':\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\n";

fn project(models: &str, settings_extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let settings = format!(
        "INSTALLED_APPS = ['shop']\nDATABASES = {{'default': {{'ENGINE': 'django.db.backends.mysql', 'NAME': 'x'}}}}\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n{settings_extra}"
    );
    write(
        dir.path(),
        &[
            ("manage.py", MANAGE),
            ("site_cfg/__init__.py", ""),
            ("site_cfg/settings.py", &settings),
            ("shop/__init__.py", ""),
            ("shop/models.py", models),
        ],
    );
    dir
}

const BAD: &str = "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField()\n    sku_ = models.CharField(max_length=20)\n";
const GOOD: &str = "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=40)\n";

fn check(dir: &Path, extra: &[&str]) -> djsa_tests::Run {
    let mut args = vec!["check", dir.to_str().unwrap(), "--python", "none"];
    args.extend_from_slice(extra);
    djsa(&args)
}

#[test]
fn clean_project_exits_zero() {
    let p = project(GOOD, "");
    let r = check(p.path(), &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "All checks passed.\n");
}

#[test]
fn findings_exit_one_with_code_frame_and_hint() {
    let p = project(BAD, "");
    let r = check(p.path(), &[]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!(r.stdout, @r"
    error[fields.E120]: shop.Product.name: CharFields must define a 'max_length' attribute.
     --> shop/models.py:4:5
      |
    4 |     name = models.CharField()
      |     ^^^^

    error[fields.E001]: shop.Product.sku_: Field names must not end with an underscore.
     --> shop/models.py:5:5
      |
    5 |     sku_ = models.CharField(max_length=20)
      |     ^^^^

    Found 2 issues.
    ");
}

#[test]
fn json_output_is_machine_readable() {
    let p = project(BAD, "");
    let r = check(p.path(), &["--output-format", "json"]);
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["version"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "fields.E120");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["object"], "shop.Product.name");
    assert_eq!(d["file"], "shop/models.py");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(4), Some(5))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(4), Some(9))
    );
    assert!(d["hint"].is_null());
}

#[test]
fn sarif_and_github_formats() {
    let p = project(BAD, "");
    let r = check(p.path(), &["--output-format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let res = &v["runs"][0]["results"];
    assert_eq!(res.as_array().unwrap().len(), 2);
    assert_eq!(res[0]["ruleId"], "fields.E120");
    assert_eq!(
        res[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    let r = check(p.path(), &["--output-format", "github"]);
    let first = r.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        "::error file=shop/models.py,line=4,col=5,endLine=4,endColumn=9,title=fields.E120::shop.Product.name: CharFields must define a 'max_length' attribute."
    );
}

#[test]
fn select_ignore_and_silenced_checks() {
    let p = project(BAD, "");
    let r = check(
        p.path(),
        &["--select", "fields.E0", "--output-format", "concise"],
    );
    assert_eq!(
        r.stdout,
        "shop/models.py:5:5: fields.E001 shop.Product.sku_: Field names must not end with an underscore.\n"
    );
    let r = check(p.path(), &["--ignore", "fields.E001,fields.E120"]);
    assert_eq!(r.code, 0);
    let p = project(BAD, "SILENCED_SYSTEM_CHECKS = ['fields.E120']\n");
    let r = check(p.path(), &["--output-format", "concise"]);
    assert_eq!(
        r.stdout,
        "shop/models.py:5:5: fields.E001 shop.Product.sku_: Field names must not end with an underscore.\n"
    );
}

#[test]
fn pyproject_configuration_is_read() {
    let p = project(BAD, "");
    write(
        p.path(),
        &[(
            "pyproject.toml",
            "[tool.djsa]\nignore = [\"fields.E001\"]\npython = \"none\"\n",
        )],
    );
    let r = djsa(&[
        "check",
        p.path().to_str().unwrap(),
        "--output-format",
        "concise",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("fields.E120") && !r.stdout.contains("fields.E001"),
        "{}",
        r.stdout
    );
}

#[test]
fn configuration_errors_exit_two_with_a_clear_message() {
    let r = djsa(&["check", "/definitely/not/here"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);

    let p = project(GOOD, "");
    write(p.path(), &[("pyproject.toml", "[tool.djsa]\nselect = 3\n")]);
    let r = djsa(&["check", p.path().to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid [tool.djsa]"), "{}", r.stderr);

    let p = project(GOOD, "");
    let r = djsa(&[
        "check",
        p.path().to_str().unwrap(),
        "--python",
        "nowhere/bin/python",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("was not found"), "{}", r.stderr);

    let r = djsa(&["check", "--output-format", "yaml"]);
    assert_eq!(r.code, 2);
}

#[test]
fn verbose_lists_what_was_skipped() {
    let p = project(
        "from django.db import models\nfrom somewhere import MagicField\n\nclass Product(models.Model):\n    name = MagicField()\n    class Meta:\n        ordering = ['nope']\n",
        "import os\nINSTALLED_APPS = INSTALLED_APPS + os.environ.get('EXTRA', [])\n",
    );
    let r = check(p.path(), &["--verbose"]);
    assert!(
        r.stderr
            .contains("INSTALLED_APPS not understood statically"),
        "{}",
        r.stderr
    );
}

#[test]
fn settings_split_over_modules_and_appconfig_paths() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("manage.py", MANAGE),
            ("site_cfg/__init__.py", ""),
            (
                "site_cfg/base.py",
                "DJANGO_APPS = ('django.contrib.contenttypes',)\nLOCAL_APPS = ['shop.apps.ShopConfig']\nINSTALLED_APPS = [*DJANGO_APPS, *LOCAL_APPS]\nDATABASES = {'default': {'ENGINE': 'django.db.backends.mysql'}}\n",
            ),
            (
                "site_cfg/settings.py",
                "from .base import *\nINSTALLED_APPS += ['billing']\ntry:\n    from .local import *\nexcept ImportError:\n    pass\n",
            ),
            ("shop/__init__.py", ""),
            (
                "shop/apps.py",
                "from django.apps import AppConfig\nclass ShopConfig(AppConfig):\n    name = 'shop'\n    label = 'store'\n",
            ),
            (
                "shop/models.py",
                "from django.db import models as m\nclass Item(m.Model):\n    title = m.CharField()\n",
            ),
            ("billing/__init__.py", ""),
            (
                "billing/models.py",
                "from django.db.models import Model, CharField\nclass Invoice(Model):\n    number_ = CharField(max_length=3)\n",
            ),
        ],
    );
    let r = djsa(&[
        "check",
        dir.path().to_str().unwrap(),
        "--python",
        "none",
        "--output-format",
        "concise",
    ]);
    assert_eq!(
        r.stdout,
        "billing/models.py:3:5: fields.E001 billing.Invoice.number_: Field names must not end with an underscore.\nshop/models.py:3:5: fields.E120 store.Item.title: CharFields must define a 'max_length' attribute.\n"
    );
}

#[test]
fn gitlab_code_quality_report_with_stable_fingerprints() {
    let p = project(BAD, "");
    let r = check(p.path(), &["--output-format", "gitlab"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let issues = v.as_array().unwrap();
    assert_eq!(issues.len(), 2);
    let first = &issues[0];
    assert_eq!(first["check_name"], "fields.E120");
    assert_eq!(
        first["description"],
        "shop.Product.name: CharFields must define a 'max_length' attribute."
    );
    assert_eq!(first["severity"], "major");
    assert_eq!(first["location"]["path"], "shop/models.py");
    assert_eq!(first["location"]["lines"]["begin"], 4);
    let allowed = ["info", "minor", "major", "critical", "blocker"];
    let fingerprints: Vec<String> = issues
        .iter()
        .map(|i| {
            assert!(allowed.contains(&i["severity"].as_str().unwrap()));
            assert!(i["description"].as_str().is_some_and(|d| !d.is_empty()));
            assert!(i["location"]["path"].is_string());
            let fp = i["fingerprint"].as_str().unwrap().to_string();
            assert_eq!(fp.len(), 32);
            assert!(fp.chars().all(|c| c.is_ascii_hexdigit()));
            fp
        })
        .collect();
    assert_ne!(fingerprints[0], fingerprints[1]);
    // The same findings give the same fingerprints on another run and after the code above them
    // moved (GitLab compares them between the base and the merge request).
    let again = check(p.path(), &["--output-format", "gitlab"]);
    assert_eq!(again.stdout, r.stdout);
    let moved = format!("# a comment\n\n{BAD}");
    write(p.path(), &[("shop/models.py", &moved)]);
    let r2 = check(p.path(), &["--output-format", "gitlab"]);
    let v2: serde_json::Value = serde_json::from_str(&r2.stdout).unwrap();
    assert_eq!(v2[0]["location"]["lines"]["begin"], 6);
    let fps2: Vec<&str> = v2
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps2, fingerprints);
    // Two identical findings in one file still get distinct fingerprints.
    let twice = "from django.db import models\n\nclass A(models.Model):\n    x_ = models.IntegerField()\n\nclass B(models.Model):\n    x_ = models.IntegerField()\n";
    write(p.path(), &[("shop/models.py", twice)]);
    let r3 = check(p.path(), &["--output-format", "gitlab"]);
    let v3: serde_json::Value = serde_json::from_str(&r3.stdout).unwrap();
    let fps3: std::collections::HashSet<&str> = v3
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps3.len(), v3.as_array().unwrap().len());
    // A clean project is an empty report, not an empty output.
    write(p.path(), &[("shop/models.py", GOOD)]);
    let clean = check(p.path(), &["--output-format", "gitlab"]);
    assert_eq!((clean.code, clean.stdout.trim()), (0, "[]"));
}

#[test]
fn sarif_is_ready_for_github_code_scanning() {
    let p = project(BAD, "");
    let r = check(p.path(), &["--output-format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "djsa");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            // helpUri, when present, must be an absolute URI.
            if let Some(u) = r["helpUri"].as_str() {
                assert!(u.starts_with("https://"), "{u}");
            }
            assert!(r["shortDescription"]["text"].is_string());
            r["id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(rules, ["fields.E001", "fields.E120"]);
    for res in run["results"].as_array().unwrap() {
        assert!(rules.contains(&res["ruleId"].as_str().unwrap()));
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert_eq!(uri, "shop/models.py");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
}

#[path = "lsp_support.rs"]
mod lsp_support;

/// Runs the real binary (the progress display writes to the process's own stderr).
#[allow(clippy::disallowed_methods)]
fn run_binary(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(lsp_support::djsa_bin());
    cmd.args(args).env_remove("CI").env("TERM", "xterm");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(std::process::Stdio::null()).output().unwrap()
}

#[test]
#[allow(clippy::disallowed_methods)]
fn no_progress_display_in_pipes_or_ci() {
    let p = project(BAD, "");
    let dir = p.path().to_str().unwrap();
    for env in [&[][..], &[("CI", "true")][..]] {
        for format in ["full", "concise"] {
            let out = run_binary(
                &["check", dir, "--python", "none", "--output-format", format],
                env,
            );
            assert_eq!(out.status.code(), Some(1));
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                !stderr.contains('\x1b') && !stderr.contains('\r') && stderr.is_empty(),
                "progress escapes in piped stderr: {stderr:?}"
            );
            assert!(!stdout.contains('\x1b') && !stdout.contains("parsing files"));
        }
    }
    // On a terminal (a pseudo-terminal from util-linux `script`) the same command draws it, and
    // clears it before the results; not with CI set. Skipped where `script` is missing.
    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("skipped the terminal half: no `script` command");
        return;
    }
    let bin = lsp_support::djsa_bin();
    let cmdline = format!(
        "{} check {dir} --python none --output-format concise >/dev/null",
        bin.display()
    );
    let on_tty = |ci: bool| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-q", "-e", "-c", &cmdline, "/dev/null"])
            .env_remove("CI")
            .env("TERM", "xterm");
        if ci {
            cmd.env("CI", "true");
        }
        let out = cmd.stdin(std::process::Stdio::null()).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let tty = on_tty(false);
    assert!(
        tty.contains("\x1b[2K"),
        "no progress drawn on a terminal: {tty:?}"
    );
    assert!(
        tty.contains("discovering files") || tty.contains("checking"),
        "{tty:?}"
    );
    let tty_ci = on_tty(true);
    assert!(
        !tty_ci.contains('\x1b'),
        "progress drawn with CI set: {tty_ci:?}"
    );
}

/// Under pre-commit (or any tool that runs djsa from its own virtual environment), VIRTUAL_ENV
/// names an environment without Django: the project's `.venv` with Django is used instead.
#[test]
fn an_active_environment_without_django_yields_to_the_project_venv() {
    let p = project(GOOD, "");
    let venv_files: &[(&str, &str)] = &[
        (".venv/pyvenv.cfg", "home = /usr/bin\n"),
        (".venv/bin/python", ""),
        (
            ".venv/lib/python3.12/site-packages/django/__init__.py",
            "VERSION = (6, 1, 3, 'final', 0)\n",
        ),
    ];
    write(p.path(), venv_files);
    let tool = tempfile::tempdir().unwrap();
    write(
        tool.path(),
        &[
            ("pyvenv.cfg", "home = /usr/bin\n"),
            ("bin/python", ""),
            ("lib/python3.12/site-packages/identify/__init__.py", ""),
        ],
    );
    let dir = p.path().to_str().unwrap();
    let out = run_binary(
        &["check", dir, "--verbose"],
        &[("VIRTUAL_ENV", tool.path().to_str().unwrap())],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("has no Django; using the project's .venv instead"),
        "{stderr}"
    );
    assert!(stderr.contains(".venv/bin/python"), "{stderr}");
    // With Django in the active environment, it stays the one used.
    let out = run_binary(
        &["check", dir, "--verbose"],
        &[("VIRTUAL_ENV", p.path().join(".venv").to_str().unwrap())],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("has no Django"), "{stderr}");
}

/// `sqlalchemy-modules` in `[tool.djsa]` replaces SQLAlchemy discovery.
#[test]
fn sqlalchemy_modules_setting_replaces_discovery() {
    let p = project(GOOD, "");
    let broken = "import sqlalchemy as sa\nmd = sa.MetaData()\nt = sa.Table('t', md, sa.Column('id', sa.Integer, primary_key=True), sa.Column('u', sa.ForeignKey('nowhere.id')))\n";
    write(p.path(), &[("scripts/adhoc.py", broken)]);
    let run = check(p.path(), &["--output-format", "concise"]);
    assert!(run.stdout.contains("DJSA201"), "{}", run.stdout);
    write(
        p.path(),
        &[(
            "pyproject.toml",
            "[tool.djsa]\nsqlalchemy-modules = [\"shop.*\"]\n",
        )],
    );
    let run = check(p.path(), &["--output-format", "concise"]);
    assert!(!run.stdout.contains("DJSA201"), "{}", run.stdout);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}
