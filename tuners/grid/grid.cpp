// Grid search: every point of the space in mixed-radix order (see README.md).
#include <archlab/tuner.hpp>
#include <stdexcept>
#include <string>

namespace {

class GridTuner {
 public:
  static constexpr const char* kName = "grid";
  static constexpr archlab::TunerObjectives kObjectives = archlab::TunerObjectives::None;
  struct Params {
    std::uint64_t levels;
  };
  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, levels, UInt, "5", "values of each continuous float dimension", 1.0, 1e6),
  };

  GridTuner(const Params& p, const archlab::TunerSetup& setup, std::uint64_t next = 0)
      : params_(p), space_(setup.space), next_(next) {
    if (space_.ndims == 0) throw std::invalid_argument("grid: the space has no dimensions");
    total_ = 1;
    for (std::uint32_t d = 0; d < space_.ndims; ++d) {
      const std::uint64_t count = values_of(space_.dims[d]);
      if (count == 0) throw std::invalid_argument(std::string("grid: dimension '") + space_.dims[d].name + "' is empty");
      if (total_ > (std::uint64_t{1} << 40) / count) throw std::invalid_argument("grid: more than 2^40 points");
      total_ *= count;
    }
  }

  std::uint32_t ask(std::uint32_t n, double* points) {
    std::uint32_t made = 0;
    while (made < n && next_ < total_) {
      double* point = points + static_cast<std::size_t>(made) * space_.ndims;
      std::uint64_t rest = next_++;
      for (std::uint32_t d = space_.ndims; d-- > 0;) {
        const std::uint64_t count = values_of(space_.dims[d]);
        point[d] = value_of(space_.dims[d], rest % count);
        rest /= count;
      }
      if (archlab::tuning::admissible(space_, point)) ++made;
    }
    return made;
  }

  void tell(std::span<const archlab::TunerTrial>) {}

  std::vector<std::byte> save() const {
    archlab::tuning::ByteWriter out;
    out.put(kMagic);
    out.put(next_);
    out.put(total_);
    return out.take();
  }

  static std::unique_ptr<GridTuner> restore(const Params& p, const archlab::TunerSetup& setup,
                                            std::span<const std::byte> bytes) {
    archlab::tuning::ByteReader in(bytes);
    std::uint64_t magic = 0, next = 0, total = 0;
    if (!in.get(magic) || magic != kMagic || !in.get(next) || !in.get(total) || !in.done()) return nullptr;
    auto tuner = std::make_unique<GridTuner>(p, setup, next);
    if (tuner->total_ != total || next > total) return nullptr;
    return tuner;
  }

 private:
  static constexpr std::uint64_t kMagic = 0x3144495247ull;  // "GRID1"

  bool continuous(const archlab::SpaceDimension& d) const {
    return d.kind == archlab::DimensionKind::Float && d.step <= 0;
  }
  std::uint64_t values_of(const archlab::SpaceDimension& d) const {
    if (continuous(d)) return d.high > d.low ? params_.levels : 1;
    return archlab::tuning::grid_count(d);
  }
  double value_of(const archlab::SpaceDimension& d, std::uint64_t k) const {
    if (!continuous(d)) return archlab::tuning::grid_value(d, k);
    if (params_.levels <= 1 || d.high <= d.low) return d.low;
    const double t = static_cast<double>(k) / static_cast<double>(params_.levels - 1);
    if (d.log_scale != 0) return d.low * std::pow(d.high / d.low, t);
    return d.low + t * (d.high - d.low);
  }

  Params params_;
  archlab::TunerSpace space_;
  std::uint64_t next_;
  std::uint64_t total_ = 0;
};

}  // namespace

ARCHLAB_REGISTER_TUNER(GridTuner, "1.0.0", "grid search: every point of the space once")
