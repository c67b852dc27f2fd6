// The `cuda` engine: the windowed algorithm of gpu_window.hpp with its pending events, tables
// and kernels on the GPU. Every CUDA call is checked; failures throw RunError naming the call,
// the place and CUDA's error name.
#include <cuda_runtime.h>

#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>
#include <string>

#include "archlab/engine.hpp"
#include "archlab/errors.hpp"
#include "gpu_window.hpp"

namespace archlab {
namespace {

void check_cuda(cudaError_t status, const char* call, const char* file, int line) {
  if (status == cudaSuccess) return;
  throw RunError(std::string("CUDA call ") + call + " failed at " + file + ":" + std::to_string(line) + ": " +
                 cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
}
#define ARCHLAB_CUDA_CHECK(call) check_cuda((call), #call, __FILE__, __LINE__)

template <class Kernel>
__global__ void for_each_kernel(Kernel kernel, std::uint32_t n) {
  const std::uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) kernel(i);
}

struct SeqKey {
  const Event* events;
  const std::uint32_t* index;
  unsigned long long* key;
  __device__ void operator()(std::uint32_t i) const { key[i] = events[index[i]].seq; }
};
struct TimeKey {
  const Event* events;
  const std::uint32_t* index;
  unsigned long long* key;
  __device__ void operator()(std::uint32_t i) const { key[i] = events[index[i]].time; }
};
struct SrcKey {
  const Event* events;
  const std::uint32_t* index;
  std::uint32_t* key;
  __device__ void operator()(std::uint32_t i) const { key[i] = events[index[i]].src; }
};
struct TargetKey {
  const Event* events;
  const std::uint32_t* index;
  std::uint32_t* key;
  __device__ void operator()(std::uint32_t i) const { key[i] = events[index[i]].target; }
};
struct Iota {
  std::uint32_t* index;
  __device__ void operator()(std::uint32_t i) const { index[i] = i; }
};
struct Gather {
  const Event* in;
  const std::uint32_t* index;
  Event* out;
  __device__ void operator()(std::uint32_t i) const { out[i] = in[index[i]]; }
};

class CudaStream {
 public:
  CudaStream() { ARCHLAB_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  ~CudaStream() { cudaStreamDestroy(stream_); }
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_{};
};

class CudaBackend {
 public:
  ~CudaBackend() {
    cudaFree(temp_);
    cudaFree(keys64_[0]);
    cudaFree(keys64_[1]);
    cudaFree(keys32_[0]);
    cudaFree(keys32_[1]);
    cudaFree(index_[0]);
    cudaFree(index_[1]);
  }

  template <class T>
  T* alloc(std::size_t n) {
    void* memory = nullptr;
    ARCHLAB_CUDA_CHECK(cudaMalloc(&memory, n * sizeof(T)));
    ARCHLAB_CUDA_CHECK(cudaMemsetAsync(memory, 0, n * sizeof(T), stream_.get()));
    return static_cast<T*>(memory);
  }
  void release(void* memory) {
    cudaStreamSynchronize(stream_.get());
    cudaFree(memory);
  }
  void upload(void* dst, const void* src, std::size_t bytes) {
    ARCHLAB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_.get()));
    ARCHLAB_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));  // the host buffer may go away
  }
  void download(void* dst, const void* src, std::size_t bytes) {
    ARCHLAB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_.get()));
    ARCHLAB_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  }
  void copy(void* dst, const void* src, std::size_t bytes) {
    ARCHLAB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_.get()));
  }
  void fill(void* dst, int byte, std::size_t bytes) {
    ARCHLAB_CUDA_CHECK(cudaMemsetAsync(dst, byte, bytes, stream_.get()));
  }

  template <class Kernel>
  void for_each(std::uint32_t n, const Kernel& kernel) {
    if (n == 0) return;
    constexpr std::uint32_t kBlock = 256;
    for_each_kernel<<<(n + kBlock - 1) / kBlock, kBlock, 0, stream_.get()>>>(kernel, n);
    ARCHLAB_CUDA_CHECK(cudaGetLastError());
  }

  void inclusive_scan(const std::uint32_t* in, std::uint32_t* out, std::uint32_t n) {
    std::size_t bytes = 0;
    ARCHLAB_CUDA_CHECK(cub::DeviceScan::InclusiveSum(nullptr, bytes, in, out, n, stream_.get()));
    ensure_temp(bytes);
    ARCHLAB_CUDA_CHECK(cub::DeviceScan::InclusiveSum(temp_, bytes, in, out, n, stream_.get()));
  }

  /// Stable radix passes from the least significant field: seq, src, time, target.
  void sort_window(const Event* in, Event* out, std::uint32_t n) {
    ensure_sort(n);
    for_each(n, Iota{index_[0]});
    int current = 0;
    auto pass64 = [&](auto make_key) {
      for_each(n, make_key(index_[current], keys64_[0]));
      cub::DoubleBuffer<unsigned long long> keys(keys64_[0], keys64_[1]);
      cub::DoubleBuffer<std::uint32_t> values(index_[current], index_[1 - current]);
      std::size_t bytes = 0;
      ARCHLAB_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, keys, values, n, 0, 64, stream_.get()));
      ensure_temp(bytes);
      ARCHLAB_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp_, bytes, keys, values, n, 0, 64, stream_.get()));
      current = values.Current() == index_[0] ? 0 : 1;
    };
    auto pass32 = [&](auto make_key) {
      for_each(n, make_key(index_[current], keys32_[0]));
      cub::DoubleBuffer<std::uint32_t> keys(keys32_[0], keys32_[1]);
      cub::DoubleBuffer<std::uint32_t> values(index_[current], index_[1 - current]);
      std::size_t bytes = 0;
      ARCHLAB_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, keys, values, n, 0, 32, stream_.get()));
      ensure_temp(bytes);
      ARCHLAB_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp_, bytes, keys, values, n, 0, 32, stream_.get()));
      current = values.Current() == index_[0] ? 0 : 1;
    };
    pass64([&](std::uint32_t* index, unsigned long long* key) { return SeqKey{in, index, key}; });
    pass32([&](std::uint32_t* index, std::uint32_t* key) { return SrcKey{in, index, key}; });
    pass64([&](std::uint32_t* index, unsigned long long* key) { return TimeKey{in, index, key}; });
    pass32([&](std::uint32_t* index, std::uint32_t* key) { return TargetKey{in, index, key}; });
    for_each(n, Gather{in, index_[current], out});
  }

  void run_segments(const ComponentDescriptor& descriptor, const std::string& name, const SegmentBatchArgs* args,
                    std::uint32_t max_segments) {
    if (descriptor.batch_cuda == nullptr) {
      throw ConfigError("plugin '" + name + "' was built without device code; rebuild it with CUDA to use engine 'cuda'");
    }
    descriptor.batch_cuda(args, max_segments, stream_.get());
    ARCHLAB_CUDA_CHECK(cudaGetLastError());
  }

 private:
  void ensure_temp(std::size_t bytes) {
    if (bytes <= temp_bytes_) return;
    cudaStreamSynchronize(stream_.get());
    cudaFree(temp_);
    temp_ = nullptr;
    ARCHLAB_CUDA_CHECK(cudaMalloc(&temp_, bytes));
    temp_bytes_ = bytes;
  }
  void ensure_sort(std::size_t n) {
    if (n <= sort_capacity_) return;
    cudaStreamSynchronize(stream_.get());
    for (int b = 0; b < 2; ++b) {
      cudaFree(keys64_[b]);
      cudaFree(keys32_[b]);
      cudaFree(index_[b]);
      keys64_[b] = nullptr;
      keys32_[b] = nullptr;
      index_[b] = nullptr;
    }
    sort_capacity_ = std::max(n, sort_capacity_ * 2);
    for (int b = 0; b < 2; ++b) {
      ARCHLAB_CUDA_CHECK(cudaMalloc(&keys64_[b], sort_capacity_ * sizeof(unsigned long long)));
      ARCHLAB_CUDA_CHECK(cudaMalloc(&keys32_[b], sort_capacity_ * sizeof(std::uint32_t)));
      ARCHLAB_CUDA_CHECK(cudaMalloc(&index_[b], sort_capacity_ * sizeof(std::uint32_t)));
    }
  }

  CudaStream stream_;
  void* temp_ = nullptr;
  std::size_t temp_bytes_ = 0;
  std::size_t sort_capacity_ = 0;
  unsigned long long* keys64_[2] = {nullptr, nullptr};
  std::uint32_t* keys32_[2] = {nullptr, nullptr};
  std::uint32_t* index_[2] = {nullptr, nullptr};
};

class CudaEngine final : public Engine {
 public:
  std::string_view name() const override { return "cuda"; }
  RunResult run(SystemInstance& system, const EngineOptions& options, RunObserver* observer) override {
    for (const auto& type : system.types()) {
      if (type->descriptor->batch_cuda == nullptr) {
        throw ConfigError("plugin '" + type->name +
                          "' was built without device code; rebuild it with CUDA (archlab_add_plugin(... CUDA)) to "
                          "use engine 'cuda'");
      }
    }
    CudaBackend backend;
    detail::GpuWindowedRun<CudaBackend> run(backend, system, options, observer);
    return run.run();
  }
};

}  // namespace

bool cuda_device_available() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

std::unique_ptr<Engine> make_cuda_engine() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    throw ConfigError(std::string("engine 'cuda' needs a CUDA device, and none can be used here (") +
                      (status != cudaSuccess ? cudaGetErrorName(status) : "no device") +
                      "); use engine = \"windowed\" or \"auto\"");
  }
  return std::make_unique<CudaEngine>();
}

}  // namespace archlab
