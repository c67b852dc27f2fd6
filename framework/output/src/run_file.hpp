// One run file on the HDF5 C API, in the layout of DESIGN.md "HDF5 output": every object
// created up front, then appended to in SWMR mode (crash safety: run_file.cpp). Used by one
// thread at a time, always under hdf5_mutex(); RunWriter (run_file_writer.cpp) owns the thread.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "archlab/results.hpp"

namespace archlab::hdf5 {

class RunFile {
 public:
  /// Builds the file under a hidden temporary name and renames it to `path` once in SWMR mode:
  /// a process killed meanwhile leaves no half-built file at `path`. Throws OutputError.
  RunFile(const std::filesystem::path& path, const OutputLayout& layout);
  ~RunFile();
  RunFile(const RunFile&) = delete;
  RunFile& operator=(const RunFile&) = delete;

  void append_samples(std::span<const StatSample> samples);
  void append_trace(std::span<const TraceRecord> records);
  /// The final statistics, status, times and reported tables.
  void write_summary(const RunSummary& summary);
  void write_status(const std::string& status);
  void flush();
  /// Closing clears the SWMR flag in the superblock, after which plain readers open the file.
  void close();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace archlab::hdf5
