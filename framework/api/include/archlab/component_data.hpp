// Host-side extras of the component API, for components that carry data and report results
// (the DNN workload is the example: workloads/dnn/dnn.cpp):
//
//   - read-only data: a component entry (one TOML table, one replica) owns a block of bytes that
//     its handlers read with Context::data<T>(ref). ParamType::Path values land there (the
//     resolved file name), and the optional hook
//         static bool prepare(Params& params, archlab::DataBuilder& data);
//     runs once per entry when the configuration loads: it may read files, append whatever the
//     handlers need (a compiled program, tables) and store the DataRefs in Params. It returns
//     false after data.fail("what is wrong"), which becomes a configuration error naming the
//     component. The block goes to the GPU with the parameters; it never changes during a run.
//   - reports: declared tables (`tables[]`, columns with types and units) and the optional hook
//         static void report(const State&, const Params&, const std::byte* data, archlab::Report&);
//     called for every instance after the run. Rows land in /workload/<name>/<table> of the
//     HDF5 file (with `replica` and `instance` columns added), text is printed by `archlab run`.
//
// Both hooks are host code only; everything here is plain data with function pointers, so the
// framework and a plugin agree on it without sharing a C++ library.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string_view>

namespace archlab {

struct DataRef;

/// What prepare() works with: the entry's data block so far, and room for a message.
struct DataBuilder {
  void* owner;
  /// Appends `bytes` zero bytes at a multiple of `align` (a power of two up to 64); returns
  /// their offset in the block.
  std::uint64_t (*grow)(void* owner, std::uint64_t bytes, std::uint64_t align);
  /// The block's current start; it moves when the block grows.
  std::byte* (*base)(void* owner);
  char error[1024];

  /// Copies `size` bytes into the block.
  DataRef append(const void* bytes, std::uint64_t size, std::uint64_t align = 16);
  template <class T> DataRef append_array(const T* items, std::uint64_t count);
  /// A ParamType::Path value (or any NUL-terminated text appended before).
  const char* text(DataRef ref) const;
  template <class T> const T* at(DataRef ref) const;
  /// Records the message and returns false, for `return data.fail("...")` in prepare().
  bool fail(std::string_view message) {
    const std::size_t n = std::min(message.size(), sizeof(error) - 1);
    std::memcpy(error, message.data(), n);
    error[n] = '\0';
    return false;
  }
};

enum class ColumnType : std::uint32_t { U32, U64, F64, String };

struct ColumnSpec {
  const char* name;
  ColumnType type;
  std::uint32_t width; ///< String: bytes kept (longer text is cut); otherwise 0
  const char* unit;    ///< "ps", "pJ", "bytes", "" for none
  const char* doc;
};

struct TableSpec {
  const char* name; ///< the dataset's name under /workload/<component name>/
  const ColumnSpec* columns;
  std::uint32_t ncolumns;
  const char* doc;
};

/// One cell of a report row: `u` for U32/U64, `f` for F64, `s` for String.
struct ReportValue {
  std::uint64_t u = 0;
  double f = 0;
  const char* s = "";
  ReportValue() = default;
  ReportValue(std::uint64_t value) : u(value) {} // NOLINT(google-explicit-constructor)
  ReportValue(std::uint32_t value) : u(value) {} // NOLINT(google-explicit-constructor)
  ReportValue(double value) : f(value) {}        // NOLINT(google-explicit-constructor)
  ReportValue(const char* value) : s(value) {}   // NOLINT(google-explicit-constructor)
};

/// What report() writes to.
struct Report {
  void* owner;
  /// One row of tables[table]: exactly its ncolumns values, in column order.
  void (*add_row)(void* owner, std::uint32_t table, const ReportValue* values);
  /// Text for `archlab run` to print after the run (lines end with '\n').
  void (*add_text)(void* owner, const char* text);

  void row(std::uint32_t table, std::initializer_list<ReportValue> values) { add_row(owner, table, values.begin()); }
  void print(const char* text) { add_text(owner, text); }
};

/// A DataRef's bytes within a data block, as report() receives it.
template <class T> const T* data_at(const std::byte* block, DataRef ref);

} // namespace archlab
