#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/: clang, ASan + UBSan) in build-fuzz/ and runs each for a
# bounded time on a corpus seeded from examples/, the model zoo and the tests. Needs the normal
# build (scripts/build.sh) for the plugins the targets load. Exits non-zero when a target finds a
# crash; the input that caused it is left in build-fuzz/findings/<target>/.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 60; FUZZ_SECONDS in the environment too)
#
# The fuzzers' random seed is fixed (FUZZ_SEED, default 1) and the corpus starts from the seeds
# alone, so a CI run replays what a run here explored first and does not fail at random; set
# FUZZ_SEED=0 (libFuzzer picks one) and a longer time for a campaign that looks further.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-60}}"
seed="${FUZZ_SEED:-1}"
root="$PWD"
fuzz_build="$root/build-fuzz"
plugins="$root/build/plugins"
[ -d "$plugins" ] || { echo "fuzz.sh: build the project first (scripts/build.sh): no $plugins" >&2; exit 1; }
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

cmake -S . -B "$fuzz_build" -DARCHLAB_BUILD_FUZZERS=ON -DARCHLAB_ENABLE_CUDA=OFF -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER=$CMAKE_CXX_COMPILER_LAUNCHER} >/dev/null
cmake --build "$fuzz_build" -j"$(nproc)" --target fuzz_config fuzz_graph fuzz_study fuzz_plugin

# Seeds: copies, so the fuzzers' additions never land in the source tree.
seeds="$fuzz_build/seeds"
rm -rf "$seeds" && mkdir -p "$seeds"/{config,graph,study,plugin}
cp examples/*.toml models/*.toml tests/tune/*.toml tests/plugins/*.toml workloads/dnn/*.toml "$seeds/config/" 2>/dev/null || true
cp workloads/zoo/*.toml "$seeds/graph/"
find benchmarks tests -name '*.csv' -exec cp {} "$seeds/graph/" \; 2>/dev/null || true
printf 'Layer, M, N, K,\nfc1, 64, 128, 256,\n' > "$seeds/graph/gemm.csv"
printf '#set engine=sequential\n#set stop_time=5 ns\n' | cat - examples/phold.toml > "$seeds/config/phold_set.toml"
# A real study file, and files a plugin directory may hold by mistake.
ARCHLAB_PLUGIN_PATH="$plugins" build/framework/archlab tune -q tests/tune/systolic_tune.toml \
  --set tune.budget=4 -o "$seeds/study/systolic.h5" >/dev/null
printf 'not a plugin\n' > "$seeds/plugin/text.so"
head -c 64 "$plugins/archlab_phold.so" > "$seeds/plugin/elf_header.so"
: > "$seeds/plugin/empty.so"

status=0
report=""
for target in config graph study plugin; do
  corpus="$fuzz_build/corpus/$target"
  findings="$fuzz_build/findings/$target"
  mkdir -p "$corpus" "$findings"
  log="$fuzz_build/fuzz_$target.log"
  echo "fuzz_$target: ${seconds} s"
  if ! ARCHLAB_PLUGIN_PATH="$plugins" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
       "$fuzz_build/fuzz/fuzz_$target" -max_total_time="$seconds" -seed="$seed" -max_len=65536 -timeout=20 -rss_limit_mb=4096 \
       -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" "$seeds/$target" >"$log" 2>&1; then
    echo "fuzz_$target FOUND A CRASH (input in $findings/):" >&2
    grep -E "ERROR|runtime error|SUMMARY|==ERROR" "$log" | head -20 >&2 || tail -30 "$log" >&2
    status=1
  fi
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
  rate=$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
  report+=$(printf '\n  fuzz_%-8s %10s runs  %8s exec/s' "$target" "$runs" "$rate")
done
echo "fuzzing summary (${seconds} s per target):${report}"
exit $status
