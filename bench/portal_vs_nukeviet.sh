#!/bin/sh
# Issue 21's comparison in one run (about 10 minutes, alone on the machine): NukeViet's
# article with a desktop browser, then phongtrao's guest pages on SQLite, NukeViet again,
# phongtrao on PostgreSQL, NukeViet a third time; so each phongtrao turn sits between two
# NukeViet turns of the same conditions. NukeViet's services run only during its turns.
#
#   sh bench/portal_vs_nukeviet.sh /path/to/nukeviet-checkout    # (tag 4.5.05)
#
# Environment: SECONDS_EACH (5 per wrk cell), CONCURRENCY ("16 64"). JSON lines go to
# bench/results/portal-vs-nukeviet-<date>.jsonl; bench/portal.py --render reads the
# phongtrao lines.
set -eu

CHECKOUT=${1:?"usage: sh bench/portal_vs_nukeviet.sh NUKEVIET_CHECKOUT"}
SECONDS_EACH=${SECONDS_EACH:-5}
CONCURRENCY=${CONCURRENCY:-"16 64"}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
OUT="$ROOT/bench/results/portal-vs-nukeviet-$(date -u +%Y%m%d-%H%M).jsonl"
PHP=$(php -r 'echo PHP_MAJOR_VERSION.".".PHP_MINOR_VERSION;' 2>/dev/null || echo 8.2)
mkdir -p "$ROOT/bench/results"

nukeviet_stop() {
    service apache2 stop >/dev/null 2>&1 || true
    service "php$PHP-fpm" stop >/dev/null 2>&1 || true
    service mariadb stop >/dev/null 2>&1 || true
}

nukeviet_turn() {
    NV_SECONDS=$SECONDS_EACH NV_CONCURRENCY=$CONCURRENCY NV_AGENTS=desktop NV_PAGES=article \
        sh "$HERE/nukeviet.sh" "$CHECKOUT" --bench | sed "s/^{/{\"turn\": $1, /" >>"$OUT"
    nukeviet_stop
}

portal_turn() {
    commas=$(echo "$CONCURRENCY" | tr ' ' ',')
    "$ROOT/.venv/bin/python" "$HERE/portal.py" --databases "$1" --suite pages \
        --server granian,3,1 --page-seconds "$SECONDS_EACH" --page-concurrency "$commas" \
        --out "$ROOT/bench/results/portal-pages-$1-$(date -u +%Y%m%d-%H%M).jsonl" \
        | sed "s/^{/{\"turn\": $2, /" >>"$OUT"
}

nukeviet_stop
nukeviet_turn 1
portal_turn sqlite 2
nukeviet_turn 3
portal_turn postgresql 4
nukeviet_turn 5
echo "written to $OUT" >&2
