// Gaussian-process Bayesian optimization with expected improvement (see README.md): Matérn 5/2
// ARD kernel fit by maximum marginal likelihood, EI maximized over random and local candidates,
// batches by constant liar, ParEGO scalarization for several objectives, penalties for
// infeasible and failed trials.
#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "../common/evolution.hpp"

namespace {

using namespace archlab_tuners;

constexpr double kSqrt5 = 2.23606797749979;
constexpr double kLog2Pi = 1.8378770664093453;

double normal_pdf(double z) { return 0.3989422804014327 * std::exp(-0.5 * z * z); }
double normal_cdf(double z) { return 0.5 * std::erfc(-z / 1.4142135623730951); }

class BayesTuner {
 public:
  static constexpr const char* kName = "bayes";
  static constexpr archlab::TunerObjectives kObjectives = archlab::TunerObjectives::All;
  struct Params {
    std::uint64_t initial;
    std::uint64_t candidates;
    std::uint64_t local_best;
    std::uint64_t local_samples;
    double local_sigma;
    std::uint64_t restarts;
    std::uint64_t fit_evaluations;
    double xi;
    double rho;
    std::uint64_t weight_levels;
    std::uint64_t max_tries;
  };
  static constexpr archlab::ParamSpec params[] = {
      ARCHLAB_PARAM_RANGE(Params, initial, UInt, "10", "random design points before the GP takes over", 1.0, 1e9),
      ARCHLAB_PARAM_RANGE(Params, candidates, UInt, "2000", "random candidates per proposal for the EI search", 1.0,
                          1e7),
      ARCHLAB_PARAM_RANGE(Params, local_best, UInt, "5", "best observed points perturbed locally per proposal", 0.0,
                          1e4),
      ARCHLAB_PARAM_RANGE(Params, local_samples, UInt, "100", "perturbations per locally searched point", 0.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, local_sigma, Float, "0.1", "std. deviation of a local perturbation (unit range)",
                          1e-4, 1.0),
      ARCHLAB_PARAM_RANGE(Params, restarts, UInt, "2", "random restarts of the length-scale fit", 0.0, 100.0),
      ARCHLAB_PARAM_RANGE(Params, fit_evaluations, UInt, "300", "marginal-likelihood evaluations per fit", 1.0, 1e6),
      ARCHLAB_PARAM_RANGE(Params, xi, Float, "0", "EI exploration margin (in standardized units)", 0.0, 10.0),
      ARCHLAB_PARAM_RANGE(Params, rho, Float, "0.05", "ParEGO augmentation of the Chebyshev scalarization", 0.0, 10.0),
      ARCHLAB_PARAM_RANGE(Params, weight_levels, UInt, "0",
                          "ParEGO weight granularity s (0: 10 for 2 objectives, 5 for 3, 4 beyond)", 0.0, 1e4),
      ARCHLAB_PARAM_RANGE(Params, max_tries, UInt, "1000", "draws per point before giving up on the conditions", 1.0,
                          1e9),
  };

  BayesTuner(const Params& p, const archlab::TunerSetup& setup)
      : params_(p), space_(setup.space), nobj_(setup.nobjectives), ncons_(setup.nconstraints),
        rng_(setup.seed, kStream) {
    if (space_.ndims == 0) throw std::invalid_argument("bayes: the space has no dimensions");
    if (nobj_ == 0) throw std::invalid_argument("bayes: no objective");
    for (std::uint32_t d = 0; d < space_.ndims; ++d) {
      const auto& dim = space_.dims[d];
      offset_.push_back(width_);
      width_ += numeric(dim) ? 1 : std::max<std::uint32_t>(dim.nchoices, 1);
    }
  }

  std::uint32_t ask(std::uint32_t n, double* points) {
    const std::uint32_t dims = space_.ndims;
    std::uint32_t made = 0;
    bool fitted = false;
    for (; made < n; ++made) {
      double* point = points + static_cast<std::size_t>(made) * dims;
      const std::size_t seen = observed_.size() / dims + pending_.size() / dims;
      bool found = false;
      if (seen >= params_.initial && observed_.size() / dims >= 2) {
        found = propose(point, /*refit=*/!fitted || nobj_ > 1);
        fitted = true;
      }
      if (!found && !random_point(space_, rng_, params_.max_tries, point)) break;
      pending_.insert(pending_.end(), point, point + dims);
    }
    return made;
  }

  void tell(std::span<const archlab::TunerTrial> trials) {
    const std::uint32_t dims = space_.ndims;
    for (const archlab::TunerTrial& t : trials) {
      // No longer pending (the first exact match).
      for (std::size_t i = 0; i + dims <= pending_.size(); i += dims) {
        if (std::equal(t.point, t.point + dims, pending_.begin() + static_cast<std::ptrdiff_t>(i))) {
          pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i),
                         pending_.begin() + static_cast<std::ptrdiff_t>(i + dims));
          break;
        }
      }
      if (t.trial == ~std::uint64_t{0}) continue;  // never evaluated (a space condition)
      double v = violation_of(t, ncons_);
      for (std::uint32_t k = 0; k < nobj_ && t.failed == 0; ++k) {
        if (!std::isfinite(t.objectives[k])) v = kInf;  // no usable objective: a failure
      }
      observed_.insert(observed_.end(), t.point, t.point + dims);
      for (std::uint32_t k = 0; k < nobj_; ++k) objectives_.push_back(std::isinf(v) ? 0.0 : t.objectives[k]);
      violation_.push_back(v);
    }
  }

  std::vector<std::byte> save() const {
    archlab::tuning::ByteWriter out;
    archlab_tuners::put_state_header(out, kMagic, params_, space_.ndims, rng_.counter());
    out.put(nobj_);
    out.put(ncons_);
    out.put_vector(observed_);
    out.put_vector(objectives_);
    out.put_vector(violation_);
    out.put_vector(pending_);
    out.put_vector(theta_);
    return out.take();
  }

  static std::unique_ptr<BayesTuner> restore(const Params& p, const archlab::TunerSetup& setup,
                                             std::span<const std::byte> bytes) {
    archlab::tuning::ByteReader in(bytes);
    std::uint64_t counter = 0;
    const std::uint32_t ndims = setup.space.ndims;
    std::uint32_t nobj = 0, ncons = 0;
    auto t = std::make_unique<BayesTuner>(p, setup);
    if (!archlab_tuners::get_state_header(in, kMagic, p, ndims, counter) || !in.get(nobj) ||
        nobj != setup.nobjectives || !in.get(ncons) || ncons != setup.nconstraints || !in.get_vector(t->observed_) ||
        !in.get_vector(t->objectives_) || !in.get_vector(t->violation_) || !in.get_vector(t->pending_) ||
        !in.get_vector(t->theta_) || !in.done()) {
      return nullptr;
    }
    const std::size_t n = t->violation_.size();
    if (t->observed_.size() != n * ndims || t->objectives_.size() != n * nobj || t->pending_.size() % ndims != 0 ||
        (!t->theta_.empty() && t->theta_.size() != ndims + 2)) {
      return nullptr;
    }
    t->rng_ = Random(setup.seed, kStream, counter);
    return t;
  }

 private:
  static constexpr std::uint64_t kMagic = 0x3153455941424eull;  // "NBAYES1"
  static constexpr std::uint32_t kStream = 0x62617965u;
  // Hyperparameter bounds (natural log): length scales on the unit cube, signal and noise
  // variances of the standardized targets.
  static constexpr double kLogEllLo = -3.9, kLogEllHi = 3.0;     // 0.02 .. 20
  static constexpr double kLogSigLo = -3.0, kLogSigHi = 3.0;     // 0.05 .. 20
  static constexpr double kLogNoiseLo = -13.8, kLogNoiseHi = -0.7;  // 1e-6 .. 0.5
  static constexpr double kJitter = 1e-8;

  // ---- encoding ------------------------------------------------------------------------------

  /// A design point as a row of the GP's inputs: numeric dimensions in [0, 1] (log space for
  /// log dimensions), a choice one-hot with entries 1/sqrt(2) (two different choices are at
  /// distance 1, like the ends of a numeric range).
  void encode(const double* point, double* row) const {
    for (std::uint32_t d = 0; d < space_.ndims; ++d) {
      const auto& dim = space_.dims[d];
      if (numeric(dim)) {
        row[offset_[d]] = to_unit(dim, point[d]);
      } else {
        for (std::uint32_t c = 0; c < std::max<std::uint32_t>(dim.nchoices, 1); ++c) row[offset_[d] + c] = 0.0;
        row[offset_[d] + static_cast<std::uint32_t>(point[d])] = 0.7071067811865476;
      }
    }
  }

  // ---- the Gaussian process ------------------------------------------------------------------

  struct Gp {
    Eigen::MatrixXd x;     ///< n x width inputs, each column divided by its length scale
    Eigen::LLT<Eigen::MatrixXd> llt;
    Eigen::VectorXd alpha;  ///< K^-1 y
    double signal = 1;
    bool ok = false;
  };

  /// Inputs scaled by the length scales of theta (per space dimension).
  Eigen::MatrixXd scaled(const Eigen::MatrixXd& x, const std::vector<double>& theta) const {
    Eigen::MatrixXd s = x;
    for (std::uint32_t d = 0; d < space_.ndims; ++d) {
      const std::uint32_t w = numeric(space_.dims[d]) ? 1 : std::max<std::uint32_t>(space_.dims[d].nchoices, 1);
      s.middleCols(offset_[d], w) /= std::exp(theta[d]);
    }
    return s;
  }

  /// Matérn 5/2 between the rows of a and b (already scaled), times `signal`.
  static Eigen::MatrixXd matern(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double signal) {
    const Eigen::VectorXd na = a.rowwise().squaredNorm(), nb = b.rowwise().squaredNorm();
    Eigen::MatrixXd r2 = (-2.0 * a * b.transpose()).colwise() + na;
    r2.rowwise() += nb.transpose();
    return r2.unaryExpr([signal](double v) {
      const double r = kSqrt5 * std::sqrt(std::max(v, 0.0));
      return signal * (1.0 + r + r * r / 3.0) * std::exp(-r);
    });
  }

  /// Fits the GP for theta; returns the log marginal likelihood (-inf when K is not positive definite).
  double factor(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const std::vector<double>& theta, Gp& gp) const {
    const std::uint32_t D = space_.ndims;
    gp.x = scaled(x, theta);
    gp.signal = std::exp(theta[D]);
    Eigen::MatrixXd k = matern(gp.x, gp.x, gp.signal);
    k.diagonal().array() += std::exp(theta[D + 1]) + kJitter;
    gp.llt.compute(k);
    gp.ok = gp.llt.info() == Eigen::Success;
    if (!gp.ok) return -kInf;
    gp.alpha = gp.llt.solve(y);
    const double logdet = 2.0 * gp.llt.matrixLLT().diagonal().array().log().sum();
    return -0.5 * y.dot(gp.alpha) - 0.5 * logdet - 0.5 * static_cast<double>(y.size()) * kLog2Pi;
  }

  /// Maximizes the log marginal likelihood over theta (log length scales, log signal variance,
  /// log noise variance) by coordinate pattern search from the previous fit, a default start and
  /// `restarts` random starts; deterministic given the random stream.
  std::vector<double> fit(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
    const std::uint32_t D = space_.ndims, P = D + 2;
    std::vector<double> lo(P, kLogEllLo), hi(P, kLogEllHi);
    lo[D] = kLogSigLo, hi[D] = kLogSigHi, lo[D + 1] = kLogNoiseLo, hi[D + 1] = kLogNoiseHi;
    std::vector<std::vector<double>> starts;
    if (!theta_.empty()) starts.push_back(theta_);
    std::vector<double> def(P, std::log(0.5));
    def[D] = 0.0, def[D + 1] = std::log(1e-3);
    starts.push_back(def);
    for (std::uint64_t r = 0; r < params_.restarts; ++r) {
      std::vector<double> s(P);
      for (std::uint32_t i = 0; i < P; ++i) s[i] = lo[i] + rng_.uniform() * (hi[i] - lo[i]);
      s[D + 1] = std::log(1e-4) + rng_.uniform() * (std::log(1e-1) - std::log(1e-4));
      starts.push_back(s);
    }
    const std::uint64_t per_start = std::max<std::uint64_t>(params_.fit_evaluations / starts.size(), 1);
    std::vector<double> best_theta = def;
    double best = -kInf;
    Gp gp;
    for (const auto& start : starts) {
      std::vector<double> th = start;
      double value = factor(x, y, th, gp);
      std::uint64_t evals = 1;
      double step = 1.0;
      while (step > 0.05 && evals < per_start) {
        bool improved = false;
        for (std::uint32_t i = 0; i < P && evals < per_start; ++i) {
          for (const double dir : {1.0, -1.0}) {
            std::vector<double> trial = th;
            trial[i] = std::clamp(th[i] + dir * step, lo[i], hi[i]);
            if (trial[i] == th[i]) continue;
            const double v = factor(x, y, trial, gp);
            ++evals;
            if (v > value + 1e-9) {
              value = v, th = trial, improved = true;
              break;
            }
          }
        }
        if (!improved) step *= 0.5;
      }
      if (value > best) best = value, best_theta = th;
    }
    return best_theta;
  }

  // ---- targets -------------------------------------------------------------------------------

  /// The scalar each observation is modelled by: the objective (one) or ParEGO's augmented
  /// Chebyshev scalarization of the objectives normalized to [0, 1] over the evaluated trials
  /// (several); an infeasible trial gets the worst feasible value plus a penalty growing with its
  /// violation, a failed one the largest penalty.
  std::vector<double> targets(const std::vector<double>& weights) const {
    const std::size_t n = violation_.size();
    std::vector<double> s(n, 0.0);
    std::vector<double> lo(nobj_, kInf), hi(nobj_, -kInf);
    for (std::size_t i = 0; i < n; ++i) {
      if (std::isinf(violation_[i])) continue;
      for (std::uint32_t k = 0; k < nobj_; ++k) {
        lo[k] = std::min(lo[k], objectives_[i * nobj_ + k]);
        hi[k] = std::max(hi[k], objectives_[i * nobj_ + k]);
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (std::isinf(violation_[i])) continue;
      if (nobj_ == 1) {
        s[i] = objectives_[i];
        continue;
      }
      double mx = -kInf, sum = 0;
      for (std::uint32_t k = 0; k < nobj_; ++k) {
        const double range = hi[k] - lo[k];
        const double f = range > 0 ? (objectives_[i * nobj_ + k] - lo[k]) / range : 0.0;
        mx = std::max(mx, weights[k] * f);
        sum += weights[k] * f;
      }
      s[i] = mx + params_.rho * sum;
    }
    double flo = kInf, fhi = -kInf, vmax = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (violation_[i] <= 0) flo = std::min(flo, s[i]), fhi = std::max(fhi, s[i]);
      if (std::isfinite(violation_[i])) vmax = std::max(vmax, violation_[i]);
    }
    if (flo <= fhi) {  // some feasible trial
      const double range = fhi - flo > 0 ? fhi - flo : std::max(std::fabs(fhi), 1.0);
      for (std::size_t i = 0; i < n; ++i) {
        if (violation_[i] <= 0) continue;
        s[i] = std::isinf(violation_[i]) ? fhi + range : fhi + range * (0.5 + 0.5 * violation_[i] / vmax);
      }
    } else {  // none feasible: minimize the violation
      for (std::size_t i = 0; i < n; ++i) s[i] = std::isinf(violation_[i]) ? 2.0 * std::max(vmax, 1.0) : violation_[i];
    }
    return s;
  }

  /// Output warping before the GP: log(s - min + delta), delta = range / 10 (or 1e-3 when all
  /// equal), which keeps the order, compresses large values and resolves the basin of the best.
  static void warp(std::vector<double>& s) {
    if (s.empty()) return;
    const auto [lo, hi] = std::minmax_element(s.begin(), s.end());
    const double min = *lo, range = *hi - *lo;
    const double delta = range > 0 ? range / 10.0 : 1e-3;
    for (double& v : s) v = std::log(v - min + delta);
  }

  /// Knowles's ParEGO weights: a uniformly chosen vector of {0, 1/s, ..., 1}^k summing to 1.
  std::vector<double> draw_weights() {
    std::vector<double> w(nobj_, 1.0);
    if (nobj_ == 1) return w;
    std::uint64_t s = params_.weight_levels;
    if (s == 0) s = nobj_ == 2 ? 10 : nobj_ == 3 ? 5 : 4;
    // Stars and bars: k - 1 distinct bar positions among s + k - 1 slots.
    const std::uint64_t slots = s + nobj_ - 1;
    std::vector<std::uint64_t> all(slots);
    std::iota(all.begin(), all.end(), 0);
    for (std::uint32_t i = 0; i + 1 < nobj_; ++i) std::swap(all[i], all[i + rng_.below(slots - i)]);
    std::vector<std::uint64_t> bars(all.begin(), all.begin() + (nobj_ - 1));
    std::sort(bars.begin(), bars.end());
    std::uint64_t prev = 0;
    for (std::uint32_t k = 0; k < nobj_; ++k) {
      const std::uint64_t end = k + 1 < nobj_ ? bars[k] : slots;
      const std::uint64_t start = k == 0 ? 0 : prev + 1;
      w[k] = static_cast<double>(end - start) / static_cast<double>(s);
      if (k + 1 < nobj_) prev = bars[k];
    }
    return w;
  }

  // ---- one proposal --------------------------------------------------------------------------

  /// The admissible point of largest EI among random candidates and local perturbations of the
  /// best observed points, refined around the best candidates. The pending points (asked, not
  /// yet told) are in the model with the constant lie min(y). False: no new candidate found.
  bool propose(double* out, bool refit) {
    const std::uint32_t dims = space_.ndims;
    const std::size_t nobs = violation_.size(), npend = pending_.size() / dims, n = nobs + npend;
    const std::vector<double> weights = draw_weights();
    std::vector<double> s = targets(weights);
    warp(s);
    // Standardize the observed targets; pending points get the best (lowest) one.
    Eigen::VectorXd y(n);
    double mean = 0, sd = 0, best = kInf;
    for (std::size_t i = 0; i < nobs; ++i) mean += s[i], best = std::min(best, s[i]);
    mean /= static_cast<double>(nobs);
    for (std::size_t i = 0; i < nobs; ++i) sd += (s[i] - mean) * (s[i] - mean);
    sd = std::sqrt(sd / static_cast<double>(nobs));
    if (!(sd > 0)) sd = 1.0;
    for (std::size_t i = 0; i < nobs; ++i) y[static_cast<Eigen::Index>(i)] = (s[i] - mean) / sd;
    const double ybest = (best - mean) / sd;
    for (std::size_t i = nobs; i < n; ++i) y[static_cast<Eigen::Index>(i)] = ybest;
    // Encoded row by row (row-major), then copied to Eigen's default column-major storage.
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows(n, width_);
    for (std::size_t i = 0; i < n; ++i) {
      const double* p = i < nobs ? &observed_[i * dims] : &pending_[(i - nobs) * dims];
      encode(p, rows.row(static_cast<Eigen::Index>(i)).data());
    }
    const Eigen::MatrixXd x = rows;
    if (refit || theta_.empty()) {
      // Hyperparameters from the evaluated trials only (the lies would shrink the length scales).
      theta_ = fit(x.topRows(static_cast<Eigen::Index>(nobs)), y.head(static_cast<Eigen::Index>(nobs)));
    }
    Gp gp;
    const double lml = factor(x, y, theta_, gp);
    if (lml == -kInf) return false;

    // Candidates (raw design points).
    std::vector<double> cand;
    std::vector<double> point(dims);
    for (std::uint64_t c = 0; c < params_.candidates; ++c) {
      if (random_point(space_, rng_, params_.max_tries, point.data())) cand.insert(cand.end(), point.begin(), point.end());
    }
    std::vector<std::size_t> order(nobs);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s[a] < s[b]; });
    for (std::size_t j = 0; j < std::min<std::size_t>(params_.local_best, nobs); ++j) {
      perturb_around(&observed_[order[j] * dims], params_.local_sigma, params_.local_samples, cand);
    }
    std::vector<double> score = expected_improvement(gp, cand, ybest);
    // Refine: perturb the best few candidates with shrinking steps.
    for (const double sigma : {params_.local_sigma / 2, params_.local_sigma / 8, params_.local_sigma / 32}) {
      std::vector<std::size_t> top(score.size());
      std::iota(top.begin(), top.end(), 0);
      const std::size_t keep = std::min<std::size_t>(5, top.size());
      std::partial_sort(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(keep), top.end(),
                        [&](std::size_t a, std::size_t b) { return score[a] > score[b] || (score[a] == score[b] && a < b); });
      std::vector<double> more;
      for (std::size_t j = 0; j < keep; ++j) perturb_around(&cand[top[j] * dims], sigma, 40, more);
      const std::vector<double> more_score = expected_improvement(gp, more, ybest);
      cand.insert(cand.end(), more.begin(), more.end());
      score.insert(score.end(), more_score.begin(), more_score.end());
    }
    // The best candidate that is not already observed or pending.
    std::size_t pick = score.size();
    for (std::size_t c = 0; c < score.size(); ++c) {
      if (pick < score.size() && !(score[c] > score[pick])) continue;
      if (known(&cand[c * dims])) continue;
      pick = c;
    }
    if (pick == score.size()) return false;
    std::copy(cand.begin() + static_cast<std::ptrdiff_t>(pick * dims),
              cand.begin() + static_cast<std::ptrdiff_t>((pick + 1) * dims), out);
    return true;
  }

  /// `count` admissible perturbations of `center`: numeric dimensions moved by N(0, sigma) in the
  /// unit range (then snapped), each choice reset at random with probability 1 / dimensions.
  void perturb_around(const double* center, double sigma, std::uint64_t count, std::vector<double>& out) {
    const std::uint32_t dims = space_.ndims;
    std::vector<double> p(dims);
    for (std::uint64_t c = 0; c < count; ++c) {
      for (std::uint32_t d = 0; d < dims; ++d) {
        const auto& dim = space_.dims[d];
        if (numeric(dim)) {
          p[d] = from_unit(dim, to_unit(dim, center[d]) + sigma * gaussian(rng_));
        } else {
          const double u = rng_.uniform();
          p[d] = u < 1.0 / dims ? archlab::tuning::sample(dim, rng_.uniform()) : center[d];
        }
      }
      if (archlab::tuning::admissible(space_, p.data())) out.insert(out.end(), p.begin(), p.end());
    }
  }

  bool known(const double* p) const {
    const std::uint32_t dims = space_.ndims;
    for (const std::vector<double>* set : {&observed_, &pending_}) {
      for (std::size_t i = 0; i + dims <= set->size(); i += dims) {
        if (std::equal(p, p + dims, set->begin() + static_cast<std::ptrdiff_t>(i))) return true;
      }
    }
    return false;
  }

  /// EI (minimization, standardized units) of each candidate; where EI underflows to 0 the
  /// score is a tiny value ordered by the standardized improvement, so the search still ranks them.
  std::vector<double> expected_improvement(const Gp& gp, const std::vector<double>& cand, double ybest) const {
    const std::uint32_t dims = space_.ndims;
    const std::size_t m = cand.size() / dims;
    std::vector<double> score(m);
    if (m == 0) return score;
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows(m, width_);
    for (std::size_t i = 0; i < m; ++i) encode(&cand[i * dims], rows.row(static_cast<Eigen::Index>(i)).data());
    const Eigen::MatrixXd xs = scaled(rows, theta_);
    const Eigen::MatrixXd ks = matern(gp.x, xs, gp.signal);  // n x m
    const Eigen::VectorXd mu = ks.transpose() * gp.alpha;
    const Eigen::MatrixXd v = gp.llt.matrixL().solve(ks);
    const Eigen::VectorXd var = (gp.signal - v.colwise().squaredNorm().array()).matrix();
    const double target = ybest - params_.xi;
    for (std::size_t i = 0; i < m; ++i) {
      const auto ii = static_cast<Eigen::Index>(i);
      const double sigma = std::sqrt(std::max(var[ii], 1e-18));
      const double z = (target - mu[ii]) / sigma;
      const double ei = (target - mu[ii]) * normal_cdf(z) + sigma * normal_pdf(z);
      score[i] = ei > 1e-300 ? ei : 1e-300 * std::exp(std::max(z, -700.0) / 1000.0);
    }
    return score;
  }

  Params params_;
  archlab::TunerSpace space_;
  std::uint32_t nobj_;
  std::uint32_t ncons_;
  Random rng_;
  std::vector<std::uint32_t> offset_;  ///< first encoded column of each dimension
  std::uint32_t width_ = 0;            ///< encoded columns
  std::vector<double> observed_;       ///< told points, ndims each
  std::vector<double> objectives_;     ///< nobj each (0 for failed trials)
  std::vector<double> violation_;      ///< total violation; +inf: failed
  std::vector<double> pending_;        ///< asked, not yet told
  std::vector<double> theta_;          ///< last fitted hyperparameters (empty before the first fit)
};

}  // namespace

ARCHLAB_REGISTER_TUNER(BayesTuner, "1.0.0",
                       "Bayesian optimization: GP (Matern 5/2, ARD) + expected improvement, ParEGO, constant liar")
