// The tuner API: an ask/tell object behind a C ABI, so that a tuner is a plugin like a component.
//
// A tuner type is a class with
//   - `static constexpr const char* kName` ("random"), `static constexpr TunerObjectives
//     kObjectives` (what its proposals follow; a study prints it before it starts) and
//     `struct Params` (trivially copyable,
//     filled from the experiment's [tune.params] through `params[]`, the same ParamSpec schema
//     components use);
//   - a constructor `Type(const Params&, const TunerSetup&)`;
//   - `std::uint32_t ask(std::uint32_t n, double* points)`: up to n design points, each
//     `setup.space.ndims` values, written one after the other; returns how many it wrote
//     (0: the tuner has nothing left to propose, e.g. a grid that is done);
//   - `void tell(std::span<const TunerTrial> trials)`: results of points it asked for;
//   - `std::vector<std::byte> save() const` and `static std::unique_ptr<Type> restore(const Params&,
//     const TunerSetup&, std::span<const std::byte>)` (nullptr when the bytes are not its own).
// `ARCHLAB_REGISTER_TUNER(Type, "version", "one line")` turns it into a plugin. See
// tuners/random/random.cpp for a complete example.
//
// Design points are plain doubles: an integer dimension holds an integral value, a float
// dimension the value, a choice dimension the index of the choice. Objectives reach the tuner
// oriented for minimization (the framework negates the ones to maximize), the primary objective
// first (the experiment's `[tune] primary`, else the first one it writes); constraint values are
// feasible when <= 0 (value minus limit).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <vector>

#include "archlab/component.hpp"
#include "archlab/rng.hpp"

namespace archlab {

/// Bumped whenever a struct in this header changes layout or meaning.
/// 2: TunerDescriptor::objectives (what the tuner optimises).
inline constexpr std::uint32_t kTunerAbiVersion = 2;

/// Which objectives a tuner's proposals follow.
enum class TunerObjectives : std::uint32_t {
  None,     ///< none: it explores the space without looking at results (random, grid)
  Primary,  ///< objective 0 alone, the study's primary objective (anneal, genetic)
  All,      ///< every objective: a Pareto front (nsga2; bayes through ParEGO)
};

enum class DimensionKind : std::uint32_t {
  Int,     ///< integers in [low, high], on the grid low + k * step
  Float,   ///< reals in [low, high]; with step > 0 on the grid low + k * step
  Choice,  ///< an index into `choices`
};

/// One dimension of a search space.
struct SpaceDimension {
  const char* name;  ///< the parameter path: "system.components.sa.rows"
  DimensionKind kind;
  double low;        ///< Int/Float: inclusive bounds
  double high;
  double step;       ///< Int: >= 1; Float: 0 for continuous
  std::uint32_t log_scale;  ///< nonzero: sample uniformly in log(value) (low > 0)
  std::uint32_t nchoices;   ///< Choice: how many
  const char* const* choices;  ///< Choice: their labels as written in the experiment file
};

/// The search space a tuner explores. `admissible` says whether a point satisfies the space's
/// conditions ("rows * cols <= 16384"); tuners should propose admissible points only (the
/// framework checks again and does not run the others).
struct TunerSpace {
  const SpaceDimension* dims;
  std::uint32_t ndims;
  bool (*admissible)(const void* user, const double* point);  ///< null: no conditions
  const void* user;
};

/// What a tuner is created with.
struct TunerSetup {
  TunerSpace space;
  std::uint32_t nobjectives;
  std::uint32_t nconstraints;
  std::uint64_t seed;
  std::uint64_t budget;  ///< trials the study will run in all
};

/// One finished trial, as told to the tuner.
struct TunerTrial {
  std::uint64_t trial;       ///< the trial number in the study
  const double* point;       ///< space.ndims values
  const double* objectives;  ///< nobjectives, to minimize; NaN when failed
  const double* constraints; ///< nconstraints, feasible when <= 0; NaN when failed
  std::uint32_t failed;      ///< nonzero: the design point could not be evaluated
  const char* reason;        ///< why it failed ("" when it did not)
};

/// Bytes a tuner hands back from `save` (allocated by the plugin, freed by `free_bytes`).
struct TunerBytes {
  std::byte* data;
  std::uint64_t size;
};

/// The C ABI of a tuner plugin; PluginDescriptor::tuner points to one.
struct TunerDescriptor {
  std::uint32_t abi_version;  ///< kTunerAbiVersion
  std::uint32_t descriptor_size;
  const ParamSpec* params;
  std::uint32_t nparams;
  std::uint32_t params_size;
  TunerObjectives objectives;
  /// Null when the parameters or the setup are unusable: `error` (a buffer of `error_size`)
  /// then says why.
  void* (*create)(const void* params, const TunerSetup* setup, char* error, std::uint32_t error_size);
  std::uint32_t (*ask)(void* handle, std::uint32_t n, double* points);
  void (*tell)(void* handle, const TunerTrial* trials, std::uint32_t count);
  TunerBytes (*save)(const void* handle);
  void (*free_bytes)(TunerBytes bytes);
  /// Null when the bytes are not a state of this tuner for these parameters and setup.
  void* (*restore)(const void* params, const TunerSetup* setup, const std::byte* data, std::uint64_t size);
  void (*destroy)(void* handle);
};

// ---------------------------------------------------------------------------------------------
// Helpers for tuner authors (header-only, no framework library needed)
// ---------------------------------------------------------------------------------------------

namespace tuning {

/// A counter-based random stream for a tuner: the same (seed, stream) gives the same numbers,
/// and the state is one counter, trivial to save.
class Random {
 public:
  Random(std::uint64_t seed, std::uint32_t stream, std::uint64_t counter = 0)
      : seed_(seed), stream_(stream), counter_(counter) {}
  std::uint64_t bits() { return random_bits(seed_, stream_, counter_++); }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : bits() % n; }
  std::uint64_t counter() const { return counter_; }

 private:
  std::uint64_t seed_;
  std::uint32_t stream_;
  std::uint64_t counter_;
};

/// Values of an Int or stepped Float dimension: low + k * step for k in [0, count).
inline std::uint64_t grid_count(const SpaceDimension& d) {
  if (d.kind == DimensionKind::Choice) return d.nchoices;
  if (d.step <= 0) return 0;  // continuous
  return static_cast<std::uint64_t>(std::floor((d.high - d.low) / d.step + 1e-9)) + 1;
}
inline double grid_value(const SpaceDimension& d, std::uint64_t k) {
  if (d.kind == DimensionKind::Choice) return static_cast<double>(k);
  // low + k * step may land a rounding error above high (0.6 + 6 * 0.1 > 1.2): keep it inside.
  return std::fmin(d.low + static_cast<double>(k) * d.step, d.high);
}

/// Snap a value into the dimension: clamp to the bounds, round to the step (Int: integers).
inline double snap(const SpaceDimension& d, double value) {
  if (d.kind == DimensionKind::Choice) {
    const double top = d.nchoices == 0 ? 0.0 : static_cast<double>(d.nchoices - 1);
    return std::fmin(std::fmax(std::round(value), 0.0), top);
  }
  value = std::fmin(std::fmax(value, d.low), d.high);
  if (d.step > 0) {
    const double last = static_cast<double>(grid_count(d) - 1);
    const double k = std::fmin(std::fmax(std::round((value - d.low) / d.step), 0.0), last);
    value = grid_value(d, static_cast<std::uint64_t>(k));
  }
  return value;
}

/// A value drawn at random from the dimension, from a uniform u in [0, 1): uniform in value, or
/// in log(value) for a log-scale dimension, then snapped to the step.
inline double sample(const SpaceDimension& d, double u) {
  if (d.kind == DimensionKind::Choice) {
    return static_cast<double>(static_cast<std::uint64_t>(u * d.nchoices) % (d.nchoices == 0 ? 1 : d.nchoices));
  }
  if (d.step > 0 && d.log_scale == 0) {
    const std::uint64_t count = grid_count(d);
    return grid_value(d, static_cast<std::uint64_t>(u * static_cast<double>(count)) % count);
  }
  double value;
  if (d.log_scale != 0) {
    // Snapping a log-uniform draw to a step keeps the end points' share: widen by half a step.
    const double half = d.step > 0 ? d.step / 2 : 0.0;
    const double lo = std::log(std::fmax(d.low - half, d.low / 2));
    const double hi = std::log(d.high + half);
    value = std::exp(lo + u * (hi - lo));
  } else {
    value = d.low + u * (d.high - d.low);
  }
  return snap(d, value);
}

inline bool admissible(const TunerSpace& space, const double* point) {
  return space.admissible == nullptr || space.admissible(space.user, point);
}

/// Appends plain data to a byte buffer and reads it back (for save/restore).
class ByteWriter {
 public:
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
  }
  template <class T>
  void put_vector(const std::vector<T>& values) {
    put(static_cast<std::uint64_t>(values.size()));
    for (const T& value : values) put(value);
  }
  std::vector<std::byte> take() { return std::move(bytes_); }

 private:
  std::vector<std::byte> bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  template <class T>
  bool get(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (bytes_.size() - offset_ < sizeof(T)) return false;
    std::memcpy(&value, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    return true;
  }
  template <class T>
  bool get_vector(std::vector<T>& values) {
    std::uint64_t size = 0;
    if (!get(size) || size > (bytes_.size() - offset_) / (sizeof(T) == 0 ? 1 : sizeof(T))) return false;
    values.resize(size);
    for (T& value : values) {
      if (!get(value)) return false;
    }
    return true;
  }
  bool done() const { return offset_ == bytes_.size(); }

 private:
  std::span<const std::byte> bytes_;
  std::size_t offset_ = 0;
};

}  // namespace tuning

namespace detail {

template <class T>
void* tuner_create(const void* params, const TunerSetup* setup, char* error, std::uint32_t error_size) {
  try {
    return new T(*static_cast<const typename T::Params*>(params), *setup);
  } catch (const std::exception& e) {
    if (error_size > 0) {
      std::strncpy(error, e.what(), error_size - 1);
      error[error_size - 1] = '\0';
    }
    return nullptr;
  }
}
template <class T>
std::uint32_t tuner_ask(void* handle, std::uint32_t n, double* points) {
  return static_cast<T*>(handle)->ask(n, points);
}
template <class T>
void tuner_tell(void* handle, const TunerTrial* trials, std::uint32_t count) {
  static_cast<T*>(handle)->tell(std::span<const TunerTrial>(trials, count));
}
template <class T>
TunerBytes tuner_save(const void* handle) {
  const std::vector<std::byte> bytes = static_cast<const T*>(handle)->save();
  auto* data = new std::byte[bytes.empty() ? 1 : bytes.size()];
  if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  return TunerBytes{data, bytes.size()};
}
inline void tuner_free_bytes(TunerBytes bytes) { delete[] bytes.data; }
template <class T>
void* tuner_restore(const void* params, const TunerSetup* setup, const std::byte* data, std::uint64_t size) {
  try {
    std::unique_ptr<T> tuner = T::restore(*static_cast<const typename T::Params*>(params), *setup,
                                          std::span<const std::byte>(data, size));
    return tuner.release();
  } catch (const std::exception&) {
    return nullptr;
  }
}
template <class T>
void tuner_destroy(void* handle) {
  delete static_cast<T*>(handle);
}

template <class T>
constexpr TunerDescriptor make_tuner_descriptor() {
  static_assert(std::is_trivially_copyable_v<typename T::Params>, "Params must be trivially copyable");
  static_assert(
      requires { TunerObjectives{T::kObjectives}; },
      "a tuner declares `static constexpr TunerObjectives kObjectives` (None, Primary or All): what it optimises");
  return TunerDescriptor{kTunerAbiVersion,
                         sizeof(TunerDescriptor),
                         T::params,
                         static_cast<std::uint32_t>(std::extent_v<decltype(T::params)>),
                         static_cast<std::uint32_t>(sizeof(typename T::Params)),
                         T::kObjectives,
                         &tuner_create<T>,
                         &tuner_ask<T>,
                         &tuner_tell<T>,
                         &tuner_save<T>,
                         &tuner_free_bytes,
                         &tuner_restore<T>,
                         &tuner_destroy<T>};
}

}  // namespace detail
}  // namespace archlab

/// Export tuner type `Type` as this plugin's one tuner; its name is `Type::kName` ("random").
#define ARCHLAB_REGISTER_TUNER(Type, version_text, description_text)                                     \
  namespace {                                                                                             \
  constexpr ::archlab::TunerDescriptor archlab_tuner_descriptor = ::archlab::detail::make_tuner_descriptor<Type>(); \
  constexpr ::archlab::PluginDescriptor archlab_plugin_descriptor{                                        \
      ::archlab::kAbiVersion, sizeof(::archlab::PluginDescriptor), ::archlab::PluginKind::Tuner,          \
      Type::kName,            version_text,                         description_text,                    \
      nullptr,                &archlab_tuner_descriptor};                                                  \
  }                                                                                                       \
  extern "C" __attribute__((visibility("default"))) const ::archlab::PluginDescriptor* archlab_plugin() { \
    return &archlab_plugin_descriptor;                                                                    \
  }
