// Genetic algorithm: generational, tournament selection, SBX or uniform crossover, polynomial or
// gaussian mutation, elitism; single objective (the first), Deb's constraint rules (see README.md).
#include <stdexcept>

#include "../common/evolution.hpp"

namespace {

using namespace archlab_tuners;

class GeneticTuner {
 public:
  static constexpr const char* kName = "genetic";
  static constexpr archlab::TunerObjectives kObjectives = archlab::TunerObjectives::Primary;
  struct Params {
    std::uint64_t population;
    std::uint64_t tournament;
    std::uint64_t elitism;
    double crossover_rate;
    double eta_c;
    double mutation_rate;
    double eta_m;
    double sigma;
    std::uint64_t max_tries;
    std::uint32_t crossover;
    std::uint32_t mutation;
  };
  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, population, UInt, "20", "individuals per generation", 2.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, tournament, UInt, "2", "tournament size of parent selection", 1.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, elitism, UInt, "2", "best parents kept unchanged into the next generation", 0.0, 1e6),
      ARCHLAB_PARAM_CHOICE(Params, crossover, "sbx|uniform", "sbx", "crossover of numeric dimensions"),
      ARCHLAB_PARAM_RANGE(Params, crossover_rate, Float, "0.9", "probability that a pair is crossed", 0.0, 1.0),
      ARCHLAB_PARAM_RANGE(Params, eta_c, Float, "15", "SBX distribution index", 0.0, 1e3),
      ARCHLAB_PARAM_CHOICE(Params, mutation, "polynomial|gaussian", "polynomial", "mutation of numeric dimensions"),
      ARCHLAB_PARAM_RANGE(Params, mutation_rate, Float, "0", "per-dimension mutation probability (0: 1 / dimensions)",
                          0.0, 1.0),
      ARCHLAB_PARAM_RANGE(Params, eta_m, Float, "20", "polynomial mutation distribution index", 0.0, 1e3),
      ARCHLAB_PARAM_RANGE(Params, sigma, Float, "0.1", "gaussian mutation deviation, fraction of the range", 0.0, 1.0),
      ARCHLAB_PARAM_RANGE(Params, max_tries, UInt, "1000", "draws per point before giving up on the conditions", 1.0,
                          1e9),
  };

  GeneticTuner(const Params& p, const archlab::TunerSetup& setup)
      : params_(p), space_(setup.space), ncons_(setup.nconstraints), rng_(setup.seed, 0x67656e31u) {
    if (space_.ndims == 0) throw std::invalid_argument("genetic: the space has no dimensions");
    if (setup.nobjectives == 0) throw std::invalid_argument("genetic: no objective");
    if (p.elitism >= p.population) throw std::invalid_argument("genetic: elitism must be below the population");
  }

  std::uint32_t ask(std::uint32_t n, double* points) {
    const std::uint32_t dims = space_.ndims;
    const Variation v{params_.crossover == 1, params_.crossover_rate, params_.eta_c, params_.mutation == 1,
                      params_.mutation_rate, params_.eta_m, params_.sigma};
    std::uint32_t made = 0;
    for (; made < n; ++made) {
      double* point = points + static_cast<std::size_t>(made) * dims;
      bool found = false;
      if (!fitness_.empty()) {
        for (std::uint64_t attempt = 0; attempt < params_.max_tries && !found; ++attempt) {
          const std::size_t a = select(), b = select();
          make_child(space_, &population_[a * dims], &population_[b * dims], v, rng_, point);
          found = archlab::tuning::admissible(space_, point);
        }
      }
      if (!found && !random_point(space_, rng_, params_.max_tries, point)) break;
    }
    return made;
  }

  void tell(std::span<const archlab::TunerTrial> trials) {
    for (const archlab::TunerTrial& t : trials) {
      if (t.trial == ~std::uint64_t{0}) continue;  // never evaluated (a space condition)
      const double violation = violation_of(t, ncons_);
      pool_.insert(pool_.end(), t.point, t.point + space_.ndims);
      pool_fitness_.push_back(violation == kInf ? kInf : t.objectives[0]);
      pool_violation_.push_back(violation);
    }
    if (pool_fitness_.size() < params_.population) return;
    // Next generation: the `elitism` best parents, then the best offspring (Deb's rules).
    std::vector<double> next, fit, vio;
    auto order = ranking(fitness_, violation_);
    for (std::size_t i = 0; i < order.size() && i < params_.elitism; ++i) take(population_, fitness_, violation_, order[i], next, fit, vio);
    order = ranking(pool_fitness_, pool_violation_);
    for (std::size_t i = 0; i < order.size() && fit.size() < params_.population; ++i) {
      take(pool_, pool_fitness_, pool_violation_, order[i], next, fit, vio);
    }
    population_ = std::move(next);
    fitness_ = std::move(fit);
    violation_ = std::move(vio);
    pool_.clear();
    pool_fitness_.clear();
    pool_violation_.clear();
    ++generation_;
  }

  std::vector<std::byte> save() const {
    archlab::tuning::ByteWriter out;
    archlab_tuners::put_state_header(out, kMagic, params_, space_.ndims, rng_.counter());
    out.put(generation_);
    out.put_vector(population_);
    out.put_vector(fitness_);
    out.put_vector(violation_);
    out.put_vector(pool_);
    out.put_vector(pool_fitness_);
    out.put_vector(pool_violation_);
    return out.take();
  }

  static std::unique_ptr<GeneticTuner> restore(const Params& p, const archlab::TunerSetup& setup,
                                               std::span<const std::byte> bytes) {
    archlab::tuning::ByteReader in(bytes);
    std::uint64_t counter = 0;
    const std::uint32_t ndims = setup.space.ndims;
    auto t = std::make_unique<GeneticTuner>(p, setup);
    if (!archlab_tuners::get_state_header(in, kMagic, p, ndims, counter) || !in.get(t->generation_) ||
        !in.get_vector(t->population_) || !in.get_vector(t->fitness_) || !in.get_vector(t->violation_) ||
        !in.get_vector(t->pool_) || !in.get_vector(t->pool_fitness_) || !in.get_vector(t->pool_violation_) ||
        !in.done()) {
      return nullptr;
    }
    if (t->population_.size() != t->fitness_.size() * ndims || t->pool_.size() != t->pool_fitness_.size() * ndims) {
      return nullptr;
    }
    t->rng_ = archlab::tuning::Random(setup.seed, 0x67656e31u, counter);
    return t;
  }

 private:
  static constexpr std::uint64_t kMagic = 0x31434954454e4547ull;  // "GENETIC1"

  /// Indices sorted best first by Deb's rules (stable: ties keep their order).
  static std::vector<std::uint32_t> ranking(const std::vector<double>& f, const std::vector<double>& v) {
    std::vector<std::uint32_t> order(f.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return better_single(f[a], v[a], f[b], v[b]); });
    return order;
  }
  void take(const std::vector<double>& points, const std::vector<double>& f, const std::vector<double>& v,
            std::uint32_t i, std::vector<double>& to, std::vector<double>& tf, std::vector<double>& tv) const {
    to.insert(to.end(), points.begin() + static_cast<std::ptrdiff_t>(i) * space_.ndims,
              points.begin() + static_cast<std::ptrdiff_t>(i + 1) * space_.ndims);
    tf.push_back(f[i]);
    tv.push_back(v[i]);
  }
  /// Tournament selection: the best of `tournament` uniform draws from the population.
  std::size_t select() {
    std::size_t best = rng_.below(fitness_.size());
    for (std::uint64_t k = 1; k < params_.tournament; ++k) {
      const std::size_t other = rng_.below(fitness_.size());
      if (better_single(fitness_[other], violation_[other], fitness_[best], violation_[best])) best = other;
    }
    return best;
  }

  Params params_;
  archlab::TunerSpace space_;
  std::uint32_t ncons_;
  Random rng_;
  std::uint64_t generation_ = 0;
  std::vector<double> population_, fitness_, violation_;    ///< the current generation (empty at first)
  std::vector<double> pool_, pool_fitness_, pool_violation_;  ///< offspring told since
};

}  // namespace

ARCHLAB_REGISTER_TUNER(GeneticTuner, "1.0.0", "genetic algorithm: tournament, SBX/uniform crossover, mutation, elitism")
