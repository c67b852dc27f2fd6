// The GPU engine's algorithm run on the host (gpu_window.hpp with a host backend): every step
// the `cuda` engine takes, with host memory standing in for device memory and loops for
// kernels. Tests compare it with the sequential engine on machines without a GPU; the `cuda`
// engine runs the same code on the device.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "archlab/engine.hpp"
#include "gpu_window.hpp"

namespace archlab {
namespace {

class HostBackend {
 public:
  template <class T>
  T* alloc(std::size_t n) {
    void* memory = std::calloc(n, sizeof(T));
    if (memory == nullptr) throw std::bad_alloc();
    return static_cast<T*>(memory);
  }
  void release(void* memory) { std::free(memory); }
  void upload(void* dst, const void* src, std::size_t bytes) { std::memcpy(dst, src, bytes); }
  void download(void* dst, const void* src, std::size_t bytes) { std::memcpy(dst, src, bytes); }
  void copy(void* dst, const void* src, std::size_t bytes) { std::memmove(dst, src, bytes); }
  void fill(void* dst, int byte, std::size_t bytes) { std::memset(dst, byte, bytes); }

  template <class Kernel>
  void for_each(std::uint32_t n, const Kernel& kernel) {
    for (std::uint32_t i = 0; i < n; ++i) kernel(i);
  }

  void inclusive_scan(const std::uint32_t* in, std::uint32_t* out, std::uint32_t n) {
    std::uint32_t sum = 0;
    for (std::uint32_t i = 0; i < n; ++i) out[i] = sum += in[i];
  }

  void sort_window(const Event* in, Event* out, std::uint32_t n) {
    std::copy(in, in + n, out);
    std::sort(out, out + n, [](const Event& a, const Event& b) {
      return a.target != b.target ? a.target < b.target : event_before(a, b);
    });
  }

  void run_segments(const ComponentDescriptor& descriptor, const std::string&, const SegmentBatchArgs* args,
                    std::uint32_t) {
    descriptor.batch_segments(args);
  }
};

class GpuEmulationEngine final : public Engine {
 public:
  std::string_view name() const override { return "gpu-emulated"; }
  RunResult run(SystemInstance& system, const EngineOptions& options, RunObserver* observer) override {
    HostBackend backend;
    detail::GpuWindowedRun<HostBackend> run(backend, system, options, observer);
    return run.run();
  }
};

}  // namespace

std::unique_ptr<Engine> make_gpu_emulation_engine() { return std::make_unique<GpuEmulationEngine>(); }

}  // namespace archlab
