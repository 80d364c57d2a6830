#!/usr/bin/env bash
# Runs every llm-guard benchmark (JMH, Redis, goodput, memory, shared key) and writes llm-guard-benchmarks/RESULTS.md
# with the machine it ran on. About 21 minutes on 2 cores; needs Java 17+, and redis-cli plus
# redis-benchmark on the PATH for the Redis part (skipped, and said so, without them). redis-server is
# the one on the PATH, or else the one the jar carries (com.github.codemonstur:embedded-redis).
#   llm-guard-benchmarks/run.sh                    everything
#   llm-guard-benchmarks/run.sh --parts jmh,memory some parts (jmh, redis, goodput, memory, sharedkey)
#   llm-guard-benchmarks/run.sh --quick            a short run to check the harnesses; not results
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl llm-guard-benchmarks -am package -DskipTests
exec java -Xmx1g -Dbench.command="llm-guard-benchmarks/run.sh${*:+ $*}" \
  -jar llm-guard-benchmarks/target/benchmarks.jar --out llm-guard-benchmarks/RESULTS.md "$@"
