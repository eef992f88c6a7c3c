//! The `djsa check` command as a user meets it: exit codes, output formats, select/ignore,
//! SILENCED_SYSTEM_CHECKS, configuration errors. Projects are written to temp dirs; the Python
//! environment is disabled (`--python none`) so results depend only on the project's own files.
#![allow(clippy::unwrap_used)]

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
