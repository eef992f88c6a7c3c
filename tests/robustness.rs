//! Bad input never panics: syntax errors, half-typed classes, non-UTF-8 bytes, a 5 MB file, empty
//! files, import cycles, inheritance cycles, and random mutations of real model files fed through
//! the whole pipeline (settings → apps → models → checks).
// Black-box tests are host code: they read and write files like the server does.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

use std::path::Path;

use djsa_analysis::ProjectConfig;
use djsa_analysis::checks::check_project;
use djsa_analysis::db::{Origin, Project, RootDatabase, SourceFile};
use djsa_tests::djsa;

const SETTINGS: &str =
    "INSTALLED_APPS = ['shop']\nDATABASES = {'default': {'ENGINE': 'django.db.backends.mysql'}}\n";

/// Run the full analysis over an in-memory project; returns the diagnostic codes.
fn analyse(files: &[(&str, &str)]) -> Vec<String> {
    let db = RootDatabase::default();
    let mut inputs = vec![
        SourceFile::new(
            &db,
            "cfg/settings.py".into(),
            Some("cfg.settings".into()),
            SETTINGS.into(),
            Origin::Project,
            false,
        ),
        SourceFile::new(
            &db,
            "shop/__init__.py".into(),
            Some("shop".into()),
            "".into(),
            Origin::Project,
            false,
        ),
    ];
    for (path, text) in files {
        let module = path
            .trim_end_matches(".py")
            .replace('/', ".")
            .trim_end_matches(".__init__")
            .to_string();
        inputs.push(SourceFile::new(
            &db,
            path.to_string(),
            Some(module),
            (*text).into(),
            Origin::Project,
            false,
        ));
    }
    let config = ProjectConfig {
        settings_module: Some("cfg.settings".into()),
        ..Default::default()
    };
    let project = Project::new(&db, inputs, config);
    check_project(&db, project)
        .iter()
        .map(|d| d.code.clone())
        .collect()
}

#[test]
fn syntax_errors_and_half_typed_code() {
    let codes = analyse(&[(
        "shop/models.py",
        "from django.db import models\nclass Book(models.Model:\n    title = models.CharField(max_length=\n",
    )]);
    assert!(codes.contains(&"DJSA001".to_string()), "{codes:?}");
    for src in [
        "class",
        "class Book(",
        "from django.db import models\nclass Book(models.Model):\n    title = models.",
        "from django.db import models\nclass Book(models.Model):\n    class Meta:\n        ordering = [",
        "from . import",
        "from .... import x",
        "import",
        "x = (((((((((",
        "\u{feff}\0\0\0",
        "",
    ] {
        let _ = analyse(&[("shop/models.py", src)]);
    }
}

#[test]
fn cycles_terminate() {
    // Import cycles, star-import cycles and inheritance cycles across modules.
    let codes = analyse(&[
        (
            "shop/models.py",
            "from shop.a import *\nfrom django.db import models\nclass A(B):\n    pass\nclass B(A):\n    pass\nclass C(models.Model):\n    x = models.CharField(max_length=3)\n",
        ),
        (
            "shop/a.py",
            "from shop.models import *\nfrom shop.b import *\n",
        ),
        ("shop/b.py", "from shop.a import *\nfrom shop.b import *\n"),
    ]);
    assert!(!codes.iter().any(|c| c == "DJSA001"), "{codes:?}");
    let _ = analyse(&[(
        "shop/models.py",
        "from django.db import models\nclass Base(Base):\n    pass\nclass M(Base, models.Model):\n    x = models.ForeignKey('self', on_delete=models.CASCADE)\n",
    )]);
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let deep = format!("X = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
    let _ = analyse(&[("shop/models.py", &deep)]);
    let deep_if: String = (0..300)
        .map(|i| format!("{}if x:\n", "    ".repeat(i)))
        .collect::<String>()
        + &"    ".repeat(300)
        + "pass\n";
    let _ = analyse(&[("shop/models.py", &deep_if)]);
}

fn write(root: &Path, files: &[(&str, &[u8])]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

#[test]
fn non_utf8_empty_and_huge_files_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let mut huge = b"from django.db import models\n".to_vec();
    while huge.len() < 5 * 1024 * 1024 {
        huge.extend_from_slice(
            b"class M(models.Model):\n    title = models.CharField(max_length=10)\n",
        );
    }
    write(
        dir.path(),
        &[
            ("manage.py", b"os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'cfg.settings')\n"),
            ("cfg/__init__.py", b""),
            ("cfg/settings.py", SETTINGS.as_bytes()),
            ("shop/__init__.py", b""),
            ("shop/models.py", b"from django.db import models\nclass Caf\xe9(models.Model):\n    name_ = models.CharField(max_length=3)\n"),
            ("shop/empty.py", b""),
            ("shop/huge.py", &huge),
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
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("DJSA002"), "{}", r.stdout);
    assert!(r.stdout.contains("fields.E001"), "{}", r.stdout);
}

/// xorshift64*: deterministic, dependency-free randomness for the mutation test.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    ":",
    ",",
    "=",
    "\n",
    "    ",
    "class ",
    "Meta",
    "models.",
    "ForeignKey(",
    "'self'",
    "\"app.Model\"",
    "from . import *\n",
    "import ",
    "primary_key=True",
    "null=True",
    "**kw",
    "*args",
    "lambda: 0",
    "f'{x}'",
    "\\",
    "#",
    "\"\"\"",
    "é",
    "\u{0}",
    "max_length=-1",
    "choices=[('a',)]",
    "on_delete=models.SET_NULL",
    "related_name='+'",
    "abstract = True",
];

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut s: Vec<char> = src.chars().collect();
    for _ in 0..1 + rng.below(6) {
        let len = s.len();
        match rng.below(5) {
            0 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(40)).min(len);
                s.drain(a..b);
            }
            1 => {
                let at = rng.below(len + 1);
                let t = TOKENS[rng.below(TOKENS.len())];
                for (i, c) in t.chars().enumerate() {
                    s.insert(at + i, c);
                }
            }
            2 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(80)).min(len);
                let chunk: Vec<char> = s[a..b].to_vec();
                let at = rng.below(len + 1);
                for (i, c) in chunk.into_iter().enumerate() {
                    s.insert(at + i, c);
                }
            }
            3 if len > 0 => {
                s.truncate(rng.below(len));
            }
            _ => {
                let at = rng.below(len + 1);
                s.insert(at, char::from_u32(rng.below(0x3000) as u32).unwrap_or('x'));
            }
        }
    }
    s.into_iter().collect()
}

#[test]
fn random_mutations_of_real_models_never_panic() {
    let seeds: Vec<String> = [
        "basic_errors/shop/models.py",
        "clean_contrib/library/models.py",
    ]
    .iter()
    .filter_map(|p| std::fs::read_to_string(djsa_tests::fixtures_dir().join(p)).ok())
    .collect();
    assert!(!seeds.is_empty());
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let iterations: usize = std::env::var("DJSA_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    for i in 0..iterations {
        let seed = &seeds[i % seeds.len()];
        let mutated = mutate(&mut rng, seed);
        let other = mutate(
            &mut rng,
            "from .models import *\nfrom django.db import models\nclass Extra(Book):\n    pass\n",
        );
        let result = std::panic::catch_unwind(|| {
            analyse(&[("shop/models.py", &mutated), ("shop/extra.py", &other)])
        });
        assert!(
            result.is_ok(),
            "panic on iteration {i} with input:\n{mutated}\n---\n{other}"
        );
    }
}
