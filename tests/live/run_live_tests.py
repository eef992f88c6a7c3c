#!/usr/bin/env python3
"""Live-database tests of `djsa check --database-url` against real servers.

For each backend and each Django (6.1 and 5.2 LTS) (PostgreSQL on 127.0.0.1:5432, MariaDB/MySQL on 127.0.0.1:3306, SQLite files):
create a fresh database with a unique name, run real Django 6.1 `migrate` for
tests/live_fixtures/shop (venvs target/venvs/live and live52, made by scripts/setup-live-venv.sh), check
that djsa reports no drift, then alter the database with SQL (drop a column, change a type, drop
an index, add NOT NULL, drop a UNIQUE, add a column, fake an applied migration, forget an applied
one) and check the exact diagnostics. Then bad input: malformed URLs, unknown schemes, a wrong
port, a server that accepts and stalls, bad credentials, a missing database, missing privileges:
a clear one-line error within the timeout, exit code 2, never the password.

Stdlib only; SQL runs through the live venv's drivers (psycopg, PyMySQL). A server that is down
is skipped with a note, except under CI (CI set), where that is a failure.
Last line: `N passed, M failed`.
"""

import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DJSA = REPO / "target" / "debug" / "djsa"
VENV_DIR = Path(os.environ.get("DJSA_VENV_DIR", REPO / "target" / "venvs"))
VENV_PY = VENV_DIR / "live" / "bin" / "python"
# Real Django versions that run `migrate` (scripts/setup-live-venv.sh makes both venvs).
DJANGOS = [("6.1", VENV_DIR / "live" / "bin" / "python"), ("5.2", VENV_DIR / "live52" / "bin" / "python")]
FIXTURE = REPO / "tests" / "live_fixtures" / "shop"
CI = bool(os.environ.get("CI"))
SECRET = "hunter22secret"

passed = 0
failed = 0


def report(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok    {name}")
    else:
        failed += 1
        print(f"FAIL  {name}")
        for line in str(detail).splitlines():
            print(f"      {line}")


def run_djsa(url, *extra, env=None, timeout=120):
    cmd = [str(DJSA), "check", str(FIXTURE), "--python", "none", "--output-format", "json"]
    if url is not None:
        cmd += ["--database-url", url]
    cmd += list(extra)
    e = dict(os.environ)
    e.pop("DJSA_DATABASE_URL", None)
    e.update(env or {})
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t


def diagnostics(stdout):
    out = []
    for d in json.loads(stdout)["diagnostics"]:
        out.append((d["code"], d["severity"], d["file"], d["message"]))
    return sorted(out)


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


# --- SQL through the live venv's drivers -------------------------------------------------------

DRIVER = r"""
import json, sys
backend, conn_args, statements = json.loads(sys.argv[1])
if backend == "postgresql":
    import psycopg
    c = psycopg.connect(**conn_args, autocommit=True)
else:
    import pymysql
    c = pymysql.connect(**conn_args, autocommit=True)
rows = []
with c.cursor() as cur:
    for s in statements:
        cur.execute(s)
        if cur.description:
            rows.append([list(map(str, r)) for r in cur.fetchall()])
print(json.dumps(rows))
"""


def sql(backend, conn_args, statements):
    p = subprocess.run(
        [str(VENV_PY), "-c", DRIVER, json.dumps([backend, conn_args, statements])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if p.returncode != 0:
        raise RuntimeError(f"SQL failed on {backend}: {statements}\n{p.stderr[-2000:]}")
    return json.loads(p.stdout)


def pg_admin_user():
    for user in ("postgres", "root"):
        try:
            sql("postgresql", {"host": "127.0.0.1", "port": 5432, "user": user, "dbname": "test"}, ["SELECT 1"])
            return user
        except RuntimeError:
            continue
    return None


def migrate(env, python):
    e = dict(os.environ)
    e.update(env)
    e["PYTHONDONTWRITEBYTECODE"] = "1"
    p = subprocess.run([str(python), "manage.py", "migrate", "-v", "0"], cwd=FIXTURE, capture_output=True, text=True, env=e, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")


# --- The drift scenario --------------------------------------------------------------------------

MODELS = "shop/models.py"


def expected_drift(backend):
    born = {"postgresql": "timestamp without time zone", "mysql": "datetime", "sqlite": "TEXT"}[backend]
    nick = {"postgresql": "character varying(20)", "mysql": "varchar(20)", "sqlite": "varchar(20)"}[backend]
    want = [
        ("DJSA302", "error", MODELS, "Column 'pages' of table 'shop_book' does not exist in the database."),
        ("DJSA304", "error", MODELS, f"Column 'shop_author.born' has type {born} in the database; the model field implies date."),
        ("DJSA307", "warning", MODELS, "No index on 'shop_book' (published) in the database; the model declares one."),
        ("DJSA305", "error", MODELS, "Column 'shop_book.price' is NOT NULL in the database; the model field has null=True."),
        ("DJSA303", "info", MODELS, f"Column 'shop_author.nickname' ({nick}) exists in the database but not on the model."),
        ("DJSA310", "warning", "shop/migrations/__init__.py", "Migration shop.0099_phantom is recorded as applied in django_migrations but has no file in the project."),
        ("DJSA309", "warning", "shop/migrations/0002_author_email.py", "Migration shop.0002_author_email is not applied to the database."),
    ]
    email = {"postgresql": "character varying(254)", "mysql": "varchar(254)", "sqlite": "varchar(254)"}[backend]
    # 0002 is not recorded as applied, but its column is there: `migrate` would fail on it.
    want.append(("DJSA313", "warning", "shop/migrations/0002_author_email.py", f"Column 'shop_author.email' ({email}) exists in the database but not in the applied migrations."))
    want.append(("DJSA301", "error", MODELS, "Table 'shop_book_tags' does not exist in the database."))
    # Defaults, comments and check constraints (Coupon).
    old = {"postgresql": "'OLD'::character varying", "mysql": "'OLD'", "sqlite": "'OLD'"}[backend]
    want.append(("DJSA317", "warning", MODELS, f"Column 'shop_coupon.code' has default {old} in the database; the model field has db_default=\"NEW\"."))
    want.append(("DJSA317", "warning", MODELS, "Column 'shop_coupon.uses' has no default in the database; the model field has db_default=0."))
    want.append(("DJSA319", "warning", MODELS, "No CHECK constraint 'coupon_uses_gte_0' on 'shop_coupon' in the database; the model declares it."))
    if backend != "sqlite":
        want.append(("DJSA318", "info", MODELS, "Column 'shop_coupon.code' has no comment in the database; the model field has db_comment=\"coupon code\"."))
        want.append(("DJSA318", "info", MODELS, "Table 'shop_coupon' has the comment \"coupons\" in the database; the model has db_table_comment=\"discount coupons\"."))
    if backend != "sqlite":
        # SQLite cannot drop the index behind a UNIQUE column constraint, nor a foreign key.
        want.append(("DJSA306", "warning", MODELS, "No UNIQUE constraint on 'shop_author' (name) in the database; the model declares one."))
        want.append(("DJSA308", "warning", MODELS, "Column 'shop_ebook.book_ptr_id' has no FOREIGN KEY constraint in the database; the model expects one to 'shop_book'.'id'."))
    return sorted(want)


def alterations(backend):
    now = {"postgresql": "now()", "mysql": "NOW(6)", "sqlite": "CURRENT_TIMESTAMP"}[backend]
    common_tail = [
        "DROP TABLE shop_book_tags",
        f"INSERT INTO django_migrations (app, name, applied) VALUES ('shop', '0099_phantom', {now})",
        "DELETE FROM django_migrations WHERE app = 'shop' AND name = '0002_author_email'",
    ]
    if backend == "postgresql":
        return [
            "ALTER TABLE shop_book DROP COLUMN pages",
            "ALTER TABLE shop_author ALTER COLUMN born TYPE timestamp",
            "DROP INDEX book_published_idx",
            "UPDATE shop_book SET price = 0 WHERE price IS NULL",
            "ALTER TABLE shop_book ALTER COLUMN price SET NOT NULL",
            "ALTER TABLE shop_author DROP CONSTRAINT shop_author_name_key",
            "ALTER TABLE shop_author ADD COLUMN nickname varchar(20) NULL",
            "ALTER TABLE shop_coupon ALTER COLUMN code SET DEFAULT 'OLD'",
            "ALTER TABLE shop_coupon ALTER COLUMN uses DROP DEFAULT",
            "COMMENT ON COLUMN shop_coupon.code IS NULL",
            "COMMENT ON TABLE shop_coupon IS 'coupons'",
            "ALTER TABLE shop_coupon DROP CONSTRAINT coupon_uses_gte_0",
        ] + common_tail
    if backend == "mysql":
        return [
            "ALTER TABLE shop_book DROP COLUMN pages",
            "ALTER TABLE shop_author MODIFY born datetime NULL",
            "DROP INDEX book_published_idx ON shop_book",
            "ALTER TABLE shop_book MODIFY price numeric(8, 2) NOT NULL",
            "ALTER TABLE shop_author DROP INDEX name",
            "ALTER TABLE shop_author ADD COLUMN nickname varchar(20) NULL",
            "ALTER TABLE shop_coupon MODIFY code varchar(20) NOT NULL DEFAULT 'OLD'",
            "ALTER TABLE shop_coupon ALTER uses DROP DEFAULT",
            "ALTER TABLE shop_coupon COMMENT = 'coupons'",
            "ALTER TABLE shop_coupon DROP CONSTRAINT coupon_uses_gte_0",
        ] + common_tail
    return [
        "ALTER TABLE shop_book DROP COLUMN pages",
        "ALTER TABLE shop_author DROP COLUMN born",
        "ALTER TABLE shop_author ADD COLUMN born text NULL",
        "DROP INDEX book_published_idx",
        "ALTER TABLE shop_book DROP COLUMN price",
        "ALTER TABLE shop_book ADD COLUMN price decimal NOT NULL DEFAULT 0",
        "ALTER TABLE shop_author ADD COLUMN nickname varchar(20) NULL",
        # SQLite cannot alter defaults or drop a constraint: the table is made again without them.
        "DROP TABLE shop_coupon",
        'CREATE TABLE "shop_coupon" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "code" varchar(20) DEFAULT \'OLD\' NOT NULL, "uses" integer NOT NULL, "active" bool DEFAULT 1 NOT NULL, "created" datetime DEFAULT (CURRENT_TIMESTAMP) NOT NULL)',
    ] + common_tail


def scenario(backend, url, env, apply_sql, shown_url, django, python):
    tag = f"[{backend}, Django {django}]"
    migrate(env, python)
    rc, out, err, _ = run_djsa(url, "-v")
    ok = rc == 0 and json.loads(out)["diagnostics"] == []
    report(f"{tag} no drift right after `migrate`", ok, f"rc={rc}\n{out}\n{err}")
    report(f"{tag} --verbose shows the redacted URL, never the password", shown_url in err and SECRET not in err + out, err)
    stmts = alterations(backend)
    # Foreign key constraint names carry a hash: look the one on shop_ebook.book_ptr_id up.
    if backend == "postgresql":
        rows = apply_sql(["SELECT conname FROM pg_constraint WHERE conrelid = 'shop_ebook'::regclass AND contype = 'f'"])
        stmts += [f'ALTER TABLE shop_ebook DROP CONSTRAINT "{rows[0][0][0]}"']
    elif backend == "mysql":
        rows = apply_sql(["SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'shop_ebook'"])
        stmts += [f"ALTER TABLE shop_ebook DROP FOREIGN KEY `{rows[0][0][0]}`"]
    apply_sql(stmts)
    rc, out, err, _ = run_djsa(url)
    try:
        got = diagnostics(out)
    except (ValueError, KeyError):
        got = None
    want = expected_drift(backend)
    detail = f"rc={rc}\nstderr: {err}\n" + "\n".join(
        [f"missing:    {w}" for w in want if got is None or w not in got] + [f"unexpected: {g}" for g in (got or []) if g not in want]
    )
    report(f"{tag} exact diagnostics for each change ({len(want)})", rc == 1 and got == want, detail)
    migration_state_step(backend, apply_sql, url, tag, want)


def migration_state_step(backend, apply_sql, url, tag, before):
    """The migration state against the database: 0002 fake-applied (recorded, its column gone),
    and a model that no longer has `pages` (no migration yet) while the database already lost the
    column: models and database agree there, the applied migrations do not."""
    now = {"postgresql": "now()", "mysql": "NOW(6)", "sqlite": "CURRENT_TIMESTAMP"}[backend]
    apply_sql([
        f"INSERT INTO django_migrations (app, name, applied) VALUES ('shop', '0002_author_email', {now})",
        "ALTER TABLE shop_author DROP COLUMN email",
    ])
    with tempfile.TemporaryDirectory(prefix="djsa_live_copy_") as d:
        root = Path(d) / "shop"
        shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
        models = root / "shop" / "models.py"
        text = models.read_text()
        models.write_text(text.replace("    pages = models.PositiveIntegerField(default=0)\n", ""))
        cmd = [str(DJSA), "check", str(root), "--python", "none", "--output-format", "json", "--database-url", url]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        try:
            diags = json.loads(p.stdout)["diagnostics"]
            got = sorted((d["code"], d["severity"], d["file"], d["message"]) for d in diags if d["code"].startswith("DJSA3"))
            hints = {(d["code"], d["message"]): d.get("hint") for d in diags}
        except (ValueError, KeyError):
            got, hints = None, {}
    gone = {"DJSA309", "DJSA313"}
    want = [w for w in before if w[0] not in gone and "'pages'" not in w[3]]
    email_missing = ("DJSA302", "error", MODELS, "Column 'email' of table 'shop_author' does not exist in the database.")
    want += [
        email_missing,
        ("DJSA312", "error", "shop/migrations/0001_initial.py", "Column 'pages' of table 'shop_book' does not exist in the database; the applied migrations add it."),
    ]
    want = sorted(want)
    hint = hints.get((email_missing[0], email_missing[3])) or ""
    detail = f"rc={p.returncode}\nstderr: {p.stderr}\nhint: {hint}\n" + "\n".join(
        [f"missing:    {w}" for w in want if got is None or w not in got] + [f"unexpected: {g}" for g in (got or []) if g not in want]
    )
    ok = got == want and "Migration shop.0002_author_email is recorded as applied" in hint
    report(f"{tag} migration state: a fake-applied migration, and migrations that disagree with models and database ({len(want)})", ok, detail)


def contrib_no_drift(tag, url, env, python):
    """django.contrib apps (auth, contenttypes, sessions) indexed from the venv: their migrations
    are replayed too, and `migrate` leaves no drift (auth's many-to-many tables get
    DEFAULT_AUTO_FIELD, not AuthConfig's AutoField)."""
    with tempfile.TemporaryDirectory(prefix="djsa_live_contrib_") as d:
        root = Path(d) / "shop"
        shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
        settings = root / "mysite" / "settings.py"
        text = settings.read_text()
        settings.write_text(text.replace(
            'INSTALLED_APPS = ["shop"]',
            'INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions", "shop"]',
        ))
        e = dict(os.environ)
        e.update(env)
        e["PYTHONDONTWRITEBYTECODE"] = "1"
        p = subprocess.run([str(python), "manage.py", "migrate", "-v", "0"], cwd=root, capture_output=True, text=True, env=e, timeout=300)
        if p.returncode != 0:
            report(f"{tag} contrib apps: migrate", False, p.stderr[-3000:])
            return
        e.pop("DJSA_DATABASE_URL", None)
        cmd = [str(DJSA), "check", str(root), "--python", str(python), "--output-format", "json", "--database-url", url]
        p = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=120)
        try:
            diags = json.loads(p.stdout)["diagnostics"]
        except (ValueError, KeyError):
            diags = None
        report(f"{tag} contrib apps (auth, contenttypes, sessions) from the venv: no drift right after `migrate`", p.returncode == 0 and diags == [], f"rc={p.returncode}\n{p.stdout[:3000]}\n{p.stderr[-2000:]}")


def case_postgres():
    if not port_open(5432):
        report("[postgresql] server on 127.0.0.1:5432", not CI, "PostgreSQL is down (CI requires it)")
        return
    user = pg_admin_user()
    if user is None:
        report("[postgresql] admin connection (user postgres or root, database test)", False)
        return
    admin = {"host": "127.0.0.1", "port": 5432, "user": user, "dbname": "test"}
    for django, python in DJANGOS:
        name = f"djsa_live_{secrets.token_hex(4)}"
        sql("postgresql", admin, [f"CREATE DATABASE {name}"])
        try:
            env = {"DJSA_LIVE_ENGINE": "django.db.backends.postgresql", "DJSA_LIVE_NAME": name, "DJSA_LIVE_USER": user, "DJSA_LIVE_HOST": "127.0.0.1", "DJSA_LIVE_PORT": "5432"}
            # Trust auth ignores the password: it is there to prove it is never printed.
            url = f"postgres://{user}:{SECRET}@127.0.0.1:5432/{name}?sslmode=disable"
            db = dict(admin, dbname=name)
            scenario("postgresql", url, env, lambda stmts: sql("postgresql", db, stmts), f"postgres://{user}:***@127.0.0.1:5432/{name}", django, python)
        finally:
            sql("postgresql", admin, [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
    name = f"djsa_live_{secrets.token_hex(4)}"
    sql("postgresql", admin, [f"CREATE DATABASE {name}"])
    try:
        env = {"DJSA_LIVE_ENGINE": "django.db.backends.postgresql", "DJSA_LIVE_NAME": name, "DJSA_LIVE_USER": user, "DJSA_LIVE_HOST": "127.0.0.1", "DJSA_LIVE_PORT": "5432"}
        contrib_no_drift("[postgresql, Django 6.1]", f"postgres://{user}@127.0.0.1:5432/{name}?sslmode=disable", env, DJANGOS[0][1])
    finally:
        sql("postgresql", admin, [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
    bad_input("postgresql", [
        (f"postgres://{user}:{SECRET}@127.0.0.1:5432/djsa_no_such_db_{secrets.token_hex(3)}", "database does not exist"),
        (f"postgres://djsa_no_such_role:{SECRET}@127.0.0.1:5432/test?sslmode=disable", "authentication failed"),
    ])


def case_mysql():
    if not port_open(3306):
        report("[mysql] server on 127.0.0.1:3306", not CI, "MariaDB/MySQL is down (CI requires it)")
        return
    admin = {"host": "127.0.0.1", "port": 3306, "user": "root", "database": "test"}
    noperm = f"djsa_np_{secrets.token_hex(3)}"
    sql("mysql", admin, [f"CREATE USER '{noperm}'@'%' IDENTIFIED BY '{SECRET}'", f"CREATE USER '{noperm}'@'localhost' IDENTIFIED BY '{SECRET}'"])
    try:
        for django, python in DJANGOS:
            name = f"djsa_live_{secrets.token_hex(4)}"
            sql("mysql", admin, [f"CREATE DATABASE {name}"])
            try:
                env = {"DJSA_LIVE_ENGINE": "django.db.backends.mysql", "DJSA_LIVE_NAME": name, "DJSA_LIVE_USER": "root", "DJSA_LIVE_HOST": "127.0.0.1", "DJSA_LIVE_PORT": "3306"}
                url = f"mariadb://root@127.0.0.1:3306/{name}?ssl-mode=disabled"
                db = dict(admin, database=name)
                scenario("mysql", url, env, lambda stmts: sql("mysql", db, stmts), f"mariadb://root@127.0.0.1:3306/{name}", django, python)
            finally:
                sql("mysql", admin, [f"DROP DATABASE IF EXISTS {name}"])
        name = f"djsa_live_{secrets.token_hex(4)}"
        sql("mysql", admin, [f"CREATE DATABASE {name}"])
        try:
            env = {"DJSA_LIVE_ENGINE": "django.db.backends.mysql", "DJSA_LIVE_NAME": name, "DJSA_LIVE_USER": "root", "DJSA_LIVE_HOST": "127.0.0.1", "DJSA_LIVE_PORT": "3306"}
            contrib_no_drift("[mysql, Django 6.1]", f"mariadb://root@127.0.0.1:3306/{name}?ssl-mode=disabled", env, DJANGOS[0][1])
        finally:
            sql("mysql", admin, [f"DROP DATABASE IF EXISTS {name}"])
        bad_input("mysql", [
            (f"mysql://root:{SECRET}@127.0.0.1:3306/test?ssl-mode=disabled", "authentication failed"),
            (f"mysql://root@127.0.0.1:3306/djsa_no_such_db_{secrets.token_hex(3)}?ssl-mode=disabled", "database does not exist"),
            (f"mysql://{noperm}:{SECRET}@127.0.0.1:3306/test?ssl-mode=disabled", "missing database or missing privileges"),
        ])
    finally:
        sql("mysql", admin, [f"DROP USER IF EXISTS '{noperm}'@'%'", f"DROP USER IF EXISTS '{noperm}'@'localhost'"])


def case_sqlite():
    for django, python in DJANGOS:
        with tempfile.TemporaryDirectory(prefix="djsa_live_") as d:
            path = Path(d) / "app.sqlite3"
            env = {"DJSA_LIVE_ENGINE": "django.db.backends.sqlite3", "DJSA_LIVE_NAME": str(path)}

            def apply(stmts):
                c = sqlite3.connect(path)
                try:
                    for s in stmts:
                        c.execute(s)
                    c.commit()
                finally:
                    c.close()

            url = f"sqlite://{path}"
            scenario("sqlite", url, env, apply, url, django, python)
            if django != DJANGOS[0][0]:
                continue
            contrib_path = Path(d) / "contrib.sqlite3"
            contrib_no_drift("[sqlite, Django 6.1]", f"sqlite://{contrib_path}", {"DJSA_LIVE_ENGINE": "django.db.backends.sqlite3", "DJSA_LIVE_NAME": str(contrib_path)}, python)
            # The URL may also come from DJSA_DATABASE_URL.
            rc, out, err, _ = run_djsa(None, env={"DJSA_DATABASE_URL": url})
            _, by_flag, _, _ = run_djsa(url)
            same = json.loads(out)["diagnostics"] == json.loads(by_flag)["diagnostics"]
            report("[sqlite] DJSA_DATABASE_URL is read like --database-url", rc == 1 and same and any(d["code"].startswith("DJSA3") for d in json.loads(out)["diagnostics"]), f"rc={rc}\n{err}")
            before = path.stat().st_mtime_ns, sorted(os.listdir(d))
            run_djsa(url)
            report("[sqlite] djsa leaves the database file and its directory untouched", (path.stat().st_mtime_ns, sorted(os.listdir(d))) == before, before)
            bad_input("sqlite", [(f"sqlite://{Path(d) / 'missing.sqlite3'}", "does not exist")])
            report("[sqlite] a missing SQLite file is never created", not (Path(d) / "missing.sqlite3").exists())


def bad_input(tag, cases, env=None, max_seconds=30):
    for url, want in cases:
        rc, out, err, secs = run_djsa(url, env=env)
        lines = [line for line in err.strip().splitlines() if line.strip()]
        ok = (
            rc == 2
            and len(lines) == 1
            and lines[0].startswith("djsa: error:")
            and want in lines[0]
            and SECRET not in out + err
            and "panicked" not in err
            and secs < max_seconds
        )
        shown = url.replace(SECRET, "***")
        report(f"[{tag}] {shown} -> exit 2, one line with {want!r}, no password ({secs:.1f}s)", ok, f"rc={rc}\nstderr: {err}\nstdout: {out[:500]}")


def case_bad_urls():
    bad_input("url", [
        (f"postgres://u:{SECRET}@127.0.0.1:notaport/db", "invalid port"),
        (f"oracle://u:{SECRET}@127.0.0.1/db", "unknown database URL scheme"),
        (f"u:{SECRET}@127.0.0.1/db", "unknown database URL scheme"),
        ("just-garbage", "malformed database URL"),
        (f"postgres://u:{SECRET}@127.0.0.1:5432", "no database name"),
        (f"sqlite:///tmp/x.sqlite3?immutable=1", "immutable"),
    ])
    # A port nobody listens on.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    free = s.getsockname()[1]
    s.close()
    bad_input("port", [
        (f"postgres://u:{SECRET}@127.0.0.1:{free}/db", "connection refused"),
        (f"mysql://u:{SECRET}@127.0.0.1:{free}/db", "connection refused"),
    ])
    # A server that accepts and never answers.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    port = srv.getsockname()[1]
    held = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                held.append(conn)
            except OSError:
                continue

    th = threading.Thread(target=accept, daemon=True)
    th.start()
    try:
        bad_input(
            "stall",
            [
                (f"postgres://u:{SECRET}@127.0.0.1:{port}/db", "timed out after 2s"),
                (f"mysql://u:{SECRET}@127.0.0.1:{port}/db", "timed out after 2s"),
            ],
            env={"DJSA_CONNECT_TIMEOUT": "2"},
            max_seconds=8,
        )
    finally:
        stop.set()
        th.join()
        for c in held:
            c.close()
        srv.close()


def main():
    if not DJSA.exists():
        print(f"missing {DJSA}: run `cargo build -p djsa` first")
        print("0 passed, 1 failed")
        return 1
    setup = subprocess.run(["bash", str(REPO / "scripts" / "setup-live-venv.sh")], capture_output=True, text=True)
    if setup.returncode != 0:
        print(setup.stdout, setup.stderr)
        print("0 passed, 1 failed")
        return 1
    for case in (case_bad_urls, case_sqlite, case_postgres, case_mysql):
        try:
            case()
        except Exception as e:  # a broken case is a failure, not a crash of the suite
            report(case.__name__, False, repr(e))
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
