#!/usr/bin/env bash
# The framework's layers (framework/README.md) may include only the headers of the layers below
# them: a kernel source that included toml++, HDF5 or the configuration's headers would compile
# (the headers are on the system) and quietly tie the kernel to them. Fails naming each file,
# the header and the layer that may not use it.
set -euo pipefail
root="${1:?usage: check_layers.sh SOURCE_DIR}"
cd "$root/framework"

headers_of() { [ -d "$1/include/archlab" ] && (cd "$1/include/archlab" && ls *.hpp) || true; }

# layer: the layers whose headers it may include (besides its own and api's), and the third-party
# headers it may include.
declare -A below=(
  [api]="" [kernel]="" [config]="kernel" [output]="kernel"
  [run]="kernel config output" [tuning]="kernel config output run"
)
declare -A third_party=(
  [api]="" [kernel]="boost" [config]="toml" [output]="hdf5" [run]="" [tuning]="toml"
)
layers=(api kernel config output run tuning)
problems=0
checked=0
for layer in "${layers[@]}"; do
  allowed=" $layer api ${below[$layer]} "
  while IFS= read -r -d '' file; do
    checked=$((checked + 1))
    while IFS= read -r header; do
      name="${header#archlab/}"
      for other in "${layers[@]}"; do
        if headers_of "$other" | grep -qx "$name" && [[ "$allowed" != *" $other "* ]]; then
          echo "$file: includes $header of layer '$other', which layer '$layer' may not use"
          problems=$((problems + 1))
        fi
      done
    done < <(sed -n 's/^#include [<"]\(archlab\/[^>"]*\)[>"].*/\1/p' "$file")
    for library in toml hdf5 boost mpi; do
      case "$library" in
        toml) pattern='^#include [<"]toml\+\+/' ;;
        hdf5) pattern='^#include [<"](hdf5|H5)' ;;
        boost) pattern='^#include [<"]boost/' ;;
        mpi) pattern='^#include [<"]mpi\.h' ;;
      esac
      if grep -Eq "$pattern" "$file" && [[ " ${third_party[$layer]} " != *" $library "* ]]; then
        echo "$file: includes $library headers, which layer '$layer' does not link"
        problems=$((problems + 1))
      fi
    done
  done < <(find "$layer" \( -name '*.hpp' -o -name '*.cpp' -o -name '*.cu' \) -print0)
done
if [ "$checked" -eq 0 ]; then
  echo "no framework sources found under $root/framework: nothing was checked" >&2
  exit 1
fi
if [ "$problems" -gt 0 ]; then
  echo "$problems include(s) cross the layers the wrong way" >&2
  exit 1
fi
echo "checked $checked files in ${#layers[@]} layers: every include points down"
