#!/usr/bin/env python3
"""Live-database tests of `djsa check --database-url` for SQLAlchemy tables and Alembic.

For each backend (SQLite files, PostgreSQL on 127.0.0.1:5432, MariaDB/MySQL on 127.0.0.1:3306),
with real SQLAlchemy 2.1 and Alembic 1.20 (venv target/venvs/live, made by
scripts/setup-live-venv.sh) on tests/live_fixtures/sa:
- `metadata.create_all()` + `alembic stamp head`: no drift (this verifies djsa's per-dialect type
  table against what SQLAlchemy really creates); then SQL changes (drop a column, change a type,
  add NOT NULL, drop an index, add a column, a comment, the ON DELETE rule) and their exact
  diagnostics (DJSA321-DJSA327);
- `alembic upgrade head`: no drift; `alembic stamp a1` (behind head), an unknown revision, no
  alembic_version table: exact diagnostics (DJSA331-DJSA333).

Only DJSA3xx diagnostics are compared (the live-database family). A server that is down is
skipped with a note, except under CI (CI set). Last line: `N passed, M failed`.
"""

import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_live_tests as base  # noqa: E402

REPO = base.REPO
FIXTURE = REPO / "tests" / "live_fixtures" / "sa"
PY = base.VENV_PY
DB_PY = "app/db.py"


def djsa(url):
    cmd = [str(base.DJSA), "check", str(FIXTURE), "--python", "none", "--output-format", "json", "--database-url", url]
    e = dict(os.environ)
    e.pop("DJSA_DATABASE_URL", None)
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=120)
    try:
        got = sorted(
            (d["code"], d["severity"], d["file"], d["message"])
            for d in json.loads(p.stdout)["diagnostics"]
            if d["code"].startswith("DJSA3")
        )
    except (ValueError, KeyError):
        got = None
    return p.returncode, got, p.stderr


def python(args, sa_url):
    e = dict(os.environ)
    e["DJSA_LIVE_SA_URL"] = sa_url
    e["PYTHONDONTWRITEBYTECODE"] = "1"
    p = subprocess.run([str(PY), *args], cwd=FIXTURE, capture_output=True, text=True, env=e, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")


CREATE_ALL = "import sys, os, sqlalchemy as sa; sys.path.insert(0, '.'); from app.db import Base; Base.metadata.create_all(sa.create_engine(os.environ['DJSA_LIVE_SA_URL']))"


def alembic(sa_url, *args):
    python(["-m", "alembic", *args], sa_url)


def check(tag, what, url, want):
    rc, got, err = djsa(url)
    want = sorted(want)
    detail = f"rc={rc}\nstderr: {err}\n" + "\n".join(
        [f"missing:    {w}" for w in want if got is None or w not in got] + [f"unexpected: {g}" for g in (got or []) if g not in want]
    )
    base.report(f"{tag} {what} ({len(want)})", got == want and rc in (0, 1) and (rc == 1) == bool(want), detail)


def sqla_changes(backend):
    """SQL changes, and the diagnostics each one gives."""
    name_type = {"postgresql": "character varying(80)", "mysql": "varchar(80)", "sqlite": "varchar(80)"}[backend]
    name_implied = "varchar(50)"
    nick = {"postgresql": "character varying(20)", "mysql": "varchar(20)", "sqlite": "varchar(20)"}[backend]
    want = [
        ("DJSA322", "error", DB_PY, "Column 'bio' of table 'sa_account' does not exist in the database; the SQLAlchemy table declares it."),
        ("DJSA324", "error", DB_PY, f"Column 'sa_account.name' has type {name_type} in the database; the SQLAlchemy column implies {name_implied}."),
        ("DJSA325", "error", DB_PY, "Column 'sa_account.score' is NOT NULL in the database; the SQLAlchemy column is nullable."),
        ("DJSA326", "warning", DB_PY, "No index on 'sa_event' (at) in the database; the SQLAlchemy table declares one."),
        ("DJSA323", "info", DB_PY, f"Column 'sa_account.nickname' ({nick}) exists in the database but not in the SQLAlchemy table."),
    ]
    if backend == "postgresql":
        stmts = [
            "ALTER TABLE sa_account DROP COLUMN bio",
            "ALTER TABLE sa_account ALTER COLUMN name TYPE varchar(80)",
            "UPDATE sa_account SET score = 0 WHERE score IS NULL",
            "ALTER TABLE sa_account ALTER COLUMN score SET NOT NULL",
            "DROP INDEX ix_event_at",
            "ALTER TABLE sa_account ADD COLUMN nickname varchar(20) NULL",
            "COMMENT ON COLUMN sa_account.name IS 'shown name'",
            "ALTER TABLE sa_event DROP CONSTRAINT sa_event_account_id_fkey",
            "ALTER TABLE sa_event ADD CONSTRAINT sa_event_account_id_fkey FOREIGN KEY (account_id) REFERENCES sa_account (id)",
        ]
        want += [
            ("DJSA327", "info", DB_PY, "Column 'sa_account.name' has the comment \"shown name\" in the database; the SQLAlchemy column's comment is \"display name\"."),
            ("DJSA326", "warning", DB_PY, "Foreign key 'sa_event_account_id_fkey' on 'sa_event.account_id' has ON DELETE NO ACTION in the database; the SQLAlchemy table declares ondelete=\"CASCADE\"."),
        ]
    elif backend == "mysql":
        stmts = [
            "ALTER TABLE sa_account DROP COLUMN bio",
            "ALTER TABLE sa_account MODIFY name varchar(80) NOT NULL COMMENT 'display name'",
            "ALTER TABLE sa_account MODIFY score float NOT NULL",
            "DROP INDEX ix_event_at ON sa_event",
            "ALTER TABLE sa_account ADD COLUMN nickname varchar(20) NULL",
            "ALTER TABLE sa_account COMMENT = 'accounts'",
        ]
        want += [
            ("DJSA327", "info", DB_PY, "Table 'sa_account' has the comment \"accounts\" in the database; the SQLAlchemy table's comment is \"customer accounts\"."),
        ]
    else:
        stmts = [
            "ALTER TABLE sa_account DROP COLUMN bio",
            "ALTER TABLE sa_account DROP COLUMN name",
            "ALTER TABLE sa_account ADD COLUMN name varchar(80) NOT NULL DEFAULT ''",
            "ALTER TABLE sa_account DROP COLUMN score",
            "ALTER TABLE sa_account ADD COLUMN score FLOAT NOT NULL DEFAULT 0",
            "DROP INDEX ix_event_at",
            "ALTER TABLE sa_account ADD COLUMN nickname varchar(20) NULL",
        ]
    return stmts, want


def alembic_cases(tag, url, sa_url, apply_sql):
    alembic(sa_url, "upgrade", "head")
    check(tag, "no drift right after `alembic upgrade head`", url, [])
    alembic(sa_url, "stamp", "a1")
    check(tag, "`alembic stamp a1`: the head revision is not applied", url, [
        ("DJSA332", "warning", "migrations/versions/b2_events.py", "Alembic revision 'b2' is not applied to the database (alembic_version is at a1)."),
    ])
    apply_sql(["UPDATE alembic_version SET version_num = 'f00dcafe'"])
    check(tag, "alembic_version at a revision that is not in the scripts", url, [
        ("DJSA331", "error", "migrations/env.py", "The database is at Alembic revision 'f00dcafe', which is not in the revision scripts."),
    ])
    apply_sql(["DROP TABLE alembic_version"])
    check(tag, "tables of the environment but no alembic_version table", url, [
        ("DJSA333", "warning", "migrations/versions/b2_events.py", "The database has no alembic_version table, but it has tables of this Alembic environment (sa_account, sa_event)."),
    ])


def scenario(backend, new_db, drop_db):
    tag = f"[{backend}]"
    url, sa_url, apply_sql = new_db()
    try:
        python(["-c", CREATE_ALL], sa_url)
        alembic(sa_url, "stamp", "head")
        check(tag, "no drift right after `create_all` + `alembic stamp head`", url, [])
        stmts, want = sqla_changes(backend)
        apply_sql(stmts)
        check(tag, "exact diagnostics for each change of the SQLAlchemy tables", url, want)
    finally:
        drop_db()
    url, sa_url, apply_sql = new_db()
    try:
        alembic_cases(tag, url, sa_url, apply_sql)
    finally:
        drop_db()


def case_sqlite():
    d = tempfile.mkdtemp(prefix="djsa_live_sa_")
    state = {}

    def new_db():
        path = Path(d) / f"sa_{secrets.token_hex(3)}.sqlite3"
        state["path"] = path

        def apply(stmts):
            c = sqlite3.connect(path)
            try:
                for s in stmts:
                    c.execute(s)
                c.commit()
            finally:
                c.close()

        return f"sqlite://{path}", f"sqlite:///{path}", apply

    def drop():
        state["path"].unlink(missing_ok=True)

    scenario("sqlite", new_db, drop)


def case_postgres():
    if not base.port_open(5432):
        base.report("[postgresql] server on 127.0.0.1:5432", not base.CI, "PostgreSQL is down (CI requires it)")
        return
    user = base.pg_admin_user()
    if user is None:
        base.report("[postgresql] admin connection (user postgres or root, database test)", False)
        return
    admin = {"host": "127.0.0.1", "port": 5432, "user": user, "dbname": "test"}
    state = {}

    def new_db():
        name = f"djsa_sa_{secrets.token_hex(4)}"
        state["name"] = name
        base.sql("postgresql", admin, [f"CREATE DATABASE {name}"])
        db = dict(admin, dbname=name)
        return (
            f"postgres://{user}@127.0.0.1:5432/{name}?sslmode=disable",
            f"postgresql+psycopg://{user}@127.0.0.1:5432/{name}",
            lambda stmts: base.sql("postgresql", db, stmts),
        )

    def drop():
        base.sql("postgresql", admin, [f"DROP DATABASE IF EXISTS {state['name']} WITH (FORCE)"])

    scenario("postgresql", new_db, drop)


def case_mysql():
    if not base.port_open(3306):
        base.report("[mysql] server on 127.0.0.1:3306", not base.CI, "MariaDB/MySQL is down (CI requires it)")
        return
    admin = {"host": "127.0.0.1", "port": 3306, "user": "root", "database": "test"}
    state = {}

    def new_db():
        name = f"djsa_sa_{secrets.token_hex(4)}"
        state["name"] = name
        base.sql("mysql", admin, [f"CREATE DATABASE {name}"])
        db = dict(admin, database=name)
        return (
            f"mariadb://root@127.0.0.1:3306/{name}?ssl-mode=disabled",
            f"mysql+pymysql://root@127.0.0.1:3306/{name}",
            lambda stmts: base.sql("mysql", db, stmts),
        )

    def drop():
        base.sql("mysql", admin, [f"DROP DATABASE IF EXISTS {state['name']}"])

    scenario("mysql", new_db, drop)


def main():
    if not base.DJSA.exists():
        print(f"missing {base.DJSA}: run `cargo build -p djsa` first")
        print("0 passed, 1 failed")
        return 1
    setup = subprocess.run(["bash", str(REPO / "scripts" / "setup-live-venv.sh"), "live"], capture_output=True, text=True)
    if setup.returncode != 0:
        print(setup.stdout, setup.stderr)
        print("0 passed, 1 failed")
        return 1
    for case in (case_sqlite, case_postgres, case_mysql):
        try:
            case()
        except Exception as e:  # a broken case is a failure, not a crash of the suite
            base.report(case.__name__, False, repr(e))
    print(f"{base.passed} passed, {base.failed} failed")
    return 0 if base.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
