#!/usr/bin/env python3
# For docs/ledger-store.md: what the same entries would take as rows of one SQLite table (Python's built-in sqlite3).
#   python3 bench/SynapsePS.Bench.Ledger/sqlite_size.py 1000000
import sqlite3, hashlib, os, sys
# One row per (server, file), the same fields and the same kind of values as bench/SynapsePS.Bench.Ledger writes.
path = "/tmp/synapseps-ledger-sqlite-size.db"
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(path + suffix): os.remove(path + suffix)
con = sqlite3.connect(path)
con.execute("PRAGMA journal_mode=WAL")
con.execute("""CREATE TABLE completed (key BLOB PRIMARY KEY, base_url TEXT, full_name TEXT, length INTEGER,
  last_write_utc TEXT, md5 TEXT, upload_id TEXT, upload_url TEXT, completed_at_utc TEXT) WITHOUT ROWID""")
base = "https://synapse.example.org/"
n = int(sys.argv[1])
rows = []
for i in range(n):
    full = f"/home/analyst/data/project-{i % 97:02}/run-{i // 1000 % 1000:04}/sample-{i:09}.fastq.gz"
    uid = f"first-{i:08x}-4e1c-9a6b-{i*7919:012x}"
    rows.append((hashlib.sha256((base + "\n" + full).encode()).digest(), base, full, 1_000_000_000 + i,
                 "2025-01-01T00:00:01.0000019Z", f"{(i*2654435761) & 0xffffffffffffffff:016x}0123456789abcdef", uid,
                 base + "api/v1/upload/" + uid + "/", "2026-11-25T12:34:56.1234567Z"))
    if len(rows) == 50_000:
        con.executemany("INSERT INTO completed VALUES (?,?,?,?,?,?,?,?,?)", rows); con.commit(); rows = []
if rows: con.executemany("INSERT INTO completed VALUES (?,?,?,?,?,?,?,?,?)", rows); con.commit()
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
con.close()
size = os.path.getsize(path)
os.remove(path)
print(f"{n} rows: {size} bytes, {size / n:.0f} bytes per row, sqlite {sqlite3.sqlite_version}")
