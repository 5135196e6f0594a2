#!/usr/bin/env python3
"""Copy a seeded SQLite staffdev database into a PostgreSQL one migrated to the same
version, with COPY, so that PostgreSQL runs hold exactly the rows SQLite runs hold:

    staffdev migrate up --database-url sqlite:///tmp/pg-src.db
    python3 benches/seed_recognition.py /tmp/pg-src.db staffdev
    staffdev migrate up --database-url postgres://postgres@127.0.0.1:5432/bench_portal
    python3 benches/seed_postgres.py /tmp/pg-src.db postgres://postgres@127.0.0.1:5432/bench_portal

(benches/portal_load.sh with BACKEND=postgres does all of this when the database holds
no kudos.) Every table but the migrations' own is emptied and filled in one transaction
through one `psql`, foreign keys unchecked while loading (session_replication_role, so a
superuser or the database's owner with that right), then each id sequence is set past the
largest id and the tables analysed. Values are converted by PostgreSQL's column types:
booleans from SQLite's 0/1, bytea as hex; timestamps and dates go as SQLite holds them
(RFC 3339 text, which PostgreSQL reads).
"""
import sqlite3
import subprocess
import sys
import time

src, url = sys.argv[1], sys.argv[2]
SKIP = {"seaql_migrations"}


def psql(sql):
    out = subprocess.run(["psql", url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-F", "\t", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def text_value(value, kind):
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if kind == "boolean":
        return "t" if value in (1, "1", "t", "true", True) else "f"
    if kind == "bytea":
        raw = value if isinstance(value, bytes) else str(value).encode()
        return r"\\x" + raw.hex()
    if isinstance(value, bytes):
        value = value.decode()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


lite = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
lite_tables = {r[0] for r in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
columns = {}
for table, column, kind in psql("SELECT table_name, column_name, data_type FROM information_schema.columns "
                                "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"):
    columns.setdefault(table, []).append((column, kind))
tables = sorted(t for t in columns if t not in SKIP)
missing = [t for t in tables if t not in lite_tables] + [t for t in lite_tables - SKIP if t not in columns]
if missing:
    sys.exit(f"the two databases are not at the same migration: tables only on one side: {', '.join(missing)}")

# The id sequences, asked before the load locks the tables.
sequences = [(t, c, seq) for t, c, seq in psql(
    "SELECT table_name, column_name, pg_get_serial_sequence(format('%I', table_name), column_name) "
    "FROM information_schema.columns WHERE table_schema = 'public' "
    "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')") if seq and t not in SKIP]

started = time.monotonic()
load = subprocess.Popen(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE, text=True)
out = load.stdin
out.write("BEGIN;\nSET session_replication_role = replica;\n")
out.write("TRUNCATE " + ", ".join(ident(t) for t in tables) + ";\n")
counts = {}
for table in tables:
    cols = columns[table]
    lite_cols = {r[1] for r in lite.execute(f"PRAGMA table_info({ident(table)})")}
    absent = [c for c, _ in cols if c not in lite_cols]
    if absent:
        sys.exit(f"{table}: columns missing in SQLite: {', '.join(absent)}")
    names = ", ".join(ident(c) for c, _ in cols)
    out.write(f"COPY {ident(table)} ({names}) FROM STDIN;\n")
    kinds = [k for _, k in cols]
    n = 0
    for row in lite.execute(f"SELECT {names} FROM {ident(table)}"):
        out.write("\t".join(text_value(v, k) for v, k in zip(row, kinds)) + "\n")
        n += 1
    out.write("\\.\n")
    counts[table] = n
# Each sequence past the largest id its table holds (or back to 1 when it holds none).
for table, column, seq in sequences:
    out.write(f"SELECT setval('{seq}', COALESCE(max({ident(column)}), 1), max({ident(column)}) IS NOT NULL) "
              f"FROM {ident(table)} \\g /dev/null\n")
out.write("COMMIT;\nANALYZE;\n")
out.close()
if load.wait() != 0:
    sys.exit("psql failed; nothing was committed")
rows = sum(counts.values())
big = ", ".join(f"{t} {n:,}" for t, n in sorted(counts.items(), key=lambda kv: -kv[1])[:4])
print(f"copied {rows:,} rows of {len(tables)} tables in {time.monotonic() - started:.0f} s ({big}, ...)")
