// RunWriter on the HDF5 C API, in the layout of DESIGN.md "HDF5 output".
//
// Crash safety comes from HDF5's single-writer/multiple-reader (SWMR) mode: create() builds
// every object the file will ever hold (the /summary datasets too, filled with NaN), then
// switches the file to SWMR writing. From then on HDF5 orders its metadata writes so that the
// file on disk is consistent at every moment, and a process killed by SIGKILL leaves a file
// with everything up to the last flush. Without SWMR a killed writer can leave chunk indices
// that point at half-written chunks. The price: until the file is closed, its superblock
// carries the "open for SWMR write" flag, so a killed run's file opens with
// h5py.File(path, "r", swmr=True) (or after `h5clear -s`); a finished or aborted run's file
// opens plainly. The file is built under a hidden temporary name and renamed into place once
// it is in SWMR mode, so `path` never names a half-built file.
#include "run_file.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>

#include "archlab/errors.hpp"
#include "archlab/output.hpp"
#include "hdf5_support.hpp"

namespace archlab::hdf5 {
namespace {

using Dims = std::vector<hsize_t>;

// Chunks near this size compress well and stay small enough to rewrite at every flush.
constexpr std::size_t kTargetChunkBytes = std::size_t{64} << 10;
constexpr hsize_t kMaxChunkRows = 1024;
constexpr hsize_t kTableChunkRows = 4096;
constexpr hsize_t kTraceChunkRows = 4096;
// h5py's default gzip level: higher levels cost much more time and gain little on numbers.
constexpr unsigned kDeflateLevel = 4;
// The status is a fixed-length string written in place: variable-length strings go through
// the global heap, which the SWMR design does not promise to keep consistent for readers.
constexpr std::size_t kStatusBytes = 4096;

/// Group and dataset names come from plugin and statistic names; HDF5 reads '/' as a path.
void check_object_name(const std::string& name, std::string_view what, const fs::path& path) {
  if (name.empty() || name == "." || name.find('/') != std::string::npos) {
    throw OutputError("cannot write '" + path.string() + "': " + std::string(what) + " '" + name +
                      "' cannot be an HDF5 name (it must be non-empty, not '.', and without '/')");
  }
}

void check_layout(const OutputLayout& layout, const fs::path& path) {
  std::set<std::string> types;
  for (const StatGroup& group : layout.stat_groups) {
    check_object_name(group.type, "statistics type", path);
    // /stats/time and /stats/engine are the engine's own.
    if (group.type == "time" || group.type == "engine") {
      throw OutputError("cannot write '" + path.string() + "': statistics type '" + group.type +
                        "' collides with /stats/" + group.type + ", which archlab writes itself");
    }
    if (!types.insert(group.type).second) {
      throw OutputError("cannot write '" + path.string() + "': statistics type '" + group.type +
                        "' appears twice in the layout");
    }
    std::set<std::string> names;
    for (const std::string& name : group.stat_names) {
      check_object_name(name, "statistic of '" + group.type + "'", path);
      if (!names.insert(name).second) {
        throw OutputError("cannot write '" + path.string() + "': statistic '" + name + "' of '" + group.type +
                          "' is declared twice");
      }
    }
  }
}

/// Cuts at a character boundary so a long UTF-8 status still decodes.
std::string truncate_utf8(std::string text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  text.resize(end);
  return text;
}

/// A packed compound type with fixed-length UTF-8 strings, and rows serialised to match it.
class TableBuilder {
 public:
  TableBuilder(const Checker& check, std::size_t rows) : check_(check), rows_(rows) {}

  void add_uint32(const char* name, std::vector<std::uint32_t> column) {
    columns_.push_back({name, Kind::U32, sizeof(std::uint32_t), {}, std::move(column), {}});
  }
  void add_uint64(const char* name, std::vector<std::uint64_t> column) {
    columns_.push_back({name, Kind::U64, sizeof(std::uint64_t), {}, {}, std::move(column)});
  }
  void add_string(const char* name, std::vector<std::string> column) {
    std::size_t width = 1;  // HDF5 has no zero-length strings
    for (const std::string& text : column) width = std::max(width, text.size());
    columns_.push_back({name, Kind::String, width, std::move(column), {}, {}});
  }

  [[nodiscard]] std::size_t size() const { return rows_; }

  [[nodiscard]] Handle make_type() const {
    Handle type = check_.handle(H5Tcreate(H5T_COMPOUND, row_bytes()), H5Tclose, "H5Tcreate (table row)");
    std::size_t offset = 0;
    for (const Column& column : columns_) {
      Handle member;
      switch (column.kind) {
        case Kind::U32: member = check_.handle(H5Tcopy(H5T_NATIVE_UINT32), H5Tclose, "H5Tcopy"); break;
        case Kind::U64: member = check_.handle(H5Tcopy(H5T_NATIVE_UINT64), H5Tclose, "H5Tcopy"); break;
        case Kind::String:
          member = check_.handle(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
          check_.status(H5Tset_size(member.get(), column.width), "H5Tset_size");
          // Null padding is what numpy's 'S' dtype means, so h5py hands the text back unchanged.
          check_.status(H5Tset_strpad(member.get(), H5T_STR_NULLPAD), "H5Tset_strpad");
          check_.status(H5Tset_cset(member.get(), H5T_CSET_UTF8), "H5Tset_cset");
          break;
      }
      check_.status(H5Tinsert(type.get(), column.name, offset, member.get()), std::string("H5Tinsert ") + column.name);
      offset += column.width;
    }
    return type;
  }

  [[nodiscard]] std::vector<std::byte> rows() const {
    const std::size_t stride = row_bytes();
    std::vector<std::byte> bytes(stride * rows_);
    std::size_t offset = 0;
    for (const Column& column : columns_) {
      for (std::size_t row = 0; row < rows_; ++row) {
        std::byte* field = bytes.data() + row * stride + offset;
        switch (column.kind) {
          case Kind::U32: std::memcpy(field, &column.u32[row], sizeof(std::uint32_t)); break;
          case Kind::U64: std::memcpy(field, &column.u64[row], sizeof(std::uint64_t)); break;
          case Kind::String: std::memcpy(field, column.text[row].data(), column.text[row].size()); break;
        }
      }
      offset += column.width;
    }
    return bytes;
  }

 private:
  enum class Kind { U32, U64, String };
  struct Column {
    const char* name;
    Kind kind;
    std::size_t width;
    std::vector<std::string> text;
    std::vector<std::uint32_t> u32;
    std::vector<std::uint64_t> u64;
  };

  [[nodiscard]] std::size_t row_bytes() const {
    std::size_t bytes = 0;
    for (const Column& column : columns_) bytes += column.width;
    return bytes;
  }

  const Checker& check_;
  std::size_t rows_;
  std::vector<Column> columns_;
};


}  // namespace

class RunFile::Impl {
 public:
  // The file is built under a temporary name and renamed once in SWMR mode: a process killed
  // while create() runs leaves no half-built file at `path`, only a hidden temporary one.
  Impl(const fs::path& path, const OutputLayout& layout) : check_(path), groups_(layout.stat_groups) {
    check_layout(layout, path);
    const fs::path building =
        path.parent_path() / ("." + path.filename().string() + "." + std::to_string(::getpid()) + ".creating");
    RemoveOnFailure cleanup{building};
    create_file(building);
    write_metadata(layout.metadata);
    write_table("components", components_table(layout.components));
    write_table("links", links_table(layout.links));
    write_table("ports", ports_table(layout.names));
    write_table("kinds", kinds_table(layout.names));
    create_stats();
    create_summary();
    if (layout.trace) create_trace();
    create_report_tables(layout.tables);
    // From here on no object or attribute may be added: SWMR readers must never see the tree change.
    check_.status(H5Fstart_swmr_write(file_.get()), "H5Fstart_swmr_write");
    std::error_code error;
    fs::rename(building, path, error);
    if (error) {
      throw OutputError("cannot create output file '" + path.string() + "': renaming '" + building.string() +
                        "' to it failed: " + error.message());
    }
    cleanup.path.clear();
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() = default;

  void append_samples(std::span<const StatSample> samples) {
    if (samples.empty()) return;
    const hsize_t first = samples_written_;
    const hsize_t count = samples.size();

    std::vector<std::uint64_t> column(count);
    for (hsize_t i = 0; i < count; ++i) column[i] = samples[i].time;
    append(time_, "/stats/time", first, count, 1, 0, H5T_NATIVE_UINT64, column.data());
    for (hsize_t i = 0; i < count; ++i) column[i] = samples[i].events;
    append(events_, "/stats/engine/events", first, count, 1, 0, H5T_NATIVE_UINT64, column.data());
    for (hsize_t i = 0; i < count; ++i) column[i] = samples[i].pending;
    append(pending_, "/stats/engine/pending", first, count, 1, 0, H5T_NATIVE_UINT64, column.data());

    std::vector<double> matrix;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      const std::size_t instances = groups_[g].instances;
      const std::size_t stats = groups_[g].stat_names.size();
      matrix.resize(count * instances);
      for (std::size_t s = 0; s < stats; ++s) {
        // A sample stores [instances x stats]; a dataset holds one stat as [samples x instances].
        for (hsize_t i = 0; i < count; ++i) {
          const std::vector<double>& values = samples[i].values[g];
          for (std::size_t instance = 0; instance < instances; ++instance) {
            matrix[i * instances + instance] = values[instance * stats + s];
          }
        }
        append(stats_[g][s], stat_path(g, s), first, count, 2, instances, H5T_NATIVE_DOUBLE, matrix.data());
      }
    }
    samples_written_ += count;
  }

  void append_trace(std::span<const TraceRecord> records) {
    if (records.empty()) return;
    append(trace_, "/trace/events", trace_rows_, records.size(), 1, 0, trace_memory_type_.get(), records.data());
    trace_rows_ += records.size();
  }

  void write_summary(const RunSummary& summary) {
    write_whole(final_time_, "/summary/engine/final_time", H5T_NATIVE_UINT64, &summary.final_time);
    write_whole(final_events_, "/summary/engine/events", H5T_NATIVE_UINT64, &summary.events);
    write_whole(final_pending_, "/summary/engine/pending", H5T_NATIVE_UINT64, &summary.final_stats.pending);
    write_whole(wall_seconds_, "/summary/engine/wall_seconds", H5T_NATIVE_DOUBLE, &summary.wall_seconds);
    // A run that failed early may have no final statistics; their datasets then keep NaN.
    if (!summary.final_stats.values.empty()) {
      std::vector<double> column;
      for (std::size_t g = 0; g < groups_.size(); ++g) {
        const std::size_t instances = groups_[g].instances;
        const std::size_t stats = groups_[g].stat_names.size();
        column.resize(instances);
        for (std::size_t s = 0; s < stats; ++s) {
          for (std::size_t instance = 0; instance < instances; ++instance) {
            column[instance] = summary.final_stats.values[g][instance * stats + s];
          }
          if (instances > 0) {
            write_whole(summary_[g][s], "/summary/" + groups_[g].type + "/" + groups_[g].stat_names[s],
                        H5T_NATIVE_DOUBLE, column.data());
          }
        }
      }
    }
    write_report_tables(summary.tables);
    write_status(summary.status);
  }

  // Report tables: created empty before SWMR starts (with their groups and units), filled at the end.
  void create_report_tables(const std::vector<ReportTable>& tables) {
    for (const ReportTable& table : tables) {
      Handle type = report_type(table);
      const std::size_t slash = table.path.rfind('/');
      std::string parent_path = table.path.substr(0, slash);
      // Groups along the way: /workload, /workload/<name>.
      std::size_t at = 1;
      while (at <= parent_path.size()) {
        const std::size_t next = parent_path.find('/', at);
        const std::string prefix = parent_path.substr(0, next == std::string::npos ? parent_path.size() : next);
        if (H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT) <= 0) create_group(file_.get(), prefix);
        if (next == std::string::npos) break;
        at = next + 1;
      }
      Handle dataset = create_extensible(file_.get(), table.path, type.get(), {0}, {kTableChunkRows});
      std::string units;
      for (const ReportColumn& column : table.columns) {
        if (column.unit.empty()) continue;
        if (!units.empty()) units += "; ";
        units += column.name + ": " + column.unit;
      }
      write_string_attribute(dataset.get(), "units", units);
      write_string_attribute(dataset.get(), "doc", table.doc);
      report_datasets_.push_back(std::move(dataset));
      report_types_.push_back(std::move(type));
    }
  }

  Handle report_type(const ReportTable& table) {
    std::size_t bytes = 0;
    for (const ReportColumn& column : table.columns) bytes += report_width(column);
    Handle type = check_.handle(H5Tcreate(H5T_COMPOUND, std::max<std::size_t>(bytes, 1)), H5Tclose, "H5Tcreate");
    std::size_t offset = 0;
    for (const ReportColumn& column : table.columns) {
      Handle member;
      switch (column.type) {
        case ColumnType::U32: member = check_.handle(H5Tcopy(H5T_NATIVE_UINT32), H5Tclose, "H5Tcopy"); break;
        case ColumnType::U64: member = check_.handle(H5Tcopy(H5T_NATIVE_UINT64), H5Tclose, "H5Tcopy"); break;
        case ColumnType::F64: member = check_.handle(H5Tcopy(H5T_NATIVE_DOUBLE), H5Tclose, "H5Tcopy"); break;
        case ColumnType::String:
          member = check_.handle(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
          check_.status(H5Tset_size(member.get(), report_width(column)), "H5Tset_size");
          check_.status(H5Tset_strpad(member.get(), H5T_STR_NULLPAD), "H5Tset_strpad");
          check_.status(H5Tset_cset(member.get(), H5T_CSET_UTF8), "H5Tset_cset");
          break;
      }
      check_.status(H5Tinsert(type.get(), column.name.c_str(), offset, member.get()), "H5Tinsert " + column.name);
      offset += report_width(column);
    }
    return type;
  }

  static std::size_t report_width(const ReportColumn& column) {
    switch (column.type) {
      case ColumnType::U32: return sizeof(std::uint32_t);
      case ColumnType::U64: return sizeof(std::uint64_t);
      case ColumnType::F64: return sizeof(double);
      case ColumnType::String: return std::max<std::uint32_t>(column.width, 1);
    }
    return 1;
  }

  void write_report_tables(const std::vector<ReportTable>& tables) {
    for (std::size_t t = 0; t < tables.size() && t < report_datasets_.size(); ++t) {
      const ReportTable& table = tables[t];
      if (table.rows == 0) continue;
      std::size_t stride = 0;
      for (const ReportColumn& column : table.columns) stride += report_width(column);
      std::vector<std::byte> rows(stride * table.rows, std::byte{0});
      std::size_t offset = 0;
      for (const ReportColumn& column : table.columns) {
        for (std::size_t row = 0; row < table.rows; ++row) {
          std::byte* field = rows.data() + row * stride + offset;
          switch (column.type) {
            case ColumnType::U32: {
              const auto value = static_cast<std::uint32_t>(column.u.at(row));
              std::memcpy(field, &value, sizeof(value));
              break;
            }
            case ColumnType::U64: std::memcpy(field, &column.u.at(row), sizeof(std::uint64_t)); break;
            case ColumnType::F64: std::memcpy(field, &column.f.at(row), sizeof(double)); break;
            case ColumnType::String: {
              const std::string text = truncate_utf8(column.s.at(row), report_width(column));
              std::memcpy(field, text.data(), text.size());
              break;
            }
          }
        }
        offset += report_width(column);
      }
      append(report_datasets_[t], table.path, 0, table.rows, 1, 0, report_types_[t].get(), rows.data());
    }
  }

  void write_status(const std::string& status) {
    std::vector<char> text(kStatusBytes, '\0');
    const std::string fitted = truncate_utf8(status, kStatusBytes);
    std::copy(fitted.begin(), fitted.end(), text.begin());
    Handle type = string_type(kStatusBytes);
    write_whole(status_, "/summary/engine/status", type.get(), text.data());
  }

  void flush() { check_.status(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "H5Fflush"); }

  /// Closing clears the SWMR flag in the superblock, after which plain readers open the file.
  void close() {
    std::vector<Handle*> datasets{&time_,       &events_,       &pending_,      &trace_,
                                  &final_time_, &final_events_, &final_pending_, &wall_seconds_, &status_};
    for (auto& group : stats_)
      for (Handle& dataset : group) datasets.push_back(&dataset);
    for (auto& group : summary_)
      for (Handle& dataset : group) datasets.push_back(&dataset);
    for (Handle* dataset : datasets) check_.status(dataset->close(), "H5Dclose");
    trace_memory_type_.reset();
    check_.status(file_.close(), "H5Fclose");
  }

 private:
  struct RemoveOnFailure {
    fs::path path;  // cleared once the file is in place
    explicit RemoveOnFailure(fs::path file) : path(std::move(file)) {}
    RemoveOnFailure(const RemoveOnFailure&) = delete;
    RemoveOnFailure& operator=(const RemoveOnFailure&) = delete;
    ~RemoveOnFailure() {
      std::error_code ignored;
      if (!path.empty()) fs::remove(path, ignored);
    }
  };

  void create_file(const fs::path& building) {
    const fs::path& path = check_.path();
    const std::string problem = creation_problem(path);
    if (!problem.empty()) {
      throw OutputError("cannot create output file '" + path.string() + "': " + problem);
    }
    Handle access = check_.handle(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "H5Pcreate (file access)");
    // SWMR needs the 1.10 file format; pinning the upper bound too keeps files readable by any HDF5 >= 1.10.
    check_.status(H5Pset_libver_bounds(access.get(), H5F_LIBVER_V110, H5F_LIBVER_V110), "H5Pset_libver_bounds");
#if H5_VERSION_GE(1, 12, 1) || (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7)
    // Lock where the file system can, but do not refuse to write where it cannot (some NFS and
    // Lustre mounts); HDF5_USE_FILE_LOCKING still overrides this.
    check_.status(H5Pset_file_locking(access.get(), true, true), "H5Pset_file_locking");
#endif
    const hid_t file = H5Fcreate(building.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get());
    if (file < 0) {
      throw OutputError("cannot create output file '" + path.string() + "': " + hdf5_error_detail());
    }
    file_ = Handle(file, H5Fclose);
  }

  void write_metadata(const RunMetadata& metadata) {
    write_string_attribute(file_.get(), "archlab_version", metadata.archlab_version);
    write_attribute(file_.get(), "format_version", H5T_STD_U32LE, H5T_NATIVE_UINT32, &kFileFormatVersion);
    write_string_attribute(file_.get(), "engine", metadata.engine);
    write_attribute(file_.get(), "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &metadata.seed);
    write_string_attribute(file_.get(), "experiment_toml", metadata.experiment_toml);
    write_string_attribute(file_.get(), "system_toml", metadata.system_toml);
    write_string_attribute(file_.get(), "effective_toml", metadata.effective_toml);
  }

  void write_string_attribute(hid_t object, const char* name, const std::string& value) {
    // Variable-length UTF-8 is what h5py returns as str; the TOML texts have no useful upper bound.
    Handle type = check_.handle(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
    check_.status(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
    check_.status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
    const char* text = value.c_str();
    write_attribute(object, name, type.get(), type.get(), static_cast<const void*>(&text));
  }

  void write_attribute(hid_t object, const char* name, hid_t file_type, hid_t memory_type, const void* value) {
    const std::string what = std::string("attribute ") + name;
    Handle space = check_.handle(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate");
    Handle attribute = check_.handle(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                                     H5Aclose, "H5Acreate2 " + what);
    check_.status(H5Awrite(attribute.get(), memory_type, value), "H5Awrite " + what);
    check_.status(attribute.close(), "H5Aclose " + what);
  }

  [[nodiscard]] Handle string_type(std::size_t bytes) const {
    Handle type = check_.handle(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
    check_.status(H5Tset_size(type.get(), bytes), "H5Tset_size");
    check_.status(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "H5Tset_strpad");
    check_.status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
    return type;
  }

  template <typename Row, typename Value>
  static std::vector<Value> column(const std::vector<Row>& rows, Value Row::*member) {
    std::vector<Value> values;
    values.reserve(rows.size());
    for (const Row& row : rows) values.push_back(row.*member);
    return values;
  }

  [[nodiscard]] TableBuilder components_table(const std::vector<ComponentRow>& rows) const {
    TableBuilder table(check_, rows.size());
    table.add_uint32("id", column(rows, &ComponentRow::id));
    table.add_string("name", column(rows, &ComponentRow::name));
    table.add_uint32("index", column(rows, &ComponentRow::index));
    table.add_string("type", column(rows, &ComponentRow::type));
    table.add_uint32("replica", column(rows, &ComponentRow::replica));
    return table;
  }

  [[nodiscard]] TableBuilder links_table(const std::vector<LinkRow>& rows) const {
    TableBuilder table(check_, rows.size());
    table.add_string("from", column(rows, &LinkRow::from));
    table.add_string("to", column(rows, &LinkRow::to));
    table.add_uint32("src_first", column(rows, &LinkRow::src_first));
    table.add_uint32("src_count", column(rows, &LinkRow::src_count));
    table.add_uint32("dst_first", column(rows, &LinkRow::dst_first));
    table.add_uint32("dst_count", column(rows, &LinkRow::dst_count));
    table.add_uint64("latency", column(rows, &LinkRow::latency));
    return table;
  }

  /// /ports: every component type's ports by index (trace records name a port by index).
  [[nodiscard]] TableBuilder ports_table(const std::vector<TypeNames>& types) const {
    std::vector<std::string> type, name, direction;
    std::vector<std::uint32_t> port;
    for (const TypeNames& names : types) {
      for (std::size_t p = 0; p < names.ports.size(); ++p) {
        type.push_back(names.type);
        port.push_back(static_cast<std::uint32_t>(p));
        name.push_back(names.ports[p]);
        direction.emplace_back(names.port_is_input[p] ? "in" : "out");
      }
    }
    TableBuilder table(check_, type.size());
    table.add_string("type", std::move(type));
    table.add_uint32("port", std::move(port));
    table.add_string("name", std::move(name));
    table.add_string("direction", std::move(direction));
    return table;
  }

  /// /kinds: event kind names; type "" holds the shared protocol kinds.
  [[nodiscard]] TableBuilder kinds_table(const std::vector<TypeNames>& types) const {
    std::vector<std::string> type, name;
    std::vector<std::uint32_t> kind;
    for (const TypeNames& names : types) {
      for (const auto& [value, text] : names.kinds) {
        type.push_back(names.type);
        kind.push_back(value);
        name.push_back(text);
      }
    }
    TableBuilder table(check_, type.size());
    table.add_string("type", std::move(type));
    table.add_uint32("kind", std::move(kind));
    table.add_string("name", std::move(name));
    return table;
  }

  // Extensible only because that is how an empty table gets a chunk size of at least one.
  void write_table(const char* name, const TableBuilder& table) {
    Handle type = table.make_type();
    const std::vector<std::byte> rows = table.rows();
    const hsize_t count = table.size();
    const hsize_t chunk = std::clamp<hsize_t>(count, 1, kTableChunkRows);
    Handle dataset = create_extensible(file_.get(), name, type.get(), {count}, {chunk});
    if (count > 0) {
      check_.status(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()),
                    std::string("H5Dwrite /") + name);
    }
  }

  /// A chunked, shuffled and deflated dataset whose first dimension grows. The others are fixed,
  /// except empty ones: a chunk may not exceed a fixed dimension, and no chunk extent can be 0.
  Handle create_extensible(hid_t parent, const std::string& name, hid_t type, const Dims& dims, const Dims& chunk) {
    const int rank = static_cast<int>(dims.size());
    Dims max_dims = dims;
    for (std::size_t d = 0; d < max_dims.size(); ++d) {
      if (d == 0 || max_dims[d] == 0) max_dims[d] = H5S_UNLIMITED;
    }
    Handle space =
        check_.handle(H5Screate_simple(rank, dims.data(), max_dims.data()), H5Sclose, "H5Screate_simple " + name);
    Handle create = check_.handle(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "H5Pcreate (dataset create)");
    check_.status(H5Pset_chunk(create.get(), rank, chunk.data()), "H5Pset_chunk " + name);
    check_.status(H5Pset_shuffle(create.get()), "H5Pset_shuffle " + name);
    check_.status(H5Pset_deflate(create.get(), kDeflateLevel), "H5Pset_deflate " + name);
    return check_.handle(H5Dcreate2(parent, name.c_str(), type, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT),
                         H5Dclose, "H5Dcreate2 " + name);
  }

  /// A fixed-size dataset (scalar when `dims` is empty) with storage allocated now, so that
  /// writing it after the switch to SWMR changes no metadata.
  Handle create_fixed(hid_t parent, const std::string& name, hid_t type, const Dims& dims, const void* fill) {
    Handle space = dims.empty() ? check_.handle(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate " + name)
                                : check_.handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                                                H5Sclose, "H5Screate_simple " + name);
    Handle create = check_.handle(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "H5Pcreate (dataset create)");
    check_.status(H5Pset_alloc_time(create.get(), H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time " + name);
    if (fill != nullptr) check_.status(H5Pset_fill_value(create.get(), type, fill), "H5Pset_fill_value " + name);
    return check_.handle(H5Dcreate2(parent, name.c_str(), type, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT),
                         H5Dclose, "H5Dcreate2 " + name);
  }

  Handle create_group(hid_t parent, const std::string& name) {
    return check_.handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                         "H5Gcreate2 " + name);
  }

  void create_stats() {
    Handle stats = create_group(file_.get(), "stats");
    const Dims empty{0};
    const Dims series_chunk{kMaxChunkRows};
    time_ = create_extensible(stats.get(), "time", H5T_STD_U64LE, empty, series_chunk);
    Handle engine = create_group(stats.get(), "engine");
    events_ = create_extensible(engine.get(), "events", H5T_STD_U64LE, empty, series_chunk);
    pending_ = create_extensible(engine.get(), "pending", H5T_STD_U64LE, empty, series_chunk);

    for (const StatGroup& group : groups_) {
      Handle type_group = create_group(stats.get(), group.type);
      describe_instances(type_group.get(), group);
      const hsize_t columns = group.instances;
      // Wide groups split instances over several chunks so that one chunk stays near the target size.
      const hsize_t chunk_columns = std::clamp<hsize_t>(columns, 1, kTargetChunkBytes / sizeof(double));
      const hsize_t chunk_rows =
          std::clamp<hsize_t>(kTargetChunkBytes / (sizeof(double) * chunk_columns), 1, kMaxChunkRows);
      const Dims dims{0, columns};
      const Dims chunk{chunk_rows, chunk_columns};
      std::vector<Handle>& datasets = stats_.emplace_back();
      for (std::size_t s = 0; s < group.stat_names.size(); ++s) {
        datasets.push_back(create_extensible(type_group.get(), group.stat_names[s], H5T_IEEE_F64LE, dims, chunk));
        write_unit(datasets.back().get(), group, s);
      }
    }
  }

  // Column i under a type's group is component first_id + i, and every statistic carries its
  // unit, so the file explains itself without the plugin at hand.
  void describe_instances(hid_t type_group, const StatGroup& group) {
    write_attribute(type_group, "first_id", H5T_STD_U32LE, H5T_NATIVE_UINT32, &group.first_id);
  }

  /// A histogram bin also says which histogram and which edges ([low, high), -inf/inf for the
  /// outer bins); a derived statistic says so (it is a ratio, not a running total).
  void write_unit(hid_t dataset, const StatGroup& group, std::size_t stat) {
    write_string_attribute(dataset, "unit", stat < group.stat_units.size() ? group.stat_units[stat] : std::string());
    if (stat >= group.slots.size()) return;
    const StatSlotInfo& info = group.slots[stat];
    if (info.kind == StatSlotInfo::Kind::HistogramBin) {
      write_string_attribute(dataset, "kind", "histogram_bin");
      write_string_attribute(dataset, "histogram", info.histogram);
      write_string_attribute(dataset, "value_unit", info.value_unit);
      write_attribute(dataset, "bin_low", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &info.low);
      write_attribute(dataset, "bin_high", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &info.high);
    } else if (info.kind == StatSlotInfo::Kind::Derived) {
      write_string_attribute(dataset, "kind", "derived");
      write_string_attribute(dataset, "numerator", group.stat_names.at(info.numerator));
      write_string_attribute(dataset, "denominator", group.stat_names.at(info.denominator));
    }
  }

  void create_summary() {
    Handle summary = create_group(file_.get(), "summary");
    // NaN until the run finishes: a killed run must not look like one whose statistics were zero.
    const double not_yet = std::numeric_limits<double>::quiet_NaN();
    for (const StatGroup& group : groups_) {
      Handle type_group = create_group(summary.get(), group.type);
      describe_instances(type_group.get(), group);
      const Dims instances{group.instances};
      std::vector<Handle>& datasets = summary_.emplace_back();
      for (std::size_t s = 0; s < group.stat_names.size(); ++s) {
        datasets.push_back(create_fixed(type_group.get(), group.stat_names[s], H5T_IEEE_F64LE, instances, &not_yet));
        write_unit(datasets.back().get(), group, s);
      }
    }
    Handle engine = create_group(summary.get(), "engine");
    const std::uint64_t zero = 0;
    final_time_ = create_fixed(engine.get(), "final_time", H5T_STD_U64LE, {}, &zero);
    final_events_ = create_fixed(engine.get(), "events", H5T_STD_U64LE, {}, &zero);
    final_pending_ = create_fixed(engine.get(), "pending", H5T_STD_U64LE, {}, &zero);
    wall_seconds_ = create_fixed(engine.get(), "wall_seconds", H5T_IEEE_F64LE, {}, &not_yet);
    Handle status_type = string_type(kStatusBytes);
    status_ = create_fixed(engine.get(), "status", status_type.get(), {}, nullptr);
    // A reader that finds "running" and no live writer is looking at a killed run.
    write_status("running");
  }

  void create_trace() {
    trace_memory_type_ =
        check_.handle(H5Tcreate(H5T_COMPOUND, sizeof(TraceRecord)), H5Tclose, "H5Tcreate (trace record)");
    const hid_t type = trace_memory_type_.get();
    check_.status(H5Tinsert(type, "time", offsetof(TraceRecord, time), H5T_NATIVE_UINT64), "H5Tinsert time");
    check_.status(H5Tinsert(type, "seq", offsetof(TraceRecord, seq), H5T_NATIVE_UINT64), "H5Tinsert seq");
    check_.status(H5Tinsert(type, "src", offsetof(TraceRecord, src), H5T_NATIVE_UINT32), "H5Tinsert src");
    check_.status(H5Tinsert(type, "target", offsetof(TraceRecord, target), H5T_NATIVE_UINT32), "H5Tinsert target");
    check_.status(H5Tinsert(type, "port", offsetof(TraceRecord, port), H5T_NATIVE_UINT16), "H5Tinsert port");
    check_.status(H5Tinsert(type, "kind", offsetof(TraceRecord, kind), H5T_NATIVE_UINT16), "H5Tinsert kind");
    check_.status(H5Tinsert(type, "first_seq", offsetof(TraceRecord, first_seq), H5T_NATIVE_UINT64),
                  "H5Tinsert first_seq");
    // The file keeps records without the struct's tail padding.
    Handle file_type = check_.handle(H5Tcopy(type), H5Tclose, "H5Tcopy (trace record)");
    check_.status(H5Tpack(file_type.get()), "H5Tpack (trace record)");

    Handle trace = create_group(file_.get(), "trace");
    trace_ = create_extensible(trace.get(), "events", file_type.get(), {0}, {kTraceChunkRows});
  }

  [[nodiscard]] std::string stat_path(std::size_t group, std::size_t stat) const {
    return "/stats/" + groups_[group].type + "/" + groups_[group].stat_names[stat];
  }

  /// Grows `dataset` to first + count rows and writes them: [count] for rank 1, [count x columns] for rank 2.
  void append(const Handle& dataset, const std::string& name, hsize_t first, hsize_t count, int rank, hsize_t columns,
              hid_t memory_type, const void* data) {
    const std::array<hsize_t, 2> new_dims{first + count, columns};
    check_.status(H5Dset_extent(dataset.get(), new_dims.data()), "H5Dset_extent " + name);
    if (rank == 2 && columns == 0) return;  // a group without instances has nothing to write
    Handle file_space = check_.handle(H5Dget_space(dataset.get()), H5Sclose, "H5Dget_space " + name);
    const std::array<hsize_t, 2> start{first, 0};
    const std::array<hsize_t, 2> size{count, columns};
    check_.status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, size.data(), nullptr),
                  "H5Sselect_hyperslab " + name);
    Handle memory_space =
        check_.handle(H5Screate_simple(rank, size.data(), nullptr), H5Sclose, "H5Screate_simple " + name);
    check_.status(H5Dwrite(dataset.get(), memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, data),
                  "H5Dwrite " + name);
  }

  void write_whole(const Handle& dataset, const std::string& name, hid_t memory_type, const void* value) {
    check_.status(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, value), "H5Dwrite " + name);
  }

  Checker check_;
  std::vector<StatGroup> groups_;
  Handle file_;
  Handle time_, events_, pending_;
  std::vector<std::vector<Handle>> stats_;    // [group][stat]
  std::vector<std::vector<Handle>> summary_;  // [group][stat]
  Handle final_time_, final_events_, final_pending_, wall_seconds_, status_;
  Handle trace_;
  Handle trace_memory_type_;
  std::vector<Handle> report_datasets_;
  std::vector<Handle> report_types_;
  hsize_t samples_written_ = 0;
  hsize_t trace_rows_ = 0;
};

RunFile::RunFile(const fs::path& path, const OutputLayout& layout) : impl_(std::make_unique<Impl>(path, layout)) {}
RunFile::~RunFile() = default;
void RunFile::append_samples(std::span<const StatSample> samples) { impl_->append_samples(samples); }
void RunFile::append_trace(std::span<const TraceRecord> records) { impl_->append_trace(records); }
void RunFile::write_summary(const RunSummary& summary) { impl_->write_summary(summary); }
void RunFile::write_status(const std::string& status) { impl_->write_status(status); }
void RunFile::flush() { impl_->flush(); }
void RunFile::close() { impl_->close(); }

}  // namespace archlab::hdf5
