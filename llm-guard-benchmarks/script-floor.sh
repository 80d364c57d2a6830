#!/usr/bin/env bash
# How much redis-server CPU Lua scripts cost here, to tell how far the Redis backend's per-call cost can
# fall: a trivial EVALSHA, the marginal cost of one command inside a script, today's budget reserve over
# two budgets, and prototypes of one script admitting and one settling a whole guarded call of the
# benchmark's pipeline (lua/merged-*.lua; not used by llm-guard). Needs redis-server, redis-cli and
# redis-benchmark on the PATH; about a minute. CPU is redis-server's own (INFO cpu), per EVALSHA, 16 clients.
#   llm-guard-benchmarks/script-floor.sh [requests per measurement, default 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "script-floor.sh needs $tool on the PATH (Debian: redis-server, redis-tools)" >&2; exit 1; }
done
./mvnw -B -q -pl llm-guard-autoconfigure -am compile
classes=llm-guard-autoconfigure/target/classes
reserve_text=$(java -cp "$classes" llm-guard-benchmarks/lua/PrintScript.java dev.llmguard.redis.BudgetScripts RESERVE)
port=$((20000 + RANDOM % 20000))
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
cpu() { redis-cli -p "$port" info cpu | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%.6f", s }'; }
load() { redis-cli -p "$port" script load "$1"; }
measure() { # name, then the EVALSHA arguments
  local name=$1; shift
  redis-cli -p "$port" flushall >/dev/null
  local before after
  before=$(cpu)
  redis-benchmark -p "$port" -c 16 -n "$n" -r 1000000000 -q EVALSHA "$@" >/dev/null 2>&1
  after=$(cpu)
  awk -v b="$before" -v a="$after" -v n="$n" -v name="$name" 'BEGIN { printf "%-34s %7.1f µs\n", name, (a - b) * 1e6 / n }'
}
now=$(($(date +%s) * 1000)); deadline=$((now + 600000))
budgets=(1000 0 1000000000000000000 -1 3600000 1000 0 1000000000000000000 -1 3600000)
trivial=$(load 'return 1')
one=$(load "redis.call('hincrby', KEYS[1], 'n', 1) return 1")
five=$(load "for i = 1, 5 do redis.call('hincrby', KEYS[1], 'n', 1) end return 1")
reserve=$(load "$reserve_text")
admit=$(load "$(cat llm-guard-benchmarks/lua/merged-admit.lua)")
settle=$(load "$(cat llm-guard-benchmarks/lua/merged-settle.lua)")
keys=('p:{p}:rsv-leases' 'p:{p}:rsv:__rand_int__' 'p:{p}:budget:global' 'p:{p}:budget:acme' 'p:{p}:bucket:1' 'p:{p}:bucket:2' 'p:{p}:slots')
echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), $n EVALSHA per line, 16 clients; redis-server CPU per EVALSHA:"
measure "trivial script (return 1)" "$trivial" 0
measure "one HINCRBY" "$one" 1 'p:{p}:h'
measure "five HINCRBY" "$five" 1 'p:{p}:h'
measure "budget reserve, two budgets (today)" "$reserve" 4 "${keys[0]}" "${keys[1]}" "${keys[2]}" "${keys[3]}" \
  "$now" "$deadline" 86400000 'id__rand_int__' 'p:{p}:rsv:' "${budgets[@]}"
measure "merged admission (prototype)" "$admit" 7 "${keys[@]}" "$now" "$deadline" 86400000 'id__rand_int__' \
  "${budgets[@]}" 1 1000000000 1000 1000 1000000000000 1000 100000000
measure "merged settlement (prototype)" "$settle" 7 "${keys[@]}" 'id__rand_int__' 500 100 86400000 1000 0 1000 0 0 50
