// NSGA-II (Deb, Pratap, Agarwal, Meyarivan 2002): fast non-dominated sorting, crowding distance,
// binary crowded tournaments, SBX + polynomial mutation, constraint domination (see README.md).
#include <stdexcept>

#include "../common/evolution.hpp"

namespace {

using namespace archlab_tuners;

class Nsga2Tuner {
 public:
  static constexpr const char* kName = "nsga2";
  static constexpr archlab::TunerObjectives kObjectives = archlab::TunerObjectives::All;
  struct Params {
    std::uint64_t population;
    double crossover_rate;
    double eta_c;
    double mutation_rate;
    double eta_m;
    std::uint64_t max_tries;
  };
  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, population, UInt, "20", "individuals per generation (N)", 2.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, crossover_rate, Float, "0.9", "probability that a pair is crossed", 0.0, 1.0),
      ARCHLAB_PARAM_RANGE(Params, eta_c, Float, "15", "SBX distribution index", 0.0, 1e3),
      ARCHLAB_PARAM_RANGE(Params, mutation_rate, Float, "0", "per-dimension mutation probability (0: 1 / dimensions)",
                          0.0, 1.0),
      ARCHLAB_PARAM_RANGE(Params, eta_m, Float, "20", "polynomial mutation distribution index", 0.0, 1e3),
      ARCHLAB_PARAM_RANGE(Params, max_tries, UInt, "1000", "draws per point before giving up on the conditions", 1.0,
                          1e9),
  };

  Nsga2Tuner(const Params& p, const archlab::TunerSetup& setup)
      : params_(p), space_(setup.space), nobj_(setup.nobjectives), ncons_(setup.nconstraints),
        rng_(setup.seed, 0x6e736732u) {
    if (space_.ndims == 0) throw std::invalid_argument("nsga2: the space has no dimensions");
    if (nobj_ == 0) throw std::invalid_argument("nsga2: no objective");
  }

  std::uint32_t ask(std::uint32_t n, double* points) {
    const std::uint32_t dims = space_.ndims;
    const Variation v{false, params_.crossover_rate, params_.eta_c, false, params_.mutation_rate, params_.eta_m, 0.0};
    std::uint32_t made = 0;
    for (; made < n; ++made) {
      double* point = points + static_cast<std::size_t>(made) * dims;
      bool found = false;
      if (!pop_.violation.empty()) {
        for (std::uint64_t attempt = 0; attempt < params_.max_tries && !found; ++attempt) {
          const std::size_t a = tournament(), b = tournament();
          make_child(space_, &pop_.points[a * dims], &pop_.points[b * dims], v, rng_, point);
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
      pool_.points.insert(pool_.points.end(), t.point, t.point + space_.ndims);
      pool_.objectives.insert(pool_.objectives.end(), t.objectives, t.objectives + nobj_);
      pool_.violation.push_back(violation_of(t, ncons_));
    }
    if (pool_.violation.size() < params_.population) return;
    // R = P u Q; fill the next P front by front, the last front by decreasing crowding distance.
    Group all = pop_;
    all.append(pool_, space_.ndims, nobj_);
    const std::size_t size = all.violation.size();
    std::vector<std::vector<double>> objectives(size);
    for (std::size_t i = 0; i < size; ++i) {
      objectives[i].assign(all.objectives.begin() + static_cast<std::ptrdiff_t>(i * nobj_),
                           all.objectives.begin() + static_cast<std::ptrdiff_t>((i + 1) * nobj_));
    }
    const auto fronts = fast_non_dominated_sort(objectives, all.violation);
    Group next;
    for (std::size_t r = 0; r < fronts.size() && next.violation.size() < params_.population; ++r) {
      const auto& front = fronts[r];
      const std::vector<double> distance = crowding_distance(objectives, front);
      std::vector<std::uint32_t> order(front.size());
      std::iota(order.begin(), order.end(), 0u);
      std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return distance[a] > distance[b]; });
      for (std::uint32_t k : order) {
        if (next.violation.size() >= params_.population) break;
        next.take(all, front[k], space_.ndims, nobj_);
        next.rank.push_back(static_cast<double>(r));
        next.crowding.push_back(distance[k]);
      }
    }
    pop_ = std::move(next);
    pool_ = Group{};
    ++generation_;
  }

  std::vector<std::byte> save() const {
    archlab::tuning::ByteWriter out;
    archlab_tuners::put_state_header(out, kMagic, params_, space_.ndims, rng_.counter());
    out.put(nobj_);
    out.put(ncons_);
    out.put(generation_);
    pop_.save(out);
    pool_.save(out);
    return out.take();
  }

  static std::unique_ptr<Nsga2Tuner> restore(const Params& p, const archlab::TunerSetup& setup,
                                             std::span<const std::byte> bytes) {
    archlab::tuning::ByteReader in(bytes);
    std::uint64_t counter = 0;
    const std::uint32_t ndims = setup.space.ndims;
    std::uint32_t nobj = 0, ncons = 0;
    auto t = std::make_unique<Nsga2Tuner>(p, setup);
    if (!archlab_tuners::get_state_header(in, kMagic, p, ndims, counter) || !in.get(nobj) ||
        nobj != setup.nobjectives || !in.get(ncons) || ncons != setup.nconstraints || !in.get(t->generation_) ||
        !t->pop_.load(in) || !t->pool_.load(in) || !in.done()) {
      return nullptr;
    }
    if (!t->pop_.consistent(ndims, nobj) || !t->pool_.consistent(ndims, nobj)) return nullptr;
    t->rng_ = archlab::tuning::Random(setup.seed, 0x6e736732u, counter);
    return t;
  }

 private:
  static constexpr std::uint64_t kMagic = 0x3132414753534eull;  // "NSGA21"

  struct Group {
    std::vector<double> points, objectives, violation, rank, crowding;
    void append(const Group& other, std::uint32_t, std::uint32_t) {
      points.insert(points.end(), other.points.begin(), other.points.end());
      objectives.insert(objectives.end(), other.objectives.begin(), other.objectives.end());
      violation.insert(violation.end(), other.violation.begin(), other.violation.end());
    }
    void take(const Group& from, std::uint32_t i, std::uint32_t ndims, std::uint32_t nobj) {
      points.insert(points.end(), from.points.begin() + static_cast<std::ptrdiff_t>(i) * ndims,
                    from.points.begin() + static_cast<std::ptrdiff_t>(i + 1) * ndims);
      objectives.insert(objectives.end(), from.objectives.begin() + static_cast<std::ptrdiff_t>(i) * nobj,
                        from.objectives.begin() + static_cast<std::ptrdiff_t>(i + 1) * nobj);
      violation.push_back(from.violation[i]);
    }
    void save(archlab::tuning::ByteWriter& out) const {
      out.put_vector(points);
      out.put_vector(objectives);
      out.put_vector(violation);
      out.put_vector(rank);
      out.put_vector(crowding);
    }
    bool load(archlab::tuning::ByteReader& in) {
      return in.get_vector(points) && in.get_vector(objectives) && in.get_vector(violation) && in.get_vector(rank) &&
             in.get_vector(crowding);
    }
    bool consistent(std::uint32_t ndims, std::uint32_t nobj) const {
      const std::size_t n = violation.size();
      return points.size() == n * ndims && objectives.size() == n * nobj && (rank.empty() || rank.size() == n) &&
             rank.size() == crowding.size();
    }
  };

  /// Binary tournament with the crowded-comparison operator: lower rank (constraint domination
  /// included), then larger crowding distance; a tie keeps the first draw.
  std::size_t tournament() {
    const std::size_t a = rng_.below(pop_.violation.size());
    const std::size_t b = rng_.below(pop_.violation.size());
    if (pop_.rank[b] < pop_.rank[a]) return b;
    if (pop_.rank[b] == pop_.rank[a] && pop_.crowding[b] > pop_.crowding[a]) return b;
    return a;
  }

  Params params_;
  archlab::TunerSpace space_;
  std::uint32_t nobj_;
  std::uint32_t ncons_;
  Random rng_;
  std::uint64_t generation_ = 0;
  Group pop_;   ///< P: the current parents, with rank and crowding distance (empty at first)
  Group pool_;  ///< Q: offspring told since
};

}  // namespace

ARCHLAB_REGISTER_TUNER(Nsga2Tuner, "1.0.0", "NSGA-II: non-dominated sorting, crowding, SBX, polynomial mutation")
