#!/usr/bin/env bash
# The README's first command: install, build, and run the main job on the built-in default: the
# co-design study of examples/codesign.toml (a few minutes on two cores; writes codesign.h5).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/framework/archlab tune
