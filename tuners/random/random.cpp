// Random search: independent draws over the space (see README.md).
#include <archlab/tuner.hpp>
#include <stdexcept>

namespace {

class RandomTuner {
 public:
  static constexpr const char* kName = "random";
  static constexpr archlab::TunerObjectives kObjectives = archlab::TunerObjectives::None;
  struct Params {
    std::uint64_t max_tries;
  };
  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, max_tries, UInt, "1000", "draws per point before giving up on the conditions", 1.0,
                          1e9),
  };

  RandomTuner(const Params& p, const archlab::TunerSetup& setup, std::uint64_t counter = 0)
      : params_(p), space_(setup.space), rng_(setup.seed, 0x7a4e0001u, counter) {
    if (space_.ndims == 0) throw std::invalid_argument("random: the space has no dimensions");
  }

  std::uint32_t ask(std::uint32_t n, double* points) {
    std::uint32_t made = 0;
    for (; made < n; ++made) {
      double* point = points + static_cast<std::size_t>(made) * space_.ndims;
      bool found = false;
      for (std::uint64_t attempt = 0; attempt < params_.max_tries && !found; ++attempt) {
        for (std::uint32_t d = 0; d < space_.ndims; ++d) point[d] = archlab::tuning::sample(space_.dims[d], rng_.uniform());
        found = archlab::tuning::admissible(space_, point);
      }
      if (!found) break;
    }
    return made;
  }

  void tell(std::span<const archlab::TunerTrial>) {}

  std::vector<std::byte> save() const {
    archlab::tuning::ByteWriter out;
    out.put(kMagic);
    out.put(rng_.counter());
    return out.take();
  }

  static std::unique_ptr<RandomTuner> restore(const Params& p, const archlab::TunerSetup& setup,
                                              std::span<const std::byte> bytes) {
    archlab::tuning::ByteReader in(bytes);
    std::uint64_t magic = 0;
    std::uint64_t counter = 0;
    if (!in.get(magic) || magic != kMagic || !in.get(counter) || !in.done()) return nullptr;
    return std::make_unique<RandomTuner>(p, setup, counter);
  }

 private:
  static constexpr std::uint64_t kMagic = 0x314d4f444e4152ull;  // "RANDOM1"
  Params params_;
  archlab::TunerSpace space_;
  archlab::tuning::Random rng_;
};

}  // namespace

ARCHLAB_REGISTER_TUNER(RandomTuner, "1.0.0", "random search: independent uniform or log-uniform draws")
