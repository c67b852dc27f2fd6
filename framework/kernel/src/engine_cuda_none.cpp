// Builds without CUDA (ARCHLAB_ENABLE_CUDA=OFF): there is no `cuda` engine, and asking for it
// is a clear error rather than a silent fallback.
#include "archlab/engine.hpp"
#include "archlab/errors.hpp"

namespace archlab {

bool cuda_device_available() { return false; }

std::unique_ptr<Engine> make_cuda_engine() {
  throw ConfigError("engine 'cuda' is not in this build of archlab (configured with ARCHLAB_ENABLE_CUDA=OFF); "
                    "use engine = \"windowed\" or \"auto\"");
}

}  // namespace archlab
