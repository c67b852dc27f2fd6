// The study file (HDF5, layout: python/README.md "Study files"): one row per trial in
// /study/trials, the Pareto front, the tuner's saved state. The tuning layer (tune.hpp) describes
// its study with a StudyLayout and calls these; nothing here knows how a study runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "archlab/tuner.hpp"

namespace archlab {

/// One evaluated design point: a row of /study/trials.
struct Trial {
  std::uint32_t number = 0;
  std::uint32_t batch = 0;
  std::uint32_t replica = 0;   ///< the ensemble replica that ran it
  std::vector<double> point;
  std::vector<double> objectives;   ///< as measured; NaN when failed
  std::vector<double> constraints;  ///< value - bound form; NaN when failed
  /// per_variant_objectives() x variants, objective-major; empty with one variant
  std::vector<double> variant_objectives;
  std::string status = "ok";        ///< "ok" or "failed: <why>"
  std::string fidelity = "event";   ///< "event" (simulated) or "analytical" (estimated)
  double wall_seconds = 0;          ///< of the ensemble run it was part of
  bool ok() const { return status == "ok"; }
  /// ok and every constraint value <= 0.
  bool feasible() const;
};

/// What a study file holds besides its trials: the columns of /study/trials and the attributes
/// that tie the file to its experiment.
struct StudyLayout {
  std::string name;             ///< the experiment's name, for messages
  std::string experiment_toml;  ///< a resumed study must come from this same text
  std::string system_toml;
  std::string effective_toml;
  std::string engine;
  std::uint64_t seed = 0;  ///< the simulation seed
  std::string tuner;
  std::uint64_t tuner_seed = 0;
  std::uint64_t budget = 0;
  std::uint32_t batch = 0;

  struct Parameter {
    std::string path;  ///< "system.components.sa.rows"
    DimensionKind kind = DimensionKind::Int;
    std::vector<std::string> choices;  ///< Choice: labels (the column holds the label)
  };
  std::vector<Parameter> parameters;
  std::vector<std::string> objectives;
  std::vector<bool> maximize;  ///< per objective
  std::vector<std::string> constraints;
  std::vector<std::string> workloads;  ///< workload variants' names
  /// "<objective>@<variant>" columns, in Trial::variant_objectives order
  std::vector<std::string> variant_objectives;
};

/// Written whole to a temporary name and renamed over `path`, so the file is always either the
/// previous or the new complete study. `pareto` (trial numbers) goes to /study/pareto; with one
/// objective its first entry is the `chosen` attribute.
void write_study_file(const std::filesystem::path& path, const StudyLayout& layout, const std::vector<Trial>& trials,
                      std::span<const std::uint32_t> pareto, std::span<const std::byte> tuner_state, bool finished);

struct StudyFile {
  std::string experiment_toml;
  std::string tuner;
  std::vector<Trial> trials;
  std::vector<std::byte> tuner_state;
};
/// Throws OutputError when the file cannot be read, ConfigError when it is not a study of
/// `layout` (another experiment, tuner seed or simulation seed).
StudyFile read_study_file(const std::filesystem::path& path, const StudyLayout& layout);

/// One study process per study file: held (an flock on ".<name>.lock" next to the file, which
/// records the holder's process id) from before the study reads its file until it ends, so two
/// `archlab tune --resume` of one study cannot both run. The kernel drops the lock of a killed
/// process; its lock file, and the ".<name>.tmp-<pid>" a kill during a rewrite leaves, are
/// removed by the next holder.
class StudyLock {
public:
  StudyLock() = default;
  StudyLock(StudyLock&& other) noexcept;
  StudyLock& operator=(StudyLock&&) = delete;
  StudyLock(const StudyLock&) = delete;
  StudyLock& operator=(const StudyLock&) = delete;
  ~StudyLock();

  /// Checks that `path` may be written (check_output_path, with the study's own files as
  /// `inputs`) and takes the lock; throws ConfigError naming the process that holds it.
  static StudyLock acquire(const std::filesystem::path& path, const std::vector<std::filesystem::path>& inputs);

private:
  int fd_ = -1;
  std::filesystem::path lock_path_;
};

}  // namespace archlab
