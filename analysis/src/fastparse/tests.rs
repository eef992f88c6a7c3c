//! Differential tests: whenever the fast path answers, it must equal tree-sitter + `lower`.
//! Tests may read the corpus from disk.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use super::{parse, syntax_via_tree_sitter};
use crate::syntax::ModuleSyntax;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "py") {
            out.push(p);
        }
    }
}

/// `Err(description)` when the fast path answered differently from tree-sitter.
fn compare(text: &str) -> Result<Option<ModuleSyntax>, String> {
    let Some(fast) = parse(text) else {
        return Ok(None);
    };
    let slow = syntax_via_tree_sitter(text);
    if fast == slow {
        return Ok(Some(fast));
    }
    let mut msg = String::new();
    if fast.errors != slow.errors {
        msg.push_str(&format!(
            "errors: fast {:?} ts {:?}\n",
            fast.errors, slow.errors
        ));
    }
    let n = fast.body.len().max(slow.body.len());
    for i in 0..n {
        let (a, b) = (fast.body.get(i), slow.body.get(i));
        if a != b {
            let fa = format!("{a:#?}");
            let fb = format!("{b:#?}");
            // first differing line
            let (la, lb): (Vec<_>, Vec<_>) = (fa.lines().collect(), fb.lines().collect());
            let j = la
                .iter()
                .zip(lb.iter())
                .position(|(x, y)| x != y)
                .unwrap_or(la.len().min(lb.len()));
            let lo = j.saturating_sub(12);
            msg.push_str(&format!(
                "statement {i} differs at line {j}\n--- fast:\n{}\n--- tree-sitter:\n{}\n",
                la[lo..(j + 4).min(la.len())].join("\n"),
                lb[lo..(j + 4).min(lb.len())].join("\n"),
            ));
            break;
        }
    }
    Err(msg)
}

/// Django contrib modules loaded on every run of the bench project: the fast path must take them
/// (each once declined for a `*call()` / `**call()` argument or display element in a function).
const MUST_ACCEPT: &[&str] = &[
    "django/contrib/contenttypes/forms.py",
    "django/contrib/auth/base_user.py",
    "django/contrib/contenttypes/admin.py",
    "django/contrib/contenttypes/models.py",
    "django/contrib/auth/password_validation.py",
    "django/contrib/auth/management/__init__.py",
    "django/contrib/auth/admin.py",
    "django/contrib/admin/widgets.py",
    "django/contrib/auth/forms.py",
    "django/contrib/auth/models.py",
    "django/contrib/admin/utils.py",
    "django/contrib/admin/filters.py",
    "django/contrib/contenttypes/fields.py",
    "django/contrib/admin/checks.py",
    "django/contrib/admin/options.py",
];

fn corpus(include_site_packages: bool) -> Vec<PathBuf> {
    let r = root();
    let mut files = Vec::new();
    walk(&r.join("tests/fixtures"), &mut files);
    walk(&r.join("examples"), &mut files);
    walk(&r.join("bench/out/p2000"), &mut files);
    if include_site_packages && let Ok(rd) = std::fs::read_dir(r.join("target/venvs")) {
        let mut venvs: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        venvs.sort();
        for v in venvs {
            let Ok(libs) = std::fs::read_dir(v.join("lib")) else {
                continue;
            };
            for l in libs.flatten() {
                walk(&l.path().join("site-packages"), &mut files);
            }
        }
    }
    files
}

#[test]
fn differential_corpus() {
    let files = corpus(true);
    let mut total = 0usize;
    let mut accepted = 0usize;
    let mut bytes = 0usize;
    let mut bytes_ok = 0usize;
    let mut bench = (0usize, 0usize);
    let mut contrib_models = (0usize, 0usize);
    let mut contrib_migr = (0usize, 0usize);
    let mut failures = Vec::new();
    let mut must_declined = Vec::new();
    let mut must_seen = 0usize;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        total += 1;
        bytes += text.len();
        let path = f.to_string_lossy();
        let is_bench = path.contains("bench/out/p2000");
        if is_bench {
            bench.0 += 1;
        }
        let contrib = path.contains("dj61/") && path.contains("django/contrib/");
        let is_cm = contrib && path.ends_with("/models.py");
        let is_cmig = contrib && path.contains("/migrations/0");
        contrib_models.0 += usize::from(is_cm);
        contrib_migr.0 += usize::from(is_cmig);
        let must = (path.contains("dj61/") || path.contains("dj52/"))
            && MUST_ACCEPT
                .iter()
                .any(|m| path.ends_with(&format!("site-packages/{m}")));
        must_seen += usize::from(must);
        match compare(&text) {
            Ok(Some(_)) => {
                accepted += 1;
                bytes_ok += text.len();
                if is_bench {
                    bench.1 += 1;
                }
                contrib_models.1 += usize::from(is_cm);
                contrib_migr.1 += usize::from(is_cmig);
            }
            Ok(None) => {
                if must {
                    must_declined.push(path.to_string());
                }
            }
            Err(m) => failures.push(format!("{}:\n{m}", f.display())),
        }
    }
    eprintln!(
        "fastparse coverage: {accepted}/{total} files, {bytes_ok}/{bytes} bytes; bench {}/{}; \
         django contrib (dj61) models.py {}/{}, migrations {}/{}",
        bench.1, bench.0, contrib_models.1, contrib_models.0, contrib_migr.1, contrib_migr.0
    );
    if !failures.is_empty() {
        for m in failures.iter().take(5) {
            eprintln!("{m}");
        }
        panic!("{} mismatches", failures.len());
    }
    eprintln!("must-accept contrib modules: {must_seen} found");
    assert!(
        must_declined.is_empty(),
        "declined by the fast path: {must_declined:#?}"
    );
}

fn check_snippet(src: &str, must_accept: bool) {
    match compare(src) {
        Ok(Some(_)) => {}
        Ok(None) => {
            if src.len() < 400 {
                eprintln!("declined: {src:?}");
            }
            assert!(!must_accept, "declined:\n{src}")
        }
        Err(m) => panic!("mismatch for:\n{src}\n{m}"),
    }
}

#[test]
fn tricky_snippets() {
    let accept = [
        "",
        "\n\n",
        "# only a comment\n",
        "x = 1",
        "x = 1\n",
        "\u{feff}x = 1\n",
        "x = 1\r\ny = 'a'\r\n",
        "class A:\r\n    x = 1  # c\r\n    # trailing\r\ny = 2\r\n",
        "a = 'x' \"y\" '''z''' \"\"\"w\"\"\"\n",
        "a = r'\\d' R'\\n' b'x' B'y' rb'\\x' Br'z' u'u' U'v' f'f' F'{{x}}' rf'{{' fR'a'\n",
        "a = 'a\\tb\\n\\\\\\'\\\"\\0\\x41\\u00e9\\U0001F600\\d\\a\\012\\08'\n",
        "a = 'line\\\ncont'\n",
        "a = '''multi\nline \\\n string'''\n",
        "a = 'héllo wörld ✓'  # ünïcode comment\n",
        "a = f'{x}' 'b'\nb = f'{x!r:>{w}}' \nc = f'{a[1:2]}{b.c(d)}{e=}'\n",
        "a = b'x' b'y'\n",
        "x = (1)\ny = ((a.b))\nz = (\n  # c\n  1)\n",
        "x = ('a'  # c\n     'b')\n",
        "x = [\n    1,  # one\n    2,\n    # end\n]\n",
        "x = {'a': 1, **b}\ny = {}\nz = {1, 2}\nw = {a: b for a, b in c}\n",
        "x = [a for a in b if a]\ny = (a for a in b)\nz = {a for a in b}\n",
        "f(*args, **kw)\nf(a, b=1, *c, d=2, **e)\nf(x for x in y)\n",
        "x = a if b else c\ny = not a\nz = a and b or c\nw = a < b <= c\nv = a is not b\nu = a not in b\n",
        "x = -1\ny = +2\nz = ~3\nw = -a ** 2\nv = a & b ^ c | d << 1 >> 2\nu = a + b * c / d // e % f @ g\n",
        "x = a[1]\ny = a[1:2]\nz = a[::2]\nw = a[1, 2]\nv = a.b.c\nu = f().b\nt = a[0].b\n",
        "x = lambda: 0\ny = lambda a, *b, c=1, **d: a\n",
        "x = 0x1F + 0o17 + 0b101 + 1_000 + 10**40 + 1j + 1.5 + .5 + 1e10 + 1.5e-3j + 00\n",
        "x = 99999999999999999999999999999999999999999999\n",
        "a = b = c = 3\na.b = 1\na[1] = 2\na, b = 1, 2\n(a, b) = c\n[a, *b] = c\na, = c\nx = 1,\n",
        "x: int = 1\ny: 'str'\nself.z: int = 2\nw += 1\nw.v -= 2\nx[0] **= 2\n",
        "import a\nimport a.b as c, d\nfrom . import x\nfrom ..a.b import (c as d, e,)\nfrom x import *\nfrom __future__ import annotations\n",
        "@dec\n@dec.b(1, k=2)\nclass A(B, metaclass=M):\n    '''doc'''\n    x = 1\n\n    @property\n    def f(self) -> int:\n        return 1\n\n    class Meta:\n        pass\n",
        "class A: pass\nclass B(): x = 1; y = 2\nclass C(\n    B,  # base\n    **kw,\n):\n    pass\n",
        "def f(a, b=1, /, *args, c: int = 2, d, **kw):\n    x = [i for i in a]\n    for i in range(3):\n        if i:\n            continue\n        else:\n            break\n    while True:\n        pass\n    with open(f) as fh, g:\n        yield fh\n    try:\n        pass\n    except (A, B) as e:\n        raise X from e\n    except:\n        raise\n    else:\n        pass\n    finally:\n        del x\n    global g\n    return a, b\n",
        "async def f():\n    await x\n    async for a in b:\n        pass\n    async with c as d:\n        pass\n    return [x async for x in y]\n",
        "if a:\n    x = 1\nelif b:\n    x = 2\nelif c:\n    pass\nelse:\n    x = 3\n",
        "try:\n    import x\nexcept ImportError:\n    x = None\nelse:\n    y = 1\nfinally:\n    z = 2\n",
        "if x:  # c\n    # c2\n    a = 1\n    # c3\n        # deeper\n# out\nb = 2\n",
        "def f():\n    pass\n    # in\n\n\n# out\n",
        "def f():\n    x = 1  # trailing",
        "class A:\n    def f(self):\n        return 1\n    # back to class level\n\n    x = 2\n",
        "x = (yield)\n",
        "def g():\n    x = yield\n    y = yield a, b\n    z = yield from c\n    (yield)\n",
        "x = [*a, *b]\ny = (*a, b)\nz = {*a}\n",
        "x = print\nprint('a')\ntype.x = 1\nmatch = 2\n",
        "x = a.b(c)(d)[e].f\n",
        "x = \\\n    1\nif a and \\\n   b:\n    pass\n",
        "def f():\n\tif x:\n\t\treturn 1\n",
        "x = f'{a}' f'{b}'\ny = f'{\"a\" if x else \"b\"}'\n",
        "x = ...\ny = a[...]\n",
        "x = (a := 1)\nif (n := len(a)) > 10:\n    pass\n",
        "x = {'a': [1, {'b': (2, 3)}], 'c': None, 'd': True, 'e': False}\n",
        "class A(models.Model):\n    name = models.CharField(max_length=10, choices=[('a', 'A')], default=lambda: 1)\n",
        "x = not not a\ny = - - 1\n",
        "a; b; c\nx = 1;\n",
    ];
    for s in accept {
        check_snippet(s, false);
    }
    // the plain ones must be accepted
    for s in [
        "",
        "x = 1",
        "\u{feff}x = 1\n",
        "x = 1\r\ny = 'a'\r\n",
        "class A:\r\n    x = 1  # c\r\n    # trailing\r\ny = 2\r\n",
        "a = 'héllo wörld ✓'  # ünïcode comment\n",
        "@dec\n@dec.b(1, k=2)\nclass A(B, metaclass=M):\n    '''doc'''\n    x = 1\n\n    @property\n    def f(self) -> int:\n        return 1\n\n    class Meta:\n        pass\n",
        "if a:\n    x = 1\nelif b:\n    x = 2\nelif c:\n    pass\nelse:\n    x = 3\n",
        "try:\n    import x\nexcept ImportError:\n    x = None\nelse:\n    y = 1\nfinally:\n    z = 2\n",
        "f(*args, **kw)\nf(a, b=1, *c, d=2, **e)\nf(x for x in y)\n",
    ] {
        check_snippet(s, true);
    }
}

/// Shapes that take the reader's shortcuts (a primary returned without the precedence levels, a
/// dotted name built in place, a lone string or plain decimal literal, keyword lookup, blank
/// skipping on continuation lines) next to ones that must leave them.
#[test]
fn shortcut_shapes() {
    for s in [
        "a, b\n(a), b\na.b, c(d)\n*a, b\n",
        "x = a . b . c\ny = (a).b.c\nz = a.b(c).d.e\nw = a.b[c].d\nv = (a.b).c\n",
        "x = a.\\\n    b\ny = (a  # c\n     .b)\n",
        "x = a.b + c.d\ny = a.b < c\nz = a.b if c else d\nw = a.b and c or d\nv = a.b not in c\n",
        "x = a.b is not c\ny = f(a) ** -b\nz = [a.b, c.d | e]\nw = {a: b.c @ d}\n",
        "x = 'a'\ny = 'a' 'b'\nz = 'a' f'{b}'\nw = ('a'\n     'b')\nv = r'a\\\\'\n",
        "x = 0\ny = 007\nz = 123456789012345678\nw = 1234567890123456789012\nv = 1_0\nu = 5j\n",
        "Falsey = Nonesuch = Truer = 1\nands = asserts = ass = defs = iff = nots = ors = 2\n",
        "x = f(\n        a,\n\t    b,\n  )\nclass A:\n    y = [\n  1,\n        2]\n",
    ] {
        check_snippet(s, false);
    }
}

/// `*expr` / `**expr` with any operand: tree-sitter may read `*a.b(c)` as a `list_splat` of the
/// call or as a call on a `list_splat` primary; in function bodies (not lowered) either is fine.
#[test]
fn star_operands_in_function_bodies() {
    for s in [
        "def f(self):\n    return [*form.base_fields, *self.get_readonly_fields(request, obj)]\n",
        "def f():\n    return qs.aggregate(**self.counts(a, b))\n",
        "def f():\n    return self.get(**{self.model.USERNAME_FIELD: username})\n",
        "def f():\n    return (self.codename, *self.content_type.natural_key())\n",
        "def f():\n    return Q(*(Q(a) for a in b), _connector=Q.OR)\n",
        "def f():\n    x = g(*[a for a in b], *(c or []), **d.e(f) if g else h)\n",
        "def f():\n    return [\n        *self._check_a(obj),\n        *self._check_b(obj),\n    ]\n",
        "def f():\n    return [*a.b(c) + 1, *not a, *lambda: 1, *a < b]\n",
        "def f():\n    x = *a.b(c), d\n    return {*a(), *b}\n",
        "class A:\n    def f(self):\n        return {**a.b(c), 'x': 1}\n",
        "def f():\n    for a in [*b.c()]:\n        g(*a.h())\n",
        "def f():\n    print(*a.b(c), file=d)\n    print(**a.b(c))\n",
    ] {
        check_snippet(s, true);
    }
    // lowered: tree-sitter's reading is not always a list_splat of the call; must not mismatch
    for s in [
        "x = [*a.b(c)]\n",
        "x = [*a.b(c) + 1]\n",
        "x = [*a.b(c), *d]\n",
        "x = *a.b(c), d\n",
        "f(*a.b(c))\n",
        "f(**a.b(c))\n",
        "class A:\n    x = (*a.b(c), *d[0](1))\n    y = {*a(), *b}\n",
        "class A(*a.b(c), **d.e()):\n    pass\n",
        "if x:\n    y = [*a.b(c).d, *a.b[1]]\n",
    ] {
        check_snippet(s, false);
    }
}

/// Constructs accepted in function bodies (not lowered) since only "no syntax error" matters
/// there: `with (...)` item groups, starred elements in assignment values / `return` / `yield`,
/// `(*a, b)` tuples as arguments or elements; plus soft keywords used as plain names.
#[test]
fn function_body_constructs() {
    for s in [
        "def f():\n    with (a as b, c):\n        pass\n    with (\n        open(x) as f,\n        open(y) as g,\n    ):\n        pass\n",
        "def f():\n    with (a, b) as c:\n        pass\n    with (a).b() as c, d:\n        pass\n    with (a):\n        pass\n",
        "async def f():\n    async with (a as b, c as (d, e)):\n        pass\n",
        "def f():\n    fields = field, *fields\n    x: tuple = a, *b.c()\n    x += a, *b\n    a, *b\n",
        "def f():\n    return a, *b.c(d)\n",
        "def g():\n    yield a, *b\n    x = yield *a, b\n",
        "def f():\n    g((*a, b), [(*c, d)], {(*e, f)}, **h)\n    return frozenset((*x, *y))\n",
        "type: str\nmatch: int = 1\nexec: str\nprint: str\n",
        "class A:\n    type: str\n    match: int\n",
        "def f():\n    exec(code, ns)\n    type(x)\n    match(a, b)\n    exec(compile(c, p, 'exec'), {k: v})\n",
        "exec(code, ns)\ntype(x)\nmatch(y)\n",
    ] {
        check_snippet(s, true);
    }
    for s in [
        // a type alias / match statement, or not valid
        "type(x)[0] = 1\n",
        "def f():\n    type(x)[0] = 1\n",
        "match(x).y = 1\n",
        "def f():\n    match (x):\n        case 1:\n            pass\n",
        "def f():\n    with (yield x):\n        pass\n",
        "def f():\n    with (a for a in b):\n        pass\n",
        "def f():\n    with ():\n        pass\n",
        "def f():\n    with (a, *b):\n        pass\n",
        "def f():\n    return *a\n",
        "def f():\n    x = *a\n",
        "def f():\n    g((*a))\n",
        "x = a, *b\n",
        "x = (*a, b)\n",
        "f((*a, b))\n",
        "a, *b\n",
        "x = yield a, *b\n",
    ] {
        check_snippet(s, false);
    }
}

#[test]
fn deep_nesting_does_not_overflow() {
    for n in [10, 40, 100, 1000, 5000] {
        let s = format!("x = {}1{}\n", "[".repeat(n), "]".repeat(n));
        check_snippet(&s, false);
        let s = format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n));
        check_snippet(&s, false);
        let s = format!("x = {}1\n", "-".repeat(n));
        check_snippet(&s, false);
        let s = format!("x = 1{}\n", " + 1".repeat(n));
        check_snippet(&s, false);
        let s = format!("x = a{}\n", ".b".repeat(n));
        check_snippet(&s, false);
        let mut s = String::new();
        for i in 0..n.min(300) {
            s.push_str(&" ".repeat(i));
            s.push_str("if x:\n");
        }
        s.push_str(&" ".repeat(n.min(300)));
        s.push_str("pass\n");
        check_snippet(&s, false);
    }
}

/// `id_len` (eight bytes at a time) agrees with a byte-by-byte scan: every byte value at every
/// position of a run of identifier characters, cut at every length.
#[test]
fn id_len_matches_bytewise_scan() {
    let bytewise = |b: &[u8]| {
        b.iter()
            .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
            .count()
    };
    for pos in 0..20 {
        for c in 0..=255u8 {
            let mut b = b"aZ_09azAZ_x9yQ_0b1c2".to_vec();
            b[pos] = c;
            for end in pos..=b.len() {
                assert_eq!(
                    super::id_len(&b[..end]),
                    bytewise(&b[..end]),
                    "{:?}",
                    &b[..end]
                );
            }
        }
    }
}

/// `str_scan` (eight bytes at a time) stops where a byte-by-byte scan with `str_special` does:
/// every byte value at every position, cut at every length, for both quotes, with and without
/// f-string braces.
#[test]
fn str_scan_matches_bytewise_scan() {
    for fmt in [false, true] {
        for qc in [b'"', b'\''] {
            let bytewise = |b: &[u8], p: usize| {
                p + b[p..]
                    .iter()
                    .take_while(|&&c| !super::str_special(c, qc, fmt))
                    .count()
            };
            for pos in 0..20 {
                for c in 0..=255u8 {
                    let mut b = b"ab cd ef gh ij kl mn".to_vec();
                    b[pos] = c;
                    for end in pos..=b.len() {
                        for start in [0, 1, pos].into_iter().filter(|&st| st <= end) {
                            assert_eq!(
                                super::str_scan(&b[..end], start, qc, fmt),
                                bytewise(&b[..end], start),
                                "{:?} from {start}",
                                &b[..end]
                            );
                        }
                    }
                }
            }
        }
    }
}

/// `KW_START` and the length limit that gate keyword lookups let every keyword through.
#[test]
fn keyword_gate_admits_all_keywords() {
    let all = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ];
    for k in all {
        assert!(super::keyword(k.as_bytes()).is_some(), "{k}");
        assert!(
            k.len() <= 8 && super::KW_START[usize::from(k.as_bytes()[0])],
            "{k}"
        );
    }
}

/// `Parser::plain_text` slices what `plain_value` does from every `PlainStr` token.
#[test]
fn plain_text_matches_plain_value() {
    let src = "a = ''\nb = \"\"\nc = 'x'\nd = \"\"\"\"\"\"\ne = '''abc'''\nf = \"ab\"\ng = \"abcdef\"\nh = ('a' 'b')\n";
    let toks = super::lex(src).expect("lexed");
    let p = super::Parser::new(src, toks.clone());
    let mut n = 0;
    for t in toks {
        if t.k == super::K::PlainStr {
            n += 1;
            assert_eq!(p.plain_text(t), super::plain_value(p.tok_text(t)));
        }
    }
    assert_eq!(n, 9);
}

/// NUL bytes anywhere make the fast path decline (the lexer checks every byte for them).
#[test]
fn nul_bytes_decline() {
    for s in [
        "x = 1\0\n",
        "x = 1  # a\0b\n",
        "# a\0\nx = 1\n",
        "x = 'a\0b'\n",
        "x = 'a\\\0b'\n",
        "x = r'a\\\0b'\n",
        "x = '''a\n\0b'''\n",
        "x = f'{a:\0}'\n",
        "x = f'{a\0}'\n",
        "x = [\n\0]\n",
        "x = 0x1\0\n",
        "x = 1.5\0\n",
        "x = a\0\n",
        "\0",
        "x = 1\n\0",
        "class A:\n    x = 1\n  \0\n",
        "x = \\\n\0\n",
    ] {
        assert!(parse(s).is_none(), "accepted {s:?}");
    }
}

/// Expressions around the depth limit that the fast path shares with `lower` (100 levels, two
/// per nested suite; a keyword value counts two): whether they are accepted follows from the
/// heights computed while parsing, which a test build also checks against a walk of the tree.
#[test]
fn depth_limit_boundaries() {
    type Shape = (&'static str, fn(usize) -> String);
    let shapes: [Shape; 7] = [
        ("kwargs", |n| {
            format!("{}1{}", "f(a=".repeat(n), ")".repeat(n))
        }),
        ("args", |n| format!("{}1{}", "f(".repeat(n), ")".repeat(n))),
        ("lists", |n| format!("{}1{}", "[".repeat(n), "]".repeat(n))),
        ("binops", |n| format!("1{}", " + 1".repeat(n))),
        ("attrs", |n| format!("f(){}", ".a".repeat(n))),
        ("calls", |n| format!("f{}", "()".repeat(n))),
        ("mixed", |n| {
            let mut s = String::new();
            for i in 0..n {
                s.push_str(["g(b=", "[", "-", "{1: "][i % 4]);
            }
            s.push_str("x.y[0] * 2");
            for i in (0..n).rev() {
                s.push_str([")", "]", "", "}"][i % 4]);
            }
            s
        }),
    ];
    for (name, shape) in shapes {
        for n in (5..=60).step_by(5) {
            let e = shape(n);
            for suites in [0, 3, 10, 25] {
                let mut src = String::new();
                for i in 0..suites {
                    src.push_str(&"    ".repeat(i));
                    src.push_str(if i % 2 == 0 { "class A:\n" } else { "if x:\n" });
                }
                let ind = "    ".repeat(suites);
                for stmt in [
                    format!("x = {e}\n"),
                    format!("{e}\n"),
                    format!("x: int = {e}\n"),
                    format!("x += {e}\n"),
                    format!("@{e}\ndef f():\n    pass\n"),
                    format!("class B({e}, k={e}):\n    pass\n"),
                    format!("if {e}:\n    pass\nelif {e}:\n    pass\n"),
                    format!("{e}, 1\n"),
                ] {
                    let mut s = src.clone();
                    for line in stmt.lines() {
                        s.push_str(&ind);
                        s.push_str(line);
                        s.push('\n');
                    }
                    if let Err(m) = compare(&s) {
                        panic!("{name} n={n} suites={suites}: mismatch for:\n{s}\n{m}");
                    }
                }
            }
        }
    }
}

#[test]
fn rejects_broken_input() {
    for s in [
        "class A(:\n    pass\n",
        "x = (1\n",
        "def f():\nreturn 1\n",
        "x = 1\n    y = 2\n",
        "if x:\n    a = 1\n  b = 2\n",
        "x = 'unterminated\n",
        "x = 1 +\n",
        "def f():\n    x = 1\n# c\n    y = 2\n",
    ] {
        match compare(s) {
            Ok(Some(ms)) => panic!("accepted broken input {s:?}: {ms:?}"),
            Ok(None) => {}
            Err(m) => panic!("mismatch for {s:?}: {m}"),
        }
    }
}

/// Deterministic mutations of corpus files: `Some` must still mean equal, and nothing panics.
#[test]
fn fuzz_mutations() {
    // FASTPARSE_FUZZ_LONG=1: every corpus file, site-packages included (run it with --release;
    // about 70,000 mutations).
    if std::env::var_os("FASTPARSE_FUZZ_LONG").is_some() {
        fuzz(&corpus(true), 4, 0x1234_5678_9ABC_DEF1);
        return;
    }
    let mut files = corpus(false);
    files.retain(|f| {
        !f.to_string_lossy().contains("migrations") || f.ends_with("0002_auto_20250101_0002.py")
    });
    files.truncate(400);
    fuzz(&files, 6, 0x9E37_79B9_7F4A_7C15);
}

fn fuzz(files: &[PathBuf], per_file: usize, seed: u64) {
    let mut seed = seed;
    let mut rnd = move |n: usize| -> usize {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % (n.max(1) as u64)) as usize
    };
    let inserts: &[&str] = &[
        "(", ")", "[", "]", "{", "}", ":", "\"", "'", "#", "\n", " ", "  ", "\t", "\\", "\\\n",
        ",", "=", "f", "r", "b", "\"\"\"", "x", "1", ".", "*", "@", "if ", "else", "\r\n", "    ",
        "é",
    ];
    let mut checked = 0;
    let mut accepted = 0;
    let mut failures = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        if text.len() > 40_000 {
            continue;
        }
        for _ in 0..per_file {
            let mut t = text.clone();
            for _ in 0..1 + rnd(3) {
                let mut pos = rnd(t.len() + 1);
                while !t.is_char_boundary(pos) {
                    pos -= 1;
                }
                match rnd(5) {
                    0 => {
                        let mut end = pos + 1;
                        while end <= t.len() && !t.is_char_boundary(end) {
                            end += 1;
                        }
                        if end <= t.len() {
                            t.replace_range(pos..end, "");
                        }
                    }
                    1 | 2 => t.insert_str(pos, inserts[rnd(inserts.len())]),
                    3 => {
                        // delete the line containing pos
                        let ls = t[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0);
                        let le = t[pos..].find('\n').map(|i| pos + i + 1).unwrap_or(t.len());
                        t.replace_range(ls..le, "");
                    }
                    _ => {
                        // duplicate the line containing pos
                        let ls = t[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0);
                        let le = t[pos..].find('\n').map(|i| pos + i + 1).unwrap_or(t.len());
                        let line = t[ls..le].to_string();
                        t.insert_str(ls, &line);
                    }
                }
            }
            checked += 1;
            match compare(&t) {
                Ok(Some(_)) => accepted += 1,
                Ok(None) => {}
                Err(m) => failures.push(format!("{} (mutated):\n{m}\n--- text:\n{t}", f.display())),
            }
        }
    }
    eprintln!("fuzz: {accepted}/{checked} mutated files accepted");
    if !failures.is_empty() {
        for m in &failures {
            let head: Vec<_> = m.lines().take(2).collect();
            eprintln!("MISMATCH {}", head.join(" | "));
        }
        for m in failures.iter().take(3) {
            eprintln!("{}", &m[..m.len().min(6000)]);
        }
        panic!("{} mismatches", failures.len());
    }
}

/// `FASTPARSE_DEBUG=<path part>`: where the fast path gives up on each matching corpus file.
#[test]
fn print_decline_points() {
    let Some(filter) = std::env::var_os("FASTPARSE_DEBUG") else {
        return;
    };
    let filter = filter.to_string_lossy().to_string();
    for f in corpus(true) {
        let p = f.to_string_lossy();
        if !p.contains(&filter) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        if let Some(r) = super::decline_point(&text) {
            eprintln!("{p}: {r}");
        }
    }
}

/// `FASTPARSE_TIME=1`: time the must-accept contrib modules (dj61) on both paths (a measurement,
/// not an assertion).
#[test]
fn time_must_accept_modules() {
    if std::env::var_os("FASTPARSE_TIME").is_none() {
        return;
    }
    let texts: Vec<String> = corpus(true)
        .iter()
        .filter(|f| {
            let p = f.to_string_lossy();
            p.contains("dj61/")
                && MUST_ACCEPT
                    .iter()
                    .any(|m| p.ends_with(&format!("site-packages/{m}")))
        })
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let rounds = 20;
    let mut fast = Vec::new();
    let mut slow = Vec::new();
    for _ in 0..rounds {
        let t = std::time::Instant::now();
        let n = texts.iter().filter(|s| parse(s).is_some()).count();
        fast.push((t.elapsed(), n));
        let t = std::time::Instant::now();
        for s in &texts {
            std::hint::black_box(syntax_via_tree_sitter(s));
        }
        slow.push(t.elapsed());
    }
    fast.sort();
    slow.sort();
    eprintln!(
        "{} files, {bytes} bytes: fast path median {:?} ({} accepted); tree-sitter + lower median {:?}",
        texts.len(),
        fast[rounds / 2].0,
        fast[rounds / 2].1,
        slow[rounds / 2]
    );
}
