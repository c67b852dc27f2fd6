// The plugin loader given arbitrary files: the input is written as a .so in a directory of its
// own and loaded through a PluginRegistry over that directory, as `archlab plugins` would. A
// file that is no plugin must end as a load failure with a message, never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "archlab/plugin_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("archlab_fuzz_plugin_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  // A new name each time: the dynamic loader keeps a library of one name mapped once loaded.
  static std::uint64_t counter = 0;
  const auto file = dir / ("input" + std::to_string(counter++) + ".so");
  {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  {
    const archlab::PluginRegistry registry({dir});
    if (registry.plugins().size() + registry.failures().size() != 1) std::abort();
  }
  std::filesystem::remove(file);
  return 0;
}
