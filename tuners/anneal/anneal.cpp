// Simulated annealing (Kirkpatrick, Gelatt, Vecchi 1983) with Metropolis acceptance, geometric
// cooling, batched neighbours and restarts; single objective (the first) (see README.md).
#include <stdexcept>

#include "../common/evolution.hpp"

namespace {

using namespace archlab_tuners;

class AnnealTuner {
 public:
  static constexpr const char* kName = "anneal";
  static constexpr archlab::TunerObjectives kObjectives = archlab::TunerObjectives::Primary;
  struct Params {
    double initial_temperature;
    double cooling;
    double step;
    double min_step;
    std::uint64_t restarts;
    std::uint64_t max_tries;
  };
  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, initial_temperature, Float, "1",
                          "initial temperature, in units of the mean uphill objective change", 1e-12, 1e12),
      ARCHLAB_PARAM_RANGE(Params, cooling, Float, "0",
                          "temperature factor per evaluated trial (0: reach 1e-3 of the start by the end of each run)",
                          0.0, 1.0),
      ARCHLAB_PARAM_RANGE(Params, step, Float, "0.1", "neighbourhood step, fraction of each dimension's range", 1e-9,
                          1.0),
      ARCHLAB_PARAM_RANGE(Params, min_step, Float, "0.01", "the step shrinks with sqrt(T / T0) down to this", 0.0, 1.0),
      ARCHLAB_PARAM_RANGE(Params, restarts, UInt, "0", "restarts from a fresh random point (the budget is split evenly)",
                          0.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, max_tries, UInt, "1000", "draws per point before giving up on the conditions", 1.0,
                          1e9),
  };

  AnnealTuner(const Params& p, const archlab::TunerSetup& setup)
      : params_(p), space_(setup.space), ncons_(setup.nconstraints), rng_(setup.seed, 0x616e6e31u) {
    if (space_.ndims == 0) throw std::invalid_argument("anneal: the space has no dimensions");
    if (setup.nobjectives == 0) throw std::invalid_argument("anneal: no objective");
    segment_length_ = std::max<std::uint64_t>(1, setup.budget / (p.restarts + 1));
    cooling_ = p.cooling > 0 ? p.cooling : std::pow(1e-3, 1.0 / static_cast<double>(segment_length_));
    temperature_ = p.initial_temperature;
  }

  std::uint32_t ask(std::uint32_t n, double* points) {
    const std::uint32_t dims = space_.ndims;
    std::uint32_t made = 0;
    for (; made < n; ++made) {
      double* point = points + static_cast<std::size_t>(made) * dims;
      bool found = false;
      for (std::uint64_t attempt = 0; has_current_ != 0 && attempt < params_.max_tries && !found; ++attempt) {
        neighbour(point);
        found = archlab::tuning::admissible(space_, point);
      }
      if (!found && !random_point(space_, rng_, params_.max_tries, point)) break;
    }
    return made;
  }

  void tell(std::span<const archlab::TunerTrial> trials) {
    // The candidate: the best of the told points (Deb's rules), then one Metropolis decision.
    const archlab::TunerTrial* best = nullptr;
    double best_f = 0, best_v = kInf;
    std::uint64_t evaluated = 0;
    for (const archlab::TunerTrial& t : trials) {
      if (t.trial == ~std::uint64_t{0}) continue;  // never evaluated (a space condition)
      ++evaluated;
      const double v = violation_of(t, ncons_);
      const double f = v == kInf ? kInf : t.objectives[0];
      if (v == kInf || std::isnan(f)) continue;
      if (best == nullptr || better_single(f, v, best_f, best_v)) {
        best = &t;
        best_f = f;
        best_v = v;
      }
    }
    if (evaluated == 0) return;
    const double r = rng_.uniform();
    if (best != nullptr) {
      bool accept;
      if (has_current_ == 0) {
        accept = true;
        temperature_ = params_.initial_temperature;
      } else if (best_v <= 0 && current_v_ <= 0) {
        const double delta = best_f - current_f_;
        if (delta <= 0) {
          accept = true;
        } else {
          uphill_sum_ += delta;
          uphill_count_ += 1;
          const double scale = uphill_sum_ / uphill_count_;
          accept = r < std::exp(-delta / (temperature_ * scale));
        }
      } else {
        accept = best_v <= 0 || (current_v_ > 0 && best_v <= current_v_);
      }
      if (accept) {
        current_.assign(best->point, best->point + space_.ndims);
        current_f_ = best_f;
        current_v_ = best_v;
        has_current_ = 1;
      }
    }
    if (has_current_ != 0) temperature_ *= std::pow(cooling_, static_cast<double>(evaluated));
    told_in_segment_ += evaluated;
    if (told_in_segment_ >= segment_length_ && segment_ < params_.restarts) {
      ++segment_;
      told_in_segment_ = 0;
      has_current_ = 0;
      temperature_ = params_.initial_temperature;
    }
  }

  std::vector<std::byte> save() const {
    archlab::tuning::ByteWriter out;
    archlab_tuners::put_state_header(out, kMagic, params_, space_.ndims, rng_.counter());
    out.put(segment_length_);
    out.put(has_current_);
    out.put_vector(current_);
    out.put(current_f_);
    out.put(current_v_);
    out.put(temperature_);
    out.put(told_in_segment_);
    out.put(segment_);
    out.put(uphill_sum_);
    out.put(uphill_count_);
    return out.take();
  }

  static std::unique_ptr<AnnealTuner> restore(const Params& p, const archlab::TunerSetup& setup,
                                              std::span<const std::byte> bytes) {
    archlab::tuning::ByteReader in(bytes);
    std::uint64_t counter = 0, length = 0;
    const std::uint32_t ndims = setup.space.ndims;
    auto t = std::make_unique<AnnealTuner>(p, setup);
    if (!archlab_tuners::get_state_header(in, kMagic, p, ndims, counter) || !in.get(length) ||
        length != t->segment_length_ || !in.get(t->has_current_) || !in.get_vector(t->current_) ||
        !in.get(t->current_f_) || !in.get(t->current_v_) || !in.get(t->temperature_) || !in.get(t->told_in_segment_) ||
        !in.get(t->segment_) || !in.get(t->uphill_sum_) || !in.get(t->uphill_count_) || !in.done()) {
      return nullptr;
    }
    if (t->has_current_ != 0 && t->current_.size() != ndims) return nullptr;
    t->rng_ = archlab::tuning::Random(setup.seed, 0x616e6e31u, counter);
    return t;
  }

 private:
  static constexpr std::uint64_t kMagic = 0x314c41454e4e41ull;  // "ANNEAL1"

  /// A neighbour of the current point: one random dimension always moves, each other with
  /// probability 1/2; a numeric one by a gaussian step (a fraction of its range, in log
  /// scale for log dimensions, reflected at the bounds, at least one grid step), a choice to a
  /// random other choice.
  void neighbour(double* point) {
    const std::uint32_t dims = space_.ndims;
    const double step =
        std::fmax(params_.min_step, params_.step * std::sqrt(std::fmax(temperature_ / params_.initial_temperature, 0.0)));
    const std::uint64_t forced = rng_.below(dims);
    for (std::uint32_t d = 0; d < dims; ++d) {
      const SpaceDimension& dim = space_.dims[d];
      const bool move = d == forced || rng_.uniform() < 0.5;
      const double x = current_[d];
      point[d] = x;
      if (!move) continue;
      if (!numeric(dim)) {
        if (dim.nchoices > 1) {
          const std::uint64_t other = rng_.below(dim.nchoices - 1);
          point[d] = static_cast<double>(other >= static_cast<std::uint64_t>(x) ? other + 1 : other);
        }
        continue;
      }
      const double z = gaussian(rng_);
      double u = to_unit(dim, x) + step * z;
      if (u < 0) u = -u;
      if (u > 1) u = 2 - u;
      double y = from_unit(dim, u);
      if (y == x && dim.step > 0) {
        y = archlab::tuning::snap(dim, x + (z >= 0 ? dim.step : -dim.step));
        if (y == x) y = archlab::tuning::snap(dim, x - (z >= 0 ? dim.step : -dim.step));
      }
      point[d] = y;
    }
  }

  Params params_;
  archlab::TunerSpace space_;
  std::uint32_t ncons_;
  Random rng_;
  std::uint64_t segment_length_ = 1;
  double cooling_ = 1;
  std::uint64_t has_current_ = 0;
  std::vector<double> current_;
  double current_f_ = 0;
  double current_v_ = 0;
  double temperature_ = 1;
  std::uint64_t told_in_segment_ = 0;
  std::uint64_t segment_ = 0;
  double uphill_sum_ = 0;
  double uphill_count_ = 0;
};

}  // namespace

ARCHLAB_REGISTER_TUNER(AnnealTuner, "1.0.0", "simulated annealing: Metropolis acceptance, geometric cooling, restarts")
