#!/usr/bin/env python3
"""SQLAlchemy index benchmark: a synthetic project of N declarative tables (default 2,000, in 40
modules, with foreign keys, relationships, mixins, Annotated aliases and Core association tables).
Prints the time `djsa check` and `djsa debug-sqla` take next to the time Python takes just to
import the same metadata (SQLAlchemy's own mapper configuration included). Numbers, not pass/fail.

Usage: bench/sqla_bench.py [--tables 2000] [--djsa target/debug/djsa] [--venv target/venvs/sqla]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEAD = '''from typing import Annotated, List, Optional
import datetime
from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from .base import Base, Stamped, intpk, str100
'''


def generate(root, tables, per_module=50):
    pkg = os.path.join(root, "bench_app")
    os.makedirs(pkg)
    with open(os.path.join(pkg, "__init__.py"), "w") as f:
        mods = (tables + per_module - 1) // per_module
        for m in range(mods):
            f.write("from . import m%03d  # noqa\n" % m)
    with open(os.path.join(pkg, "base.py"), "w") as f:
        f.write('''import datetime
from typing import Annotated
from sqlalchemy import String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

intpk = Annotated[int, mapped_column(primary_key=True)]
str100 = Annotated[str, mapped_column(String(100))]


class Base(DeclarativeBase):
    pass


class Stamped:
    created: Mapped[datetime.datetime] = mapped_column(server_default=func.now())
''')
    n = 0
    for m in range((tables + per_module - 1) // per_module):
        lines = [HEAD]
        for _ in range(per_module):
            if n >= tables:
                break
            parent = "T%05d" % (n - 1) if n % per_module else None
            lines.append("class T%05d(Stamped, Base):" % n)
            lines.append("    __tablename__ = 't%05d'" % n)
            lines.append("    __table_args__ = (UniqueConstraint('name', 'code'),)")
            lines.append("    id: Mapped[intpk]")
            lines.append("    name: Mapped[str100]")
            lines.append("    code: Mapped[Optional[str]] = mapped_column(String(20), index=True)")
            lines.append("    body = Column(Text)")
            lines.append("    score: Mapped[float] = mapped_column(default=0.0)")
            if parent:
                lines.append("    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey('t%05d.id'))" % (n - 1))
                lines.append("    parent: Mapped[Optional['%s']] = relationship()" % parent)
            lines.append("")
            n += 1
        with open(os.path.join(pkg, "m%03d.py" % m), "w") as f:
            f.write("\n".join(lines) + "\n")


def timed(cmd, cwd=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - t, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tables", type=int, default=2000)
    ap.add_argument("--djsa", default=os.path.join(REPO, "target", "debug", "djsa"))
    ap.add_argument("--venv", default=os.path.join(REPO, "target", "venvs", "sqla"))
    args = ap.parse_args()
    root = tempfile.mkdtemp(prefix="djsa-sqla-bench-")
    try:
        generate(root, args.tables)
        t_check, p = timed([args.djsa, "check", root, "--python", "none", "--output-format", "concise", "--exit-zero"])
        t_index, q = timed([args.djsa, "debug-sqla", root])
        found = q.stdout.count('"core":')
        py = os.path.join(args.venv, "bin", "python")
        t_py, r = timed([py, "-c", "import bench_app; from sqlalchemy.orm import configure_mappers; configure_mappers(); "
                         "from bench_app.base import Base; print(len(Base.metadata.tables))"], cwd=root)
        print("tables generated:           %d" % args.tables)
        print("djsa check (index+checks):  %.2fs  (%d findings)" % (t_check, len([x for x in p.stdout.splitlines() if x.strip()])))
        print("djsa debug-sqla (index):    %.2fs  (%d tables found)" % (t_index, found))
        print("python import + mappers:    %.2fs  (%s tables)" % (t_py, r.stdout.strip() or r.stderr.strip()[-200:]))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
