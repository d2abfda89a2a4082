#!/bin/sh
# How tests/data/main_i15.sql.gz was made: a database written by main before plans were stored
# objects (commit 0e34c62, schema i15_one_outbox), through its own command line: a pass on
# 2/11/2026 with its messages sent to the local inbox, reports accepted, returned and awaiting
# review, an extension, then the passes of 26/11 and 28/12/2026 (overdue notices, escalations).
#   git worktree add --detach /tmp/old 0e34c62 && sh tests/data/main_i15.sh /tmp/old /tmp/out
set -e
OLD=$(realpath "$1") OUT=$(realpath -m "$2") PY=${PY:-$PWD/.venv/bin/python}
mkdir -p "$OUT"
cd "$OUT"  # python -c puts the current folder first on its path: the old code must be the one found
export PYTHONPATH="$OLD" HTX_DATABASE_URL="sqlite:///$OUT/old.db" HTX_VAR_DIR="$OUT/var" HTX_CONFIG_DIR="$OLD/config"
H() { "$PY" -c "from htx_tasks.cli.main import app; app()" "$@"; }
q() { "$PY" -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$OUT/old.db" "$1"; }
nth() { q "select id from occurrence where duty_code = 'xa-tuyen-truyen' order by id limit 1 offset $1"; }
U() { q "select unit_code from occurrence where id = $1"; }
V() { q "select version from occurrence where id = $1"; }
H init
H tick --now 2026-11-02T07:30
ID1=$(nth 0) ID2=$(nth 1) ID3=$(nth 2) ID4=$(nth 3)
H submit "$ID1" --unit "$(U "$ID1")" --note "Đã tuyên truyền" --now 2026-11-20T09:00
H review "$ID1" accept --note "Đạt" --version "$(V "$ID1")" --now 2026-11-21T09:00
H submit "$ID2" --unit "$(U "$ID2")" --note "Báo cáo sơ bộ" --now 2026-11-20T09:00
H review "$ID2" return --note "Bổ sung số liệu" --version "$(V "$ID2")" --now 2026-11-21T09:00
H submit "$ID3" --unit "$(U "$ID3")" --note "Chờ duyệt" --now 2026-11-22T09:00
H extend "$ID4" --to 2027-02-26 --note "Chờ số liệu quý" --version "$(V "$ID4")" --now 2026-11-21T09:00
H tick --now 2026-11-26T07:30
H tick --now 2026-12-28T07:30
"$PY" -c "import gzip, sqlite3, sys; gzip.open(sys.argv[2], 'wt', encoding='utf-8').write('\n'.join(sqlite3.connect(sys.argv[1]).iterdump()) + '\n')" "$OUT/old.db" "$OUT/main_i15.sql.gz"
