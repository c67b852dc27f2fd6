// The analytical fidelity: an estimate of a run without the event engine.
//
// A workload plugin may export, besides `archlab_plugin`, an optional host hook
//     extern "C" bool archlab_estimate(const archlab::EstimateSystem*, archlab::EstimateOut*);
// (ARCHLAB_REGISTER_ESTIMATE(function) writes it). Given the configured system (one replica:
// every component's filled Params and data block, every link), it computes what its run would
// give from the units' closed forms and the bandwidths on the path, with no events, and reports
// it: one row per operator (or step of its own), totals, and text for `archlab estimate` to
// print. workload.dnn has one (workloads/dnn/dnn_estimate.cpp). The hook is looked up apart from
// the descriptor, so a plugin without it loads as before: it adds no ABI version.
//
// Everything here is plain data with function pointers (like component_data.hpp), so the
// framework and a plugin agree on it without sharing a C++ library. The framework side
// (estimate(), below the hook types) needs the configuration layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "archlab/component.hpp"

namespace archlab {

/// One component entry of the estimated replica.
struct EstimateComponent {
  const char* name;
  const char* type; ///< plugin name, "compute.systolic"
  std::uint32_t count;
  const ComponentDescriptor* descriptor; ///< its schema (params[] gives names and offsets)
  const void* params;                    ///< the filled Params
  const std::byte* data;                 ///< its read-only data block (component_data.hpp)
};

inline constexpr std::uint32_t kEstimateNoIndex = 0xffffffffu;

/// One side of a link: `component` indexes EstimateSystem::components.
struct EstimateEndpoint {
  std::uint32_t component;
  bool all;     ///< [*]: every instance
  bool indexed; ///< [i]
  std::uint32_t index;
  const char* port;
};

struct EstimateLink {
  EstimateEndpoint from, to;
  Tick latency;
};

/// What a hook sees: the replica's components and links, and which component it estimates.
struct EstimateSystem {
  const EstimateComponent* components;
  std::uint32_t ncomponents;
  const EstimateLink* links;
  std::uint32_t nlinks;
  std::uint32_t self;
};

/// One operator (or step) of an estimate. Times in ps from the start of the run.
struct EstimateRow {
  char name[64];
  char op[16];
  char unit[8];
  Tick start, latency;
  Tick compute, memory, interconnect; ///< the parts whose maximum is `latency`
  std::uint64_t macs, bytes, tiles;
  double energy; ///< pJ
};

/// What a hook fills in. add_row/add_text are the framework's; the rest is the hook's to set.
struct EstimateOut {
  void* owner;
  void (*add_row)(void* owner, const EstimateRow* row);
  void (*add_text)(void* owner, const char* text);
  char model[64];
  Tick latency;        ///< ps
  std::uint64_t macs;  ///< multiply-accumulates
  std::uint64_t bytes; ///< memory bytes read and written
  double energy;       ///< pJ: what the units and memories would report for its requests
  double area_mm2;     ///< of the units it drives
  char error[1024];    ///< set with fail() when the system is one the hook cannot estimate

  bool fail(std::string_view message) {
    const std::size_t n = message.size() < sizeof(error) - 1 ? message.size() : sizeof(error) - 1;
    std::memcpy(error, message.data(), n);
    error[n] = '\0';
    return false;
  }
};

using EstimateHook = bool (*)(const EstimateSystem*, EstimateOut*);

/// A component's parameter by its declared name, read from the filled Params through its schema;
/// `fallback` when the component declares no such parameter. T is the stored type (ParamStorage).
template <class T> T estimate_param(const EstimateComponent& c, std::string_view name, T fallback) {
  for (std::uint32_t i = 0; i < c.descriptor->nparams; ++i) {
    const ParamSpec& spec = c.descriptor->params[i];
    if (name == spec.name) {
      T value;
      std::memcpy(&value, static_cast<const std::byte*>(c.params) + spec.offset, sizeof(T));
      return value;
    }
  }
  return fallback;
}

} // namespace archlab

/// Export `function` (bool(const EstimateSystem*, EstimateOut*)) as this plugin's estimate hook.
#define ARCHLAB_REGISTER_ESTIMATE(function)                                                                            \
  extern "C" __attribute__((visibility("default"))) bool archlab_estimate(const ::archlab::EstimateSystem* system,     \
                                                                          ::archlab::EstimateOut* out) {               \
    return function(system, out);                                                                                      \
  }
