// The study file `archlab tune --resume` reads, with hostile contents in a well-formed file: the
// input decides the trials (numbers, batches, status text of any length and bytes, objective
// and constraint values including NaN and infinities) and the tuner's saved state; the file is
// written as a study of tests/tune/systolic_tune.toml and read back, which must give the same
// trials or an archlab::Error. (Arbitrary bytes as the file itself exercise libhdf5 more than
// archlab: they hang it inside H5HG_read within seconds, so this target keeps the file valid.)
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "archlab/errors.hpp"
#include "archlab/tune.hpp"

namespace {

const archlab::TuneSpec& spec() {
  static const archlab::PluginRegistry registry;
  static const archlab::TuneSpec instance =
      archlab::load_tune(std::string(ARCHLAB_SOURCE_DIR) + "/tests/tune/systolic_tune.toml", {}, registry);
  return instance;
}

class Input {
public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  template <class T> T take() {
    T value{};
    const std::size_t n = std::min(sizeof value, size_ - std::min(at_, size_));
    std::memcpy(&value, data_ + at_, n);
    at_ += n;
    return value;
  }
  std::string text(std::size_t max) {
    const std::size_t n = std::min<std::size_t>(take<std::uint16_t>() % (max + 1), size_ - std::min(at_, size_));
    std::string out(reinterpret_cast<const char*>(data_ + at_), n);
    at_ += n;
    return out;
  }

private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("archlab_fuzz_study_" + std::to_string(::getpid()) + ".h5");
  const archlab::TuneSpec& study = spec();
  Input input(data, size);
  std::vector<archlab::Trial> trials(input.take<std::uint8_t>() % 16);
  for (auto& trial : trials) {
    trial.number = input.take<std::uint32_t>();
    trial.batch = input.take<std::uint32_t>();
    trial.replica = input.take<std::uint32_t>();
    trial.status = input.text(400);
    trial.wall_seconds = input.take<double>();
    for (const auto& dim : study.space) {
      const auto raw = input.take<std::uint16_t>();
      trial.point.push_back(dim.kind == archlab::DimensionKind::Choice ? raw % dim.choices.size()
                                                                       : static_cast<double>(raw));
    }
    for (std::size_t k = 0; k < study.objectives.size(); ++k)
      trial.objectives.push_back(input.take<double>());
    for (std::size_t k = 0; k < study.constraints.size(); ++k)
      trial.constraints.push_back(input.take<double>());
  }
  const std::string state = input.text(4096);
  try {
    archlab::write_study_file(file, study, trials, {reinterpret_cast<const std::byte*>(state.data()), state.size()},
                              (input.take<std::uint8_t>() & 1) != 0);
    const archlab::StudyFile read = archlab::read_study_file(file, study);
    if (read.trials.size() != trials.size() || read.tuner_state.size() != state.size()) std::abort();
    for (std::size_t t = 0; t < trials.size(); ++t) {
      const auto& a = trials[t];
      const auto& b = read.trials[t];
      // Status text is stored in 256 bytes and read up to its first NUL.
      const std::string status = a.status.substr(0, std::min(a.status.find('\0'), std::size_t{255}));
      if (a.number != b.number || a.batch != b.batch || b.status.rfind(status.substr(0, b.status.size()), 0) != 0) {
        std::abort();
      }
      for (std::size_t k = 0; k < a.objectives.size(); ++k)
        if (!same(a.objectives[k], b.objectives[k])) std::abort();
      for (std::size_t k = 0; k < a.constraints.size(); ++k)
        if (!same(a.constraints[k], b.constraints[k])) std::abort();
    }
  } catch (const archlab::Error&) {
  }
  return 0;
}
