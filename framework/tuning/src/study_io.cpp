// A study's file in terms of its TuneSpec: the output layer (study_file.hpp) writes what
// study_layout() describes.
#include <system_error>

#include "archlab/tune.hpp"

namespace archlab {

StudyLayout study_layout(const TuneSpec& spec) {
  StudyLayout layout;
  layout.name = spec.name;
  layout.experiment_toml = spec.experiment_text;
  layout.system_toml = spec.base.system_text;
  layout.effective_toml = spec.base.effective_text;
  layout.engine = spec.base.engine;
  layout.seed = spec.base.seed;
  layout.tuner = spec.tuner;
  layout.tuner_seed = spec.seed;
  layout.budget = spec.budget;
  layout.batch = spec.batch;
  for (const SpaceParam& dim : spec.space) layout.parameters.push_back({dim.path, dim.kind, dim.choices});
  for (const TuneObjective& objective : spec.objectives) {
    layout.objectives.push_back(objective.name);
    layout.maximize.push_back(objective.maximize);
  }
  for (const TuneConstraint& constraint : spec.constraints) layout.constraints.push_back(constraint.name);
  for (const TuneWorkload& variant : spec.workloads) layout.workloads.push_back(variant.name);
  for (std::size_t k : spec.per_variant_objectives()) {
    for (const TuneWorkload& variant : spec.workloads) {
      layout.variant_objectives.push_back(spec.objectives[k].name + "@" + variant.name);
    }
  }
  return layout;
}

void write_study_file(const std::filesystem::path& path, const TuneSpec& spec, const std::vector<Trial>& trials,
                      std::span<const std::byte> tuner_state, bool finished) {
  const std::vector<std::uint32_t> pareto = study_pareto(spec, trials);
  write_study_file(path, study_layout(spec), trials, pareto, tuner_state, finished);
}

StudyFile read_study_file(const std::filesystem::path& path, const TuneSpec& spec) {
  return read_study_file(path, study_layout(spec));
}

StudyLock lock_study(const std::filesystem::path& path, const TuneSpec& spec) {
  std::vector<std::filesystem::path> inputs = spec.base.inputs;
  std::error_code error;
  if (std::filesystem::is_regular_file(spec.name, error)) inputs.emplace_back(spec.name);
  return StudyLock::acquire(path, inputs);
}

}  // namespace archlab
