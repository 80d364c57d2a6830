#!/usr/bin/env bash
# Back-to-back comparison of the Redis part (2) at two commits, as RESULTS.md 2c, 2e and 2f were measured:
# builds the benchmark jar of each commit in a throw-away clone, then runs `--parts redis` alternately
# (before, after, before, after, ...) so that both see the same machine, and prints one row per run
# with the run's load average. Needs what the Redis part needs (redis-server, redis-cli and
# redis-benchmark on the PATH); about 45 s per run after the builds. Reports go to a temporary directory
# that is printed at the end.
#   llm-guard-benchmarks/compare.sh <before commit> <after commit> [pairs, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: llm-guard-benchmarks/compare.sh <before commit> <after commit> [pairs]" >&2; exit 2; }
before=$(git rev-parse --short "$1")
after=$(git rev-parse --short "$2")
pairs=${3:-3}
for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "compare.sh needs $tool on the PATH (Debian: redis-server, redis-tools)" >&2; exit 1; }
done
work=$(mktemp -d)
for commit in "$before" "$after"; do
  git clone -q "$(pwd)" "$work/src-$commit"
  git -C "$work/src-$commit" checkout -q "$commit"
  (cd "$work/src-$commit" && ./mvnw -B -q -pl llm-guard-benchmarks -am package -DskipTests)
  cp "$work/src-$commit/llm-guard-benchmarks/target/benchmarks.jar" "$work/$commit.jar"
  rm -rf "$work/src-$commit"
done
printf '| run (UTC) | commit | load average before → after | guarded calls/s | p50 / p99 admission | JVM CPU per call | redis-server CPU per call | one trivial EVALSHA | commands per call |\n'
printf '|---|---|---|---:|---:|---:|---:|---:|---:|\n'
for i in $(seq 1 "$pairs"); do
  for commit in "$before" "$after"; do
    report="$work/$commit-$i.md"
    at=$(date -u +%H:%M)
    load0=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
    java -Xmx1g -jar "$work/$commit.jar" --out "$report" --parts redis >"$work/$commit-$i.log" 2>&1
    load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
    rate=$(grep -E 'admissions \(Redis\)' "$report" | awk -F'|' '{ gsub(/^ +| +$/, "", $3); gsub(/^ +| +$/, "", $4); gsub(/^ +| +$/, "", $5); print $3 " | " $4 " / " $5 }')
    cpu=($(grep -oE 'CPU time per guarded call: [0-9]+ µs in this JVM.*and [0-9]+ µs in redis-server; redis-server spent [0-9.]+ µs' "$report" | grep -oE '[0-9.]+ µs' | grep -oE '[0-9.]+'))
    commands=$(grep -oE 'Redis ran [0-9.]+ commands' "$report" | grep -oE '[0-9.]+')
    printf '| %s | %s | %s → %s | %s | %s µs | %s µs | %s µs | %s |\n' "$at" "$commit" "$load0" "$load1" "$rate" \
      "${cpu[0]:-?}" "${cpu[1]:-?}" "${cpu[2]:-?}" "${commands:-?}"
  done
done
echo "reports: $work"
