#!/usr/bin/env bash
# putcost.sh: what the Put script (PutChecked: replay check, caps, record) costs redis-server, for
# one git revision, on a store holding 50,000 open confirmations of 1,000 users, with a delete's
# 2 KB record, pipelined (-P 16, 4 connections) as the bot's batches send them.
#   bot/pending/redisstore/testdata/putcost.sh [rev] [puts]          INFO commandstats, CPU time
#   CALLGRIND=1 bot/pending/redisstore/testdata/putcost.sh [rev]     instructions per Put (valgrind)
# Run from the repository's root; rev defaults to the work tree. Needs redis-server, redis-benchmark,
# python3 (and valgrind, callgrind_control for CALLGRIND=1).
set -euo pipefail
rev=${1:-} n=${2:-50000}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
show() { if [ -z "$rev" ]; then cat "bot/pending/redisstore/$1"; else git show "$rev:bot/pending/redisstore/$1"; fi; }
python3 - "$work/put.lua" <(show replay.go) <(show redisstore.go) <<'PY'
import re, sys
checked = re.search(r'var putCheckedScript = redis.NewScript\(`(.*?)` \+ putBody', open(sys.argv[2]).read(), re.S).group(1)
body = re.search(r'const putBody = `(.*?)`', open(sys.argv[3]).read(), re.S).group(1)
open(sys.argv[1], 'w').write(checked + body)
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
R="redis-cli -p $port"
body=$(python3 -c 'print("x"*2000)')
tok='t__rand_int__-__rand_int__-__rand_int__'
if grep -q 'KEYS\[5\]' "$work/put.lua"; then # before the merged due set: record, user, open, due, replay
  keys="5 {p}:r:$tok {p}:u:slack:U__rand_int__ {p}:open {p}:due s:$tok"
else
  keys="4 {p}:r:$tok {p}:u:slack:U__rand_int__ {p}:due s:$tok"
fi
args="$body 3600000 1700000000000000 1800000000000000 100000000 100000000 $tok n__rand_int__ 300000"
start() { "$@" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --daemonize no >>"$work/log" 2>&1 & pids+=($!)
  for i in $(seq 400); do $R info persistence 2>/dev/null | grep -q '^loading:0' && return; sleep 0.25; done; echo "redis-server did not start" >&2; exit 1; }
run() { redis-benchmark -p "$port" -r 1000 -n "$1" -c 4 -P 16 -q evalsha "$($R -x script load <"$work/put.lua")" $keys $args >/dev/null; }
start redis-server
run 50000 # the open confirmations
if [ "${CALLGRIND:-}" = 1 ]; then
  $R save >/dev/null; $R shutdown nosave >/dev/null 2>&1 || true; sleep 0.5
  start valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" redis-server
  vg=${pids[-1]}; run 200; callgrind_control -z "$vg" >/dev/null 2>&1
  n=5000; run $n; callgrind_control -d "$vg" >/dev/null 2>&1; sleep 1
  total=$(cat "$work"/cg.out.* | grep -m1 '^summary:' | awk '{print $2}')
  echo "${rev:-worktree}: $((total / n)) instructions of redis-server per Put"
  exit 0
fi
$R config resetstat >/dev/null
cpu() { awk '{print ($14+$15)*10}' "/proc/${pids[0]}/stat"; }
c0=$(cpu); run "$n"; c1=$(cpu)
calls=$($R info commandstats | grep -v 'evalsha\|config\|script' | grep -o 'calls=[0-9]*' | cut -d= -f2 | awk '{s+=$1} END {print s}')
echo "${rev:-worktree}: evalsha $($R info commandstats | grep evalsha | grep -o 'usec_per_call=[0-9.]*'), $(((c1 - c0) * 1000 / n)) µs of redis-server CPU per Put, $(awk -v c="$calls" -v n="$n" 'BEGIN {printf "%.1f", c / n}') calls inside"
