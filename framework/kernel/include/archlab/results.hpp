// What a run produces, as plain data: the layout of its results (components, links, statistic
// slots, reported tables), statistics samples, trace records and the summary. Engines fill these;
// the output layer (output.hpp) writes them to HDF5; tests compare them. No HDF5 here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "archlab/component_data.hpp"
#include "archlab/event.hpp"

namespace archlab {

struct RunMetadata {
  std::string archlab_version;
  std::string engine;
  std::uint64_t seed = 0;
  std::string experiment_toml;  ///< the experiment file's text as read
  std::string system_toml;      ///< the system model file's text as read ("" when inline)
  std::string effective_toml;   ///< the whole configuration after --set overrides
};

struct ComponentRow {
  std::uint32_t id;
  std::string name;  ///< the TOML name ("lp"); arrays share it and differ by index
  std::uint32_t index;
  std::string type;  ///< plugin name ("workload.phold")
  std::uint32_t replica;
};

struct LinkRow {
  std::string from;  ///< as written: "lp[*].out"
  std::string to;    ///< "lp[*].in"
  std::uint32_t src_first;
  std::uint32_t src_count;
  std::uint32_t dst_first;
  std::uint32_t dst_count;
  Tick latency;
};

/// What a statistic slot holds: a declared sum, one bin of a declared histogram, or a derived
/// statistic (numerator / denominator of two sums).
struct StatSlotInfo {
  enum class Kind : std::uint8_t { Sum, HistogramBin, Derived } kind = Kind::Sum;
  std::string histogram;  ///< HistogramBin: the histogram's name
  double low = 0;         ///< HistogramBin: the bin's edges (-inf / inf for under- and overflow)
  double high = 0;
  std::string value_unit;  ///< HistogramBin: the unit of the edges ("ps"); the bin counts values
  std::uint32_t numerator = 0;  ///< Derived: slots of the two sums
  std::uint32_t denominator = 0;
};

/// Statistics of one component type: instances (in id order) x statistic slots (the declared
/// statistics, then every histogram's bins, then the derived statistics).
struct StatGroup {
  std::string type;
  std::vector<std::string> stat_names;
  std::vector<std::string> stat_units;
  std::uint32_t first_id = 0;
  std::uint32_t instances = 0;
  std::vector<StatSlotInfo> slots;  ///< per stat_names entry (empty: all sums)
};

/// A column of a reported table (component_data.hpp); values in `u` (U32, U64), `f` (F64) or
/// `s` (String), one per row.
struct ReportColumn {
  std::string name;
  ColumnType type = ColumnType::U64;
  std::uint32_t width = 0;  ///< String: fixed width in bytes
  std::string unit;
  std::vector<std::uint64_t> u;
  std::vector<double> f;
  std::vector<std::string> s;
};

/// A table that components report after the run: the compound dataset `path`
/// ("/workload/dnn/operators"), with a `units` attribute ("start: ps; end: ps; ...").
struct ReportTable {
  std::string path;
  std::string doc;
  std::vector<ReportColumn> columns;
  std::size_t rows = 0;
};

/// The names a component type declares for its ports and its own event kinds (/ports, /kinds).
struct TypeNames {
  std::string type;
  std::vector<std::string> ports;
  std::vector<bool> port_is_input;
  std::vector<std::pair<std::uint32_t, std::string>> kinds;  ///< (kind, name)
};

struct OutputLayout {
  RunMetadata metadata;
  std::vector<ComponentRow> components;
  std::vector<LinkRow> links;
  std::vector<StatGroup> stat_groups;
  std::vector<ReportTable> tables;  ///< created empty; RunSummary::tables fills them, same order
  /// Port and kind names per type; kinds of type "" are the shared protocol kinds (protocol.hpp).
  std::vector<TypeNames> names;
  bool trace = false;
};

/// One handled event, as /trace/events stores it.
struct TraceRecord {
  Tick time;
  std::uint64_t seq;
  std::uint32_t src;
  std::uint32_t target;
  std::uint16_t port;
  std::uint16_t kind;
  /// The target's send counter before it handled this event: the events it sent while handling
  /// it carry order keys (seq) from here up to its next record's first_seq. So a receiver's
  /// record (src, seq) leads back to the record, and the time, of its send.
  std::uint64_t first_seq = 0;
};

/// Statistics at one sample time: values[g] is [instances x stats] of stat_groups[g], row-major.
struct StatSample {
  Tick time;
  std::vector<std::vector<double>> values;
  std::uint64_t events;   ///< events committed before `time`
  std::uint64_t pending;  ///< events pending at `time`
};

struct RunSummary {
  std::string status;  ///< "completed", "stop_time", "event_limit", "failed: ..."
  Tick final_time = 0;
  std::uint64_t events = 0;
  double wall_seconds = 0;
  StatSample final_stats;
  std::vector<ReportTable> tables;  ///< the layout's tables with their rows (empty: none written)
};

}  // namespace archlab
