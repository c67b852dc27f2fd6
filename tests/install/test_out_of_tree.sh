#!/usr/bin/env bash
# Installs this build into a scratch prefix and, against the installed package:
#   - builds examples/out_of_tree_plugin (find_package(archlab) + archlab_add_plugin(... CUDA);
#     with nvcc on the machine, archlab_enable_cuda() and device code) and runs it with the
#     installed archlab program, checked on every engine by `archlab verify`;
#   - builds examples/out_of_tree_cache (a cache with MSHRs in front of memory.sram), checks its
#     counts and verifies it on every engine;
#   - builds examples/out_of_tree_program, a C++-only project that links archlab::framework
#     (find_package(archlab COMPONENTS framework)), and runs the plugin through it.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH="/usr/local/cuda/bin:$PATH"; fi

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$source_dir/examples/out_of_tree_plugin" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" >/dev/null

export ARCHLAB_PLUGIN_PATH="$work/build/plugins"
listing=$("$work/prefix/bin/archlab" plugins -v)
echo "$listing" | grep -v "^      "
grep -q "example.metronome" <<<"$listing"
grep -q "workload.phold" <<<"$listing"   # found in the install tree, next to the program
grep -q "$work/prefix/lib/archlab/plugins" <<<"$listing"
device=no
if command -v nvcc >/dev/null 2>&1; then device=yes; fi
metronome=$(sed -n '/example.metronome/,/parameters:/p' <<<"$listing")
grep -q "device code: $device" <<<"$metronome" || { echo "expected device code: $device" >&2; exit 1; }

out=$("$work/prefix/bin/archlab" run "$source_dir/examples/out_of_tree_plugin/metronome.toml" -o "$work/m.h5")
echo "$out"
grep -Eq "example.metronome +ticks +25 " <<<"$out"
grep -q "sim time    50.000 ns" <<<"$out"
"$work/prefix/bin/archlab" verify "$source_dir/examples/out_of_tree_plugin/metronome.toml" | tee "$work/verify.txt"
grep -q "^OK: every engine" "$work/verify.txt"

# The second example: a cache with MSHRs that forwards misses to a memory.sram.
cmake -S "$source_dir/examples/out_of_tree_cache" -B "$work/cache" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cache" >/dev/null
cache=$(ARCHLAB_PLUGIN_PATH="$work/cache/plugins" "$work/prefix/bin/archlab" run \
  "$source_dir/examples/out_of_tree_cache/cache.toml")
echo "$cache"
total() { awk -v type="$1" -v stat="$2" '$1 == type && $2 == stat { print $3 }' <<<"$cache"; }
# 4 KiB read twice by two requesters through a 4 KiB cache: each 64-byte line is read from the
# SRAM once; every other request hits or joins the miss in flight.
[ "$(total example.cache misses)" = 64 ] && [ "$(total memory.sram reads)" = 64 ]
[ $(( $(total example.cache hits) + $(total example.cache merged) )) = 960 ]
[ "$(total workload.mem_traffic completed)" = 1024 ] && [ "$(total example.cache rejected)" = 0 ]
ARCHLAB_PLUGIN_PATH="$work/cache/plugins" "$work/prefix/bin/archlab" verify \
  "$source_dir/examples/out_of_tree_cache/cache.toml" | tee "$work/verify_cache.txt"
grep -q "^OK: every engine" "$work/verify_cache.txt"

cmake -S "$source_dir/examples/out_of_tree_program" -B "$work/program" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/program" >/dev/null
program=$("$work/program/run_experiment" "$source_dir/examples/out_of_tree_plugin/metronome.toml" example.metronome)
echo "$program"
grep -q "example.metronome device code: $device" <<<"$program"
grep -q "example.metronome ticks 25" <<<"$program"
echo "out-of-tree plugins and program: OK"
