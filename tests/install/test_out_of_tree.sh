#!/usr/bin/env bash
# Installs this build into a scratch prefix, builds examples/out_of_tree_plugin against the
# installed package (find_package(archlab) + archlab_add_plugin), and runs it with the
# installed archlab program.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$source_dir/examples/out_of_tree_plugin" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" >/dev/null

export ARCHLAB_PLUGIN_PATH="$work/build/plugins"
listing=$("$work/prefix/bin/archlab" plugins)
echo "$listing"
grep -q "example.metronome" <<<"$listing"
grep -q "workload.phold" <<<"$listing"   # found in the install tree, next to the program
grep -q "$work/prefix/lib/archlab/plugins" <<<"$listing"

out=$("$work/prefix/bin/archlab" run "$source_dir/examples/out_of_tree_plugin/metronome.toml" -o "$work/m.h5")
echo "$out"
grep -Eq "example.metronome +ticks +25 " <<<"$out"
grep -q "sim time    50.000 ns" <<<"$out"
echo "out-of-tree plugin: OK"
