#!/usr/bin/env bash
# The GPU checks, in one go, on the GPU machine. It builds nothing: build here, bundle, carry.
#
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 && cmake --build build -j2
#   ../shared/device/bundle.sh build .devbundle
#   (device tool) run  command: benchmarks/gpu_check.sh   carry: [".devbundle"]
#
# 1. the CUDA engine against the sequential engine (every equivalence*.toml, a PHOLD sweep,
#    64K LPs, the event limit), 2. compute-sanitizer memcheck when the machine has it,
# 3. PHOLD events/s (cuda and sequential on the same machine), 4. the 1,024-system ensemble,
# 5. DNN inference on cuda (ResNet-50, GPT-2 decode) and the 256-design edge ensemble.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .devbundle/env.sh ]; then echo "no .devbundle here: see the top of this script" >&2; exit 2; fi
# shellcheck disable=SC1091
source .devbundle/env.sh
export ARCHLAB_SOURCE_DIR=$PWD
bin=.devbundle/bin
logs=${OUT:-$(mktemp -d)}  # the device tool brings $OUT back
status=0

echo "== device"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "nvidia-smi: not available"

echo "== CUDA engine vs sequential"
timeout 240 "$bin/tests/archlab_gpu_tests" --gtest_brief=1 > "$logs/gpu_tests.log" 2>&1; rc=$?
tail -n 25 "$logs/gpu_tests.log"
[ $rc -eq 0 ] || status=1

echo "== compute-sanitizer memcheck"
if command -v compute-sanitizer >/dev/null 2>&1; then
  timeout 180 compute-sanitizer --tool memcheck --error-exitcode 3 "$bin/tests/archlab_gpu_tests" \
    --gtest_filter='CudaEngine.PholdSweep*:Tree/CudaFile.*' > "$logs/memcheck.log" 2>&1; rc=$?
  tail -n 8 "$logs/memcheck.log"
  [ $rc -eq 0 ] || status=1
else
  echo "compute-sanitizer: not installed on this machine (memcheck not run)"
fi

echo "== PHOLD events/s"
timeout 240 "$bin/benchmarks/phold_bench" \
  --benchmark_filter='BM_ArchlabCuda|BM_ArchlabSequential/(1024|65536)/' > "$logs/phold_bench.log" 2>&1 || status=1
sed -n '/^PHOLD, events/,$p' "$logs/phold_bench.log"

echo "== ensemble of 1,024 systems"
timeout 150 "$bin/benchmarks/ensemble_bench" --solo 8 || status=1

echo "== DNN on cuda"
timeout 200 "$bin/benchmarks/dnn_bench" --benchmark_filter='cuda|resnet50_sequential' > "$logs/dnn_bench.log" 2>&1 || status=1
grep -E '^run_' "$logs/dnn_bench.log"
exit $status
