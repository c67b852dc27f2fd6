#!/usr/bin/env bash
# The README's first command: install, build, and run the main job on the built-in default: the
# co-design study of examples/codesign.toml (600 designs screened, 48 simulated on three models;
# 4 minutes of CPU time, about 2 minutes of wall time on two idle cores; writes codesign.h5 and
# codesign.png).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/framework/archlab tune
