// The component API: what a plugin author writes, and the plain-data contract between a
// component plugin and the engines.
//
// A component type is a struct with
//   - `Params` and `State`: trivially copyable; Params is filled from TOML through `params[]`;
//   - `params[]`, `ports[]`, `stats[]`: the declared schema, next to the model;
//   - `static ARCHLAB_HD void init(State&, const Params&, Context&)`: runs once at time 0;
//   - `static ARCHLAB_HD void handle(State&, const Params&, const Event&, Context&)`;
//   - optionally `static const char* validate(const Params&)` for checks across parameters
//     (returns nullptr when fine, else a message), and `kMaxSendsPerEvent` (default 16);
//   - optionally `static bool prepare(Params&, DataBuilder&)`: host code run once per component
//     entry when the configuration loads, which may read files (ParamType::Path) and leave
//     read-only data for the handlers (Context::data); see archlab/component_data.hpp;
//   - optionally `tables[]` and `static void report(const State&, const Params&, const
//     std::byte* data, Report&)`: rows of declared tables, written to the HDF5 file under
//     /workload/<name>/ after the run, and text for `archlab run` to print;
//   - optionally `histograms[]` (fixed bins, filled with archlab::histogram_add<Type, H>) and
//     `derived[]` (a statistic divided by another, per instance: mean latency, hit rate);
//   - optionally `static void check_links(const Params&, LinkCheck&)`: host code run when the
//     system is built, which reads the parameters of the components on its links and may refuse
//     the configuration naming one of them (archlab/link_check.hpp);
//   - optionally `stop_reasons[]` (`static constexpr const char* stop_reasons[]`): why a handler
//     may end the run (Context::stop(k) stops it with stop_reasons[k]);
//   - optionally `kinds[]` (KindSpec: kind, name): names of its own event kinds for traces;
//   - optionally `static std::uint64_t state_tail_bytes(const Params&)`: host code run when the
//     system is built (after prepare()), the bytes of per-instance state that follow State (a
//     table sized by the model); handlers reach them with archlab::state_tail<T>(state).
// `ARCHLAB_REGISTER_COMPONENT(Type, kind, "version", "one line")` turns it into a plugin.
// See workloads/phold/phold.cpp for a complete example.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "archlab/component_data.hpp"
#include "archlab/event.hpp"
#include "archlab/link_check.hpp"
#include "archlab/rng.hpp"

namespace archlab {

/// Bumped whenever any struct in this header changes layout or meaning.
#ifdef ARCHLAB_ABI_VERSION_OVERRIDE
inline constexpr std::uint32_t kAbiVersion = ARCHLAB_ABI_VERSION_OVERRIDE;
#else
// 3: ComponentDescriptor::histograms and ::derived.
// 4: ComponentDescriptor::check_links, ::stop_reasons and ::kinds, HandlerError::Stopped,
//    BatchArgs::first_seq.
// 5: ComponentDescriptor::state_tail_bytes; TypeRuntime::state_size is the stride between
//    instances' states (State and the largest tail of the type's groups), no longer sizeof(State).
inline constexpr std::uint32_t kAbiVersion = 5;
#endif

// ---------------------------------------------------------------------------------------------
// Declared schema
// ---------------------------------------------------------------------------------------------

/// How a parameter is written in TOML and stored in Params.
enum class ParamType : std::uint32_t {
  Int,        ///< integer, stored as std::int64_t
  UInt,       ///< non-negative integer, std::uint64_t
  Float,      ///< number without unit, double
  Bool,       ///< true/false, bool
  Time,       ///< "2 ns", stored as Tick (picoseconds)
  Frequency,  ///< "1.5 GHz", stored as double hertz
  Size,       ///< "64 KiB", stored as std::uint64_t bytes
  Bandwidth,  ///< "256 GB/s", stored as double bytes per second
  Choice,     ///< one of `choices` ("a|b|c"), stored as std::uint32_t index
  Path,       ///< a file name (TOML string), resolved against the directory of the file that wrote
              ///< it and checked to exist; stored as a DataRef to the absolute path, a
              ///< NUL-terminated string in the component's data (DataBuilder::text reads it)
};

/// A range of a component entry's read-only data (see component_data.hpp): `offset` bytes from
/// the start of the entry's data block, `size` bytes long.
struct DataRef {
  std::uint64_t offset;
  std::uint64_t size;
};

inline DataRef DataBuilder::append(const void* bytes, std::uint64_t size, std::uint64_t align) {
  const std::uint64_t offset = grow(owner, size, align);
  if (size > 0) std::memcpy(base(owner) + offset, bytes, size);
  return DataRef{offset, size};
}
template <class T>
DataRef DataBuilder::append_array(const T* items, std::uint64_t count) {
  static_assert(std::is_trivially_copyable_v<T>, "data blocks hold plain data");
  return append(items, count * sizeof(T), alignof(T) < 16 ? 16 : alignof(T));
}
inline const char* DataBuilder::text(DataRef ref) const {
  return reinterpret_cast<const char*>(base(owner) + ref.offset);
}
template <class T>
const T* DataBuilder::at(DataRef ref) const {
  return reinterpret_cast<const T*>(base(owner) + ref.offset);
}
template <class T>
const T* data_at(const std::byte* block, DataRef ref) {
  return reinterpret_cast<const T*>(block + ref.offset);
}

struct ParamSpec {
  const char* name;
  ParamType type;
  std::uint32_t offset;      ///< byte offset in Params
  const char* default_text;  ///< default as written in TOML, quotes optional for units and choices ("16", "0.1 ns", "fifo"); nullptr: required
  const char* doc;
  const char* choices;  ///< Choice only: "a|b|c"
  double min_value;     ///< inclusive bounds in stored units; min > max means unbounded
  double max_value;
};

enum class PortDirection : std::uint32_t { In, Out };

struct PortSpec {
  const char* name;
  PortDirection direction;
  const char* doc;
};


struct StatSpec {
  const char* name;
  const char* unit;  ///< "events", "ps", "bytes", "pJ", ...
  const char* doc;
};

/// A histogram of a value (a latency, a size): `bins` equal bins over [low, high), plus an
/// underflow bin (< low) and an overflow bin (>= high, and NaN). Each bin is a statistic of its
/// own, summed like any other, so every engine fills it identically; the HDF5 file names bin k
/// "<name>[<lower edge>,<upper edge>)".
struct HistogramSpec {
  const char* name;
  const char* unit;  ///< of the value ("ps"), not of the counts
  const char* doc;
  double low;
  double high;
  std::uint32_t bins;
};

/// A statistic computed from two declared ones when sampled: numerator / denominator per
/// instance (NaN while the denominator is 0). Over several instances, tools divide the sums.
struct DerivedStatSpec {
  const char* name;
  const char* unit;
  const char* doc;
  const char* numerator;    ///< a declared statistic's name
  const char* denominator;  ///< a declared statistic's name
};

template <ParamType T>
struct ParamStorage;
template <> struct ParamStorage<ParamType::Int> { using type = std::int64_t; };
template <> struct ParamStorage<ParamType::UInt> { using type = std::uint64_t; };
template <> struct ParamStorage<ParamType::Float> { using type = double; };
template <> struct ParamStorage<ParamType::Bool> { using type = bool; };
template <> struct ParamStorage<ParamType::Time> { using type = Tick; };
template <> struct ParamStorage<ParamType::Frequency> { using type = double; };
template <> struct ParamStorage<ParamType::Size> { using type = std::uint64_t; };
template <> struct ParamStorage<ParamType::Bandwidth> { using type = double; };
template <> struct ParamStorage<ParamType::Choice> { using type = std::uint32_t; };
template <> struct ParamStorage<ParamType::Path> { using type = DataRef; };

template <ParamType T, class Member>
constexpr ParamSpec make_param(const char* name, std::size_t offset, const char* default_text, const char* doc,
                               double min_value = 1.0, double max_value = 0.0, const char* choices = nullptr) {
  static_assert(std::is_same_v<Member, typename ParamStorage<T>::type>,
                "the Params member's C++ type does not match the declared ParamType");
  return ParamSpec{name, T, static_cast<std::uint32_t>(offset), default_text, doc, choices, min_value, max_value};
}

/// One entry of `params[]`: ARCHLAB_PARAM(Params, member, UInt, "16", "what it means").
/// Pass nullptr as the default to make the parameter required.
#define ARCHLAB_PARAM(Struct, member, type, default_text, doc)                                                   \
  ::archlab::make_param<::archlab::ParamType::type, decltype(Struct::member)>(#member, offsetof(Struct, member), \
                                                                             default_text, doc)
/// A numeric parameter with inclusive bounds, in stored units (picoseconds, bytes, hertz, ...).
#define ARCHLAB_PARAM_RANGE(Struct, member, type, default_text, doc, lo, hi)                                     \
  ::archlab::make_param<::archlab::ParamType::type, decltype(Struct::member)>(#member, offsetof(Struct, member), \
                                                                             default_text, doc, lo, hi)
/// A choice among names: ARCHLAB_PARAM_CHOICE(Params, policy, "fifo|lru", "fifo", "doc").
#define ARCHLAB_PARAM_CHOICE(Struct, member, choices, default_text, doc)                                            \
  ::archlab::make_param<::archlab::ParamType::Choice, decltype(Struct::member)>(#member, offsetof(Struct, member), \
                                                                               default_text, doc, 1.0, 0.0, choices)

// ---------------------------------------------------------------------------------------------
// Runtime tables shared by the engine and a plugin's batch entry (plain data, host or device)
// ---------------------------------------------------------------------------------------------

inline constexpr std::uint32_t kNoLink = ~std::uint32_t{0};
inline constexpr std::uint32_t kNoIndex = ~std::uint32_t{0};
/// The port of events a component schedules for itself.
inline constexpr PortId kSelfPort = 0xffff;

/// A link from one output port to a range of receivers: `to = "lp[*].in"` is one entry.
struct LinkEntry {
  ComponentId dst_base;    ///< global id of the first receiver
  std::uint32_t dst_count; ///< receivers reachable through this link; the sender picks one by index
  Tick latency;            ///< at least one tick
  PortId dst_port;
  std::uint16_t reserved16;
  std::uint32_t reserved32;
};

/// The counters an engine keeps for each instance, side by side (one cache line touched).
struct InstanceCounters {
  std::uint64_t send_seq;  ///< events sent so far: the order key of the next one
  std::uint64_t rng_ctr;   ///< random draws so far
};

/// The links of one output port, in the order the configuration wrote them.
struct PortRoute {
  std::uint32_t first;  ///< into TypeRuntime::route_links
  std::uint32_t count;
};

/// Everything the engine keeps for the instances of one component type.
struct TypeRuntime {
  ComponentId base;              ///< global id of local instance 0; instances are contiguous
  std::uint32_t count;
  void* states;                  ///< count * state_size bytes
  /// Bytes from one instance's state to the next: sizeof(State) plus the largest state tail of the
  /// type's groups (state_tail_bytes), rounded up to alignof(State). Index states with it.
  std::uint32_t state_size;
  std::uint32_t params_size;
  const void* params;            ///< one Params per group (a TOML component entry or replica)
  const std::uint32_t* group_of; ///< [count] group of each instance
  const std::uint32_t* group_first; ///< [groups] first local index of each group
  const std::uint32_t* group_stream; ///< [groups] random stream of the group's first instance
  const std::uint32_t* port_routes; ///< [count * nports] index into routes, or kNoLink
  std::uint32_t nports;
  std::uint32_t nstats;
  const PortRoute* routes;          ///< shared by every type
  const std::uint32_t* route_links; ///< a route's links: route_links[first .. first + count)
  const LinkEntry* links;
  InstanceCounters* counters;    ///< [count]
  double* stats;                 ///< [count * nstats]
  std::uint64_t seed;
  const std::byte* data;           ///< read-only data of every group, one block after another
  const std::uint64_t* group_data; ///< [groups] offset of each group's block in `data`
};

/// Why a handler's call was cut short. Handlers cannot throw; the engine reports these.
/// Stopped: the handler called Context::stop (EventSink::error_port then holds the reason's index).
enum class HandlerError : std::uint32_t { None, UnconnectedPort, IndexOutOfRange, OutputOverflow, Stopped };

/// Where a handler's events go: a fixed buffer (batch entries, device) or a host callback (init).
struct EventSink {
  Event* out;
  std::uint32_t capacity;
  std::uint32_t count;
  void (*emit)(void* user, const Event& event);  ///< host only; used when non-null
  void* user;
  HandlerError error;
  ComponentId error_component;
  PortId error_port;
};

/// One call of a plugin's CPU batch entry: handle `events` (all of this type, in order)
/// until done, until the sink is nearly full, or until a handler produced an event earlier
/// than `horizon` (the engine must merge it before going on). `consumed` says how far it got.
struct BatchArgs {
  const TypeRuntime* rt;
  const Event* events;
  std::uint32_t count;
  std::uint32_t consumed;
  Tick horizon;
  EventSink* sink;
  /// [count] or null: when tracing, each handled event's target send counter before handling
  /// (TraceRecord::first_seq).
  std::uint64_t* first_seq;
};

/// Run init() of local instances [first, last).
struct InitArgs {
  const TypeRuntime* rt;
  std::uint32_t first;
  std::uint32_t last;
  EventSink* sink;
};

// ---------------------------------------------------------------------------------------------
// Context: what a handler may do
// ---------------------------------------------------------------------------------------------

class Context {
 public:
  ARCHLAB_HD Context(const TypeRuntime& rt, EventSink& sink) : rt_(rt), sink_(sink) {}

  ARCHLAB_HD void bind(Tick now, std::uint32_t local) {
    now_ = now;
    local_ = local;
  }

  /// Current simulated time.
  ARCHLAB_HD Tick now() const { return now_; }
  /// This component's global id.
  ARCHLAB_HD ComponentId self() const { return rt_.base + local_; }
  /// This component's index in its array (`lp[7]` is 7).
  ARCHLAB_HD std::uint32_t index() const { return local_ - rt_.group_first[rt_.group_of[local_]]; }
  /// How many receivers `port` reaches over all its links (0 when unconnected).
  ARCHLAB_HD std::uint32_t fanout(PortId port) const {
    const PortRoute* route = port_route(port);
    if (route == nullptr) return 0;
    std::uint32_t total = 0;
    for (std::uint32_t k = 0; k < route->count; ++k) total += link(route, k).dst_count;
    return total;
  }
  /// Latency of `port`'s first link (0 when unconnected).
  ARCHLAB_HD Tick latency(PortId port) const {
    const PortRoute* route = port_route(port);
    return route == nullptr ? 0 : link(route, 0).latency;
  }

  /// Which receiver of `port` component `id` is (for replying to a request's sender through an
  /// array link); kNoIndex when `id` is not among them.
  ARCHLAB_HD std::uint32_t index_of(PortId port, ComponentId id) const {
    const PortRoute* route = port_route(port);
    if (route == nullptr) return kNoIndex;
    std::uint32_t offset = 0;
    for (std::uint32_t k = 0; k < route->count; ++k) {
      const LinkEntry& entry = link(route, k);
      if (id - entry.dst_base < entry.dst_count) return offset + (id - entry.dst_base);
      offset += entry.dst_count;
    }
    return kNoIndex;
  }

  /// Send an event out of `port` to its receiver `index` (a port's links number their receivers
  /// one after the other, in the order the links are written); it arrives after that link's
  /// latency plus `extra_delay`. `route` is for interconnects (protocol.hpp).
  ARCHLAB_HD void send(PortId port, Tick extra_delay, std::uint16_t kind, const Payload& payload,
                       std::uint32_t index = 0, std::uint32_t route = 0) {
    const PortRoute* links = port_route(port);
    if (links == nullptr) return fail(HandlerError::UnconnectedPort, port);
    for (std::uint32_t k = 0; k < links->count; ++k) {
      const LinkEntry& entry = link(links, k);
      if (index < entry.dst_count) {
        return emit(now_ + entry.latency + extra_delay, entry.dst_base + index, entry.dst_port, kind, payload, route);
      }
      index -= entry.dst_count;
    }
    fail(HandlerError::IndexOutOfRange, port);
  }

  /// Schedule an event for this component itself (arrives on kSelfPort), `delay` may be 0.
  ARCHLAB_HD void schedule_self(Tick delay, std::uint16_t kind, const Payload& payload) {
    emit(now_ + delay, self(), kSelfPort, kind, payload, 0);
  }

  /// 64 fresh random bits from this component's stream.
  ARCHLAB_HD std::uint64_t rng() { return random_bits(rt_.seed, stream(), rt_.counters[local_].rng_ctr++); }
  /// 128 fresh random bits (four 32-bit words) for the price of one draw.
  ARCHLAB_HD Philox4x32 rng4() { return random_block(rt_.seed, stream(), rt_.counters[local_].rng_ctr++); }

  /// This component entry's read-only data (ParamType::Path values, what prepare() left), as T.
  template <class T>
  ARCHLAB_HD const T* data(DataRef ref) const {
    return reinterpret_cast<const T*>(rt_.data + rt_.group_data[rt_.group_of[local_]] + ref.offset);
  }

  /// Add to one of this component's declared statistics.
  ARCHLAB_HD void stat_add(std::uint32_t stat, double value) { rt_.stats[local_ * rt_.nstats + stat] += value; }

  /// Ends the run as failed, for the reason stop_reasons[reason] of this component's type (a
  /// configuration the model cannot run, found only once it runs): the engine stops at the end
  /// of the window and reports "<component>: <reason>" (exit status 1; a failed trial in a
  /// study). Events this handler sends after stopping are dropped with the rest of the run.
  ARCHLAB_HD void stop(std::uint16_t reason) { fail(HandlerError::Stopped, reason); }

 private:
  /// The component's random stream: its rank within its replica, so that a design point in an
  /// ensemble draws exactly the numbers it would draw alone.
  ARCHLAB_HD std::uint32_t stream() const {
    const std::uint32_t group = rt_.group_of[local_];
    return rt_.group_stream[group] + (local_ - rt_.group_first[group]);
  }

  ARCHLAB_HD const PortRoute* port_route(PortId port) const {
    if (port >= rt_.nports) return nullptr;
    const std::uint32_t route = rt_.port_routes[local_ * rt_.nports + port];
    return route == kNoLink ? nullptr : &rt_.routes[route];
  }
  ARCHLAB_HD const LinkEntry& link(const PortRoute* route, std::uint32_t k) const {
    return rt_.links[rt_.route_links[route->first + k]];
  }

  ARCHLAB_HD void fail(HandlerError error, PortId port) {
    if (sink_.error == HandlerError::None) {
      sink_.error = error;
      sink_.error_component = self();
      sink_.error_port = port;
    }
  }

  ARCHLAB_HD void emit(Tick time, ComponentId target, PortId port, std::uint16_t kind, const Payload& payload,
                       std::uint32_t route) {
    Event event;
    event.time = time;
    event.seq = rt_.counters[local_].send_seq++;
    event.src = self();
    event.target = target;
    event.port = port;
    event.kind = kind;
    event.route = route;
    event.payload = payload;
#if !defined(__CUDA_ARCH__)
    if (sink_.emit != nullptr) {
      sink_.emit(sink_.user, event);
      return;
    }
#endif
    if (sink_.count >= sink_.capacity) return fail(HandlerError::OutputOverflow, port);
    sink_.out[sink_.count++] = event;
  }

  const TypeRuntime& rt_;
  EventSink& sink_;
  Tick now_ = 0;
  std::uint32_t local_ = 0;
};

/// The per-instance table after a component's State: `state_tail_bytes(params)` bytes (as many
/// Items as the type asked for), zeroed before init() like the rest of the state. Host and
/// device. Declare `static std::uint64_t state_tail_bytes(const Params&)` in the component.
template <class Item, class State>
ARCHLAB_HD Item* state_tail(State& state) {
  static_assert(std::is_trivially_copyable_v<Item>, "a state tail holds plain data");
  static_assert(alignof(Item) <= alignof(State),
                "a state tail starts right after State: its items may not need more alignment than State");
  return reinterpret_cast<Item*>(reinterpret_cast<std::byte*>(&state) + sizeof(State));
}
template <class Item, class State>
ARCHLAB_HD const Item* state_tail(const State& state) {
  static_assert(std::is_trivially_copyable_v<Item>, "a state tail holds plain data");
  static_assert(alignof(Item) <= alignof(State),
                "a state tail starts right after State: its items may not need more alignment than State");
  return reinterpret_cast<const Item*>(reinterpret_cast<const std::byte*>(&state) + sizeof(State));
}

namespace detail {

template <class T>
concept HasValidate = requires(const typename T::Params& p) {
  { T::validate(p) } -> std::convertible_to<const char*>;
};
template <class T>
concept HasMaxSends = requires { T::kMaxSendsPerEvent; };
template <class T>
concept HasCheckLinks = requires(const typename T::Params& p, LinkCheck& check) { T::check_links(p, check); };
template <class T>
concept HasStopReasons = requires { T::stop_reasons[0]; };
template <class T>
concept HasKinds = requires { T::kinds[0].name; };
template <class T>
concept HasPrepare = requires(typename T::Params& p, DataBuilder& data) {
  { T::prepare(p, data) } -> std::convertible_to<bool>;
};
template <class T>
concept HasReport = requires(const typename T::State& s, const typename T::Params& p, const std::byte* data,
                             Report& out) {
  T::tables;
  T::report(s, p, data, out);
};

template <class T>
bool prepare_entry(void* params, DataBuilder* data) {
  if constexpr (HasPrepare<T>) {
    return T::prepare(*static_cast<typename T::Params*>(params), *data);
  } else {
    (void)params;
    (void)data;
    return true;
  }
}

template <class T>
void report_entry(const void* state, const void* params, const std::byte* data, Report* out) {
  if constexpr (HasReport<T>) {
    T::report(*static_cast<const typename T::State*>(state), *static_cast<const typename T::Params*>(params), data,
              *out);
  } else {
    (void)state;
    (void)params;
    (void)data;
    (void)out;
  }
}

template <class T>
constexpr const TableSpec* tables_of() {
  if constexpr (HasReport<T>) {
    return T::tables;
  } else {
    return nullptr;
  }
}
template <class T>
constexpr std::uint32_t table_count() {
  if constexpr (HasReport<T>) {
    return static_cast<std::uint32_t>(std::extent_v<decltype(T::tables)>);
  } else {
    return 0;
  }
}

template <class T>
concept HasHistograms = requires { T::histograms; };
template <class T>
concept HasDerived = requires { T::derived; };

template <class T>
constexpr const HistogramSpec* histograms_of() {
  if constexpr (HasHistograms<T>) {
    return T::histograms;
  } else {
    return nullptr;
  }
}
template <class T>
constexpr std::uint32_t histogram_count() {
  if constexpr (HasHistograms<T>) {
    return static_cast<std::uint32_t>(std::extent_v<decltype(T::histograms)>);
  } else {
    return 0;
  }
}
template <class T>
constexpr const DerivedStatSpec* derived_of() {
  if constexpr (HasDerived<T>) {
    return T::derived;
  } else {
    return nullptr;
  }
}
template <class T>
constexpr std::uint32_t derived_count() {
  if constexpr (HasDerived<T>) {
    return static_cast<std::uint32_t>(std::extent_v<decltype(T::derived)>);
  } else {
    return 0;
  }
}

template <class T>
constexpr std::uint32_t max_sends_per_event() {
  if constexpr (HasMaxSends<T>) {
    return T::kMaxSendsPerEvent;
  } else {
    return 16;
  }
}

template <class T>
const char* validate_entry(const void* params) {
  if constexpr (HasValidate<T>) {
    return T::validate(*static_cast<const typename T::Params*>(params));
  } else {
    (void)params;
    return nullptr;
  }
}

template <class T>
void check_links_entry(const void* params, LinkCheck* check) {
  if constexpr (HasCheckLinks<T>) {
    T::check_links(*static_cast<const typename T::Params*>(params), *check);
  } else {
    (void)params;
    (void)check;
  }
}

template <class T>
constexpr const KindSpec* kinds_of() {
  if constexpr (HasKinds<T>) {
    return T::kinds;
  } else {
    return nullptr;
  }
}
template <class T>
constexpr std::uint32_t kind_count() {
  if constexpr (HasKinds<T>) {
    return static_cast<std::uint32_t>(std::extent_v<decltype(T::kinds)>);
  } else {
    return 0;
  }
}

template <class T>
constexpr const char* const* stop_reasons_of() {
  if constexpr (HasStopReasons<T>) {
    return T::stop_reasons;
  } else {
    return nullptr;
  }
}
template <class T>
constexpr std::uint32_t stop_reason_count() {
  if constexpr (HasStopReasons<T>) {
    return static_cast<std::uint32_t>(std::extent_v<decltype(T::stop_reasons)>);
  } else {
    return 0;
  }
}

template <class T>
concept HasStateTail = requires(const typename T::Params& p) {
  { T::state_tail_bytes(p) } -> std::convertible_to<std::uint64_t>;
};

template <class T>
std::uint64_t state_tail_entry(const void* params) {
  return static_cast<std::uint64_t>(T::state_tail_bytes(*static_cast<const typename T::Params*>(params)));
}
using StateTailBytesFn = std::uint64_t (*)(const void* params);
template <class T>
constexpr StateTailBytesFn state_tail_of() {
  if constexpr (HasStateTail<T>) {
    return &state_tail_entry<T>;
  } else {
    return nullptr;
  }
}

/// Local instance `local`'s state. Without a tail every instance is sizeof(State) bytes apart
/// (rt.state_size is that), which the compiler may use; with one, rt.state_size apart.
template <class T>
ARCHLAB_HD typename T::State& state_of(const TypeRuntime& rt, std::uint32_t local) {
  if constexpr (HasStateTail<T>) {
    return *reinterpret_cast<typename T::State*>(static_cast<std::byte*>(rt.states) +
                                                 static_cast<std::uint64_t>(local) * rt.state_size);
  } else {
    return static_cast<typename T::State*>(rt.states)[local];
  }
}
template <class T>
const typename T::Params& params_of(const TypeRuntime& rt, std::uint32_t local) {
  return static_cast<const typename T::Params*>(rt.params)[rt.group_of[local]];
}

template <class T>
void init_entry(InitArgs* args) {
  const TypeRuntime& rt = *args->rt;
  Context ctx(rt, *args->sink);
  for (std::uint32_t local = args->first; local < args->last; ++local) {
    ctx.bind(0, local);
    T::init(state_of<T>(rt, local), params_of<T>(rt, local), ctx);
  }
}

inline constexpr std::uint32_t kPrefetchDistance = 8;

template <class T>
inline void prefetch_instance(const TypeRuntime& rt, std::uint32_t local) {
#if defined(__GNUC__)
  __builtin_prefetch(&rt.counters[local], 1);
  __builtin_prefetch(&rt.stats[static_cast<std::size_t>(local) * rt.nstats], 1);
  __builtin_prefetch(&rt.group_of[local]);
  if (rt.nports > 0) __builtin_prefetch(&rt.port_routes[static_cast<std::size_t>(local) * rt.nports]);
  if constexpr (sizeof(typename T::State) > 1) __builtin_prefetch(&state_of<T>(rt, local), 1);
#else
  (void)rt;
  (void)local;
#endif
}

template <class T>
void batch_entry(BatchArgs* args) {
  const TypeRuntime& rt = *args->rt;
  EventSink& sink = *args->sink;
  Context ctx(rt, sink);
  constexpr std::uint32_t kReserve = max_sends_per_event<T>();
  std::uint32_t i = 0;
  while (i < args->count) {
    if (sink.capacity - sink.count < kReserve) break;
    // Events of a batch hit instances all over the arrays: fetch a few events ahead.
    if (i + kPrefetchDistance < args->count) prefetch_instance<T>(rt, args->events[i + kPrefetchDistance].target - rt.base);
    const Event& event = args->events[i];
    const std::uint32_t local = event.target - rt.base;
    const std::uint32_t first_out = sink.count;
    if (args->first_seq != nullptr) args->first_seq[i] = rt.counters[local].send_seq;
    ctx.bind(event.time, local);
    T::handle(state_of<T>(rt, local), params_of<T>(rt, local), event, ctx);
    ++i;
    if (sink.error != HandlerError::None) break;
    bool early = false;
    for (std::uint32_t k = first_out; k < sink.count; ++k) early |= sink.out[k].time < args->horizon;
    if (early) break;
  }
  args->consumed = i;
}

}  // namespace detail
}  // namespace archlab

#include "archlab/segment_batch.hpp"

namespace archlab {

// ---------------------------------------------------------------------------------------------
// Plugin descriptor (the C ABI every plugin exports) and the registration macro
// ---------------------------------------------------------------------------------------------

enum class PluginKind : std::uint32_t { Compute, Memory, Interconnect, Workload, Tuner };

struct ComponentDescriptor {
  const ParamSpec* params;
  std::uint32_t nparams;
  const PortSpec* ports;
  std::uint32_t nports;
  const StatSpec* stats;
  std::uint32_t nstats;
  std::uint32_t params_size;
  std::uint32_t params_align;
  std::uint32_t state_size;
  std::uint32_t state_align;
  std::uint32_t max_sends_per_event;
  const char* (*validate)(const void* params);
  void (*init_cpu)(InitArgs* args);
  void (*batch_cpu)(BatchArgs* args);
  void (*batch_segments)(const SegmentBatchArgs* args);  ///< the GPU window batch, host form
  /// The GPU window batch on the device (a cudaStream_t as `stream`); null without device code.
  void (*batch_cuda)(const SegmentBatchArgs* args, std::uint32_t max_segments, void* stream);
  /// Host: fills in a Params blob's data (component_data.hpp); returns false with data->error set.
  bool (*prepare)(void* params, DataBuilder* data);
  const TableSpec* tables;  ///< declared report tables (null when none)
  std::uint32_t ntables;
  /// Host: report one instance after the run (does nothing without `tables`).
  void (*report)(const void* state, const void* params, const std::byte* data, Report* out);
  const HistogramSpec* histograms;  ///< null when none; their bins follow the stats
  std::uint32_t nhistograms;
  const DerivedStatSpec* derived;   ///< null when none; they follow the histograms' bins
  std::uint32_t nderived;
  /// Host: checks across the components on its links when the system is built (link_check.hpp).
  void (*check_links)(const void* params, LinkCheck* check);
  const char* const* stop_reasons;  ///< null when none: what Context::stop(k) reports
  std::uint32_t nstop_reasons;
  const KindSpec* kinds;  ///< null when none: names of its event kinds, for traces
  std::uint32_t nkinds;
  /// Host, after prepare(): bytes of per-instance state after State for a group with these
  /// Params (archlab::state_tail); null when the type has no tail.
  std::uint64_t (*state_tail_bytes)(const void* params);
};

/// Returned by the one symbol every plugin exports, `archlab_plugin`. abi_version stays the
/// first member in every version, so a loader can read it before trusting anything else.
struct PluginDescriptor {
  std::uint32_t abi_version;
  std::uint32_t descriptor_size;
  PluginKind kind;
  const char* name;
  const char* version;
  const char* description;
  const ComponentDescriptor* component;  ///< component kinds
  const void* tuner;                     ///< Tuner kind
};

namespace detail {

#if defined(__CUDACC__)
template <class T>
constexpr auto kDeviceBatch = &segment_batch_launch<T>;
#else
template <class T>
constexpr void (*kDeviceBatch)(const SegmentBatchArgs*, std::uint32_t, void*) = nullptr;
#endif

template <class T>
constexpr ComponentDescriptor make_component_descriptor() {
  static_assert(std::is_trivially_copyable_v<typename T::Params>, "Params must be trivially copyable");
  static_assert(std::is_trivially_copyable_v<typename T::State>, "State must be trivially copyable");
  return ComponentDescriptor{
      T::params,
      static_cast<std::uint32_t>(std::extent_v<decltype(T::params)>),
      T::ports,
      static_cast<std::uint32_t>(std::extent_v<decltype(T::ports)>),
      T::stats,
      static_cast<std::uint32_t>(std::extent_v<decltype(T::stats)>),
      static_cast<std::uint32_t>(sizeof(typename T::Params)),
      static_cast<std::uint32_t>(alignof(typename T::Params)),
      static_cast<std::uint32_t>(sizeof(typename T::State)),
      static_cast<std::uint32_t>(alignof(typename T::State)),
      max_sends_per_event<T>(),
      &validate_entry<T>,
      &init_entry<T>,
      &batch_entry<T>,
      &segment_batch_host<T>,
      kDeviceBatch<T>,
      &prepare_entry<T>,
      tables_of<T>(),
      table_count<T>(),
      &report_entry<T>,
      histograms_of<T>(),
      histogram_count<T>(),
      derived_of<T>(),
      derived_count<T>(),
      &check_links_entry<T>,
      stop_reasons_of<T>(),
      stop_reason_count<T>(),
      kinds_of<T>(),
      kind_count<T>(),
      state_tail_of<T>(),
  };
}

/// The statistic slot of histogram H's first bin (its underflow bin): histograms' bins follow
/// the declared statistics, bins + 2 slots per histogram.
template <class T, std::uint32_t H>
constexpr std::uint32_t histogram_slot() {
  std::uint32_t slot = static_cast<std::uint32_t>(std::extent_v<decltype(T::stats)>);
  if constexpr (H > 0) {
    for (std::uint32_t h = 0; h < H; ++h) slot += T::histograms[h].bins + 2;
  }
  return slot;
}

}  // namespace detail
}  // namespace archlab

namespace archlab {

/// Adds `weight` to the bin of histogram `H` (an index into Type::histograms) that `value` falls
/// in: ctx's component counts one more latency of `value` ps, say.
template <class Type, std::uint32_t H>
ARCHLAB_HD void histogram_add(Context& ctx, double value, double weight = 1.0) {
  static_assert(detail::HasHistograms<Type> && H < std::extent_v<decltype(Type::histograms)>,
                "histogram_add<Type, H>: Type::histograms has no entry H");
  constexpr HistogramSpec spec = Type::histograms[H];
  static_assert(spec.bins >= 1 && spec.low < spec.high, "a histogram needs bins >= 1 and low < high");
  constexpr std::uint32_t first = detail::histogram_slot<Type, H>();
  std::uint32_t bin;
  if (value < spec.low) {
    bin = 0;
  } else if (value < spec.high) {
    const double k = (value - spec.low) / (spec.high - spec.low) * spec.bins;
    bin = 1 + (k < spec.bins - 1 ? static_cast<std::uint32_t>(k) : spec.bins - 1);
  } else {
    bin = spec.bins + 1;  // at or past high, or NaN
  }
  ctx.stat_add(first + bin, weight);
}

}  // namespace archlab

#define ARCHLAB_DETAIL_KIND_compute ::archlab::PluginKind::Compute
#define ARCHLAB_DETAIL_KIND_memory ::archlab::PluginKind::Memory
#define ARCHLAB_DETAIL_KIND_interconnect ::archlab::PluginKind::Interconnect
#define ARCHLAB_DETAIL_KIND_workload ::archlab::PluginKind::Workload

/// Export component type `Type` as this plugin's one component. `kind` is one of compute,
/// memory, interconnect, workload; the plugin's name is `Type::kName` ("workload.phold").
#define ARCHLAB_REGISTER_COMPONENT(Type, kind, version_text, description_text)                             \
  namespace {                                                                                               \
  constexpr ::archlab::ComponentDescriptor archlab_component_descriptor =                                   \
      ::archlab::detail::make_component_descriptor<Type>();                                          \
  constexpr ::archlab::PluginDescriptor archlab_plugin_descriptor{                                          \
      ::archlab::kAbiVersion,       sizeof(::archlab::PluginDescriptor), ARCHLAB_DETAIL_KIND_##kind,        \
      Type::kName,                  version_text,                         description_text,                 \
      &archlab_component_descriptor, nullptr};                                                              \
  }                                                                                                         \
  extern "C" __attribute__((visibility("default"))) const ::archlab::PluginDescriptor* archlab_plugin() {   \
    return &archlab_plugin_descriptor;                                                                      \
  }

inline double archlab::LinkedComponent::number(const char* param) const {
  for (std::uint32_t i = 0; i < nparams; ++i) {
    const ParamSpec& spec = params[i];
    if (std::strcmp(spec.name, param) != 0) continue;
    const auto* at = static_cast<const std::byte*>(values) + spec.offset;
    auto load = [at](auto value) {
      std::memcpy(&value, at, sizeof value);
      return static_cast<double>(value);
    };
    switch (spec.type) {
      case ParamType::Int: return load(std::int64_t{});
      case ParamType::UInt:
      case ParamType::Size:
      case ParamType::Time: return load(std::uint64_t{});
      case ParamType::Float:
      case ParamType::Frequency:
      case ParamType::Bandwidth: return load(double{});
      case ParamType::Bool: return load(bool{});
      case ParamType::Choice: return load(std::uint32_t{});
      case ParamType::Path: return std::nan("");
    }
  }
  return std::nan("");
}
