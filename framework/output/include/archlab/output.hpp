// HDF5 output of a run, in the layout of DESIGN.md. Writing happens on a thread of its own:
// the engine hands over snapshots and returns to the event loop at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "archlab/results.hpp"

namespace archlab {

/// Version of the file layout, stored as the root attribute `format_version`.
inline constexpr std::uint32_t kFileFormatVersion = 1;

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
