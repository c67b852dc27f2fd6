// HDF5 output of a run, in the layout of DESIGN.md. Writing happens on a thread of its own:
// the engine hands over snapshots and returns to the event loop at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "archlab/component_data.hpp"
#include "archlab/event.hpp"

namespace archlab {

/// Version of the file layout, stored as the root attribute `format_version`.
inline constexpr std::uint32_t kFileFormatVersion = 1;

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

struct OutputLayout {
  RunMetadata metadata;
  std::vector<ComponentRow> components;
  std::vector<LinkRow> links;
  std::vector<StatGroup> stat_groups;
  std::vector<ReportTable> tables;  ///< created empty; RunSummary::tables fills them, same order
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

struct OutputOptions {
  double flush_interval_seconds = 1.0;
};

/// Refuses, with an OutputError, an output path that archlab must not replace: anything but a
/// regular file (a directory, a device such as /dev/null, a pipe, a socket), a symbolic link
/// (refused, not followed: the file is written next to the path and renamed over it, which
/// would replace the link, not its target), and any of `inputs` (the run's own experiment,
/// system or topology files, also when reached through another name or a hard link).
void check_output_path(const std::filesystem::path& path, const std::vector<std::filesystem::path>& inputs = {});

/// Writes one run file. create() makes the file and writes everything known before the run
/// (throws OutputError naming the path when it cannot); the other calls queue work for the
/// writer thread and return. finish() writes the summary, closes the file and waits.
class RunWriter {
 public:
  virtual ~RunWriter() = default;
  virtual void add_sample(StatSample sample) = 0;
  virtual void add_trace(std::vector<TraceRecord> records) = 0;
  virtual void finish(RunSummary summary) = 0;

  static std::unique_ptr<RunWriter> create(const std::filesystem::path& path, const OutputLayout& layout,
                                           const OutputOptions& options);
};

}  // namespace archlab
