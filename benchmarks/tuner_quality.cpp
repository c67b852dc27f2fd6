// Tuner quality benchmark: every archlab tuner plugin, loaded through the real plugin loader and
// driven through its C ABI, against a cached objective table (benchmarks/tuner_quality_table.csv,
// written by tuner_quality_table.py: 9,216 systolic-array design points, cycles and area).
//
//   build/benchmarks/tuner_quality [--table FILE] [--seeds N] [--batch B] [--threads T]
//                                  [--budgets 50,100,200] [--mo-budget 300] [--tuners a,b,...]
//
// Single objective (cycles): gap of the best point found to the table's optimum, in percent, per
// tuner and budget over seeds 1..N. Two objectives (cycles, area): hypervolume of the found points
// over the hypervolume of the table's Pareto front, both normalized to [0, 1] by the table's
// minimum and maximum of each objective, reference point (1.1, 1.1); also with each objective's
// log normalized the same way (cycles span 350x, so the linear ratio is near 1 for any search).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "archlab/plugin_loader.hpp"
#include "archlab/tune.hpp"
#include "archlab/tuner.hpp"

namespace {

using archlab::DimensionKind;
using archlab::SpaceDimension;

const char* const kDataflows[] = {"os", "ws", "is"};
const char* const kTiles[] = {"full", "256", "64"};
constexpr int kSide = 32;  // rows and cols: 4, 8, ..., 128

struct Table {
  std::vector<double> cycles, area;  // index ((r * 32 + c) * 3 + dataflow) * 3 + tile
  double min_cycles = INFINITY, max_cycles = 0, min_area = INFINITY, max_area = 0;
};

Table load_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  Table t;
  const std::size_t n = kSide * kSide * 3 * 3;
  t.cycles.assign(n, NAN);
  t.area.assign(n, NAN);
  std::string line;
  std::getline(in, line);  // header
  std::size_t count = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string f[6];
    for (auto& s : f) std::getline(ss, s, ',');
    const int r = std::stoi(f[0]) / 4 - 1, c = std::stoi(f[1]) / 4 - 1;
    int d = -1, k = -1;
    for (int i = 0; i < 3; ++i) {
      if (f[2] == kDataflows[i]) d = i;
      if (f[3] == kTiles[i]) k = i;
    }
    if (r < 0 || r >= kSide || c < 0 || c >= kSide || d < 0 || k < 0) throw std::runtime_error("bad row: " + line);
    const std::size_t idx = ((static_cast<std::size_t>(r) * kSide + c) * 3 + d) * 3 + k;
    t.cycles[idx] = std::stod(f[4]);
    t.area[idx] = std::stod(f[5]);
    ++count;
  }
  if (count != n) throw std::runtime_error("table has " + std::to_string(count) + " rows, expected " + std::to_string(n));
  for (std::size_t i = 0; i < n; ++i) {
    t.min_cycles = std::min(t.min_cycles, t.cycles[i]);
    t.max_cycles = std::max(t.max_cycles, t.cycles[i]);
    t.min_area = std::min(t.min_area, t.area[i]);
    t.max_area = std::max(t.max_area, t.area[i]);
  }
  return t;
}

std::size_t index_of(const double* p) {
  const auto r = static_cast<std::size_t>(std::lround(p[0] / 4)) - 1;
  const auto c = static_cast<std::size_t>(std::lround(p[1] / 4)) - 1;
  const auto d = static_cast<std::size_t>(std::lround(p[2]));
  const auto k = static_cast<std::size_t>(std::lround(p[3]));
  if (r >= kSide || c >= kSide || d >= 3 || k >= 3) throw std::runtime_error("point outside the space");
  return ((r * kSide + c) * 3 + d) * 3 + k;
}

const std::vector<SpaceDimension>& space_dims() {
  static const std::vector<SpaceDimension> dims = {
      {"rows", DimensionKind::Int, 4, 128, 4, 0, 0, nullptr},
      {"cols", DimensionKind::Int, 4, 128, 4, 0, 0, nullptr},
      {"dataflow", DimensionKind::Choice, 0, 0, 0, 0, 3, kDataflows},
      {"tile", DimensionKind::Choice, 0, 0, 0, 0, 3, kTiles},
  };
  return dims;
}

/// The plugin's Params filled with every parameter's default (UInt, Float and Choice only).
std::vector<std::byte> default_params(const archlab::TunerDescriptor& d) {
  std::vector<std::byte> blob(d.params_size);
  for (std::uint32_t i = 0; i < d.nparams; ++i) {
    const archlab::ParamSpec& p = d.params[i];
    const std::string text = p.default_text == nullptr ? "" : p.default_text;
    std::byte* at = blob.data() + p.offset;
    if (p.type == archlab::ParamType::UInt) {
      const std::uint64_t v = std::strtoull(text.c_str(), nullptr, 10);
      std::memcpy(at, &v, sizeof v);
    } else if (p.type == archlab::ParamType::Float) {
      const double v = std::strtod(text.c_str(), nullptr);
      std::memcpy(at, &v, sizeof v);
    } else if (p.type == archlab::ParamType::Choice) {
      std::uint32_t index = 0, k = 0;
      std::stringstream ss(p.choices);
      for (std::string c; std::getline(ss, c, '|'); ++k) {
        if (c == text) index = k;
      }
      std::memcpy(at, &index, sizeof index);
    } else {
      throw std::runtime_error(std::string("unsupported parameter type for ") + p.name);
    }
  }
  return blob;
}

/// Runs one tuner for `budget` evaluations; returns the table indices of the evaluated points.
std::vector<std::size_t> run_tuner(const archlab::TunerDescriptor& d, const Table& t, std::uint32_t nobj,
                                   std::uint64_t seed, std::uint64_t budget, std::uint32_t batch) {
  const auto& dims = space_dims();
  const archlab::TunerSetup setup{{dims.data(), static_cast<std::uint32_t>(dims.size()), nullptr, nullptr},
                                  nobj, 0, seed, budget};
  const auto params = default_params(d);
  char error[256] = "";
  void* h = d.create(params.data(), &setup, error, sizeof error);
  if (h == nullptr) throw std::runtime_error(std::string("create failed: ") + error);
  std::vector<std::size_t> seen;
  const std::size_t n = dims.size();
  while (seen.size() < budget) {
    const auto want = static_cast<std::uint32_t>(std::min<std::uint64_t>(batch, budget - seen.size()));
    std::vector<double> points(want * n);
    const std::uint32_t got = d.ask(h, want, points.data());
    if (got == 0) break;  // grid exhausted (not with these budgets)
    std::vector<double> objectives(static_cast<std::size_t>(got) * nobj);
    std::vector<archlab::TunerTrial> trials(got);
    for (std::uint32_t i = 0; i < got; ++i) {
      const std::size_t idx = index_of(&points[i * n]);
      objectives[i * nobj] = t.cycles[idx];
      if (nobj > 1) objectives[i * nobj + 1] = t.area[idx];
      trials[i] = {seen.size(), &points[i * n], &objectives[i * nobj], nullptr, 0, ""};
      seen.push_back(idx);
    }
    d.tell(h, trials.data(), got);
  }
  d.destroy(h);
  return seen;
}

/// Each objective mapped to [0, 1] by the table's minimum and maximum (of its log when `log`).
std::vector<double> normalized(const Table& t, std::size_t idx, bool log = false) {
  auto f = [log](double v) { return log ? std::log(v) : v; };
  return {(f(t.cycles[idx]) - f(t.min_cycles)) / (f(t.max_cycles) - f(t.min_cycles)),
          (f(t.area[idx]) - f(t.min_area)) / (f(t.max_area) - f(t.min_area))};
}

double hv_of(const Table& t, const std::vector<std::size_t>& indices, bool log = false) {
  std::vector<std::vector<double>> pts;
  pts.reserve(indices.size());
  for (std::size_t i : indices) pts.push_back(normalized(t, i, log));
  return archlab::hypervolume(pts, {1.1, 1.1});
}

struct Summary {
  double mean, median, min, max;
};
Summary summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  const std::size_t m = v.size();
  const double median = m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
  return {sum / m, median, v.front(), v.back()};
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, ',');) out.push_back(x);
  return out;
}

/// Runs `jobs` on `threads` threads.
template <class F>
void parallel(std::size_t jobs, unsigned threads, F f) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      for (std::size_t j; (j = next++) < jobs;) f(j);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace

int main(int argc, char** argv) {
  std::string table_path = ARCHLAB_BENCH_DIR "/tuner_quality_table.csv";
  std::uint64_t seeds = 10;
  std::uint32_t batch = 4;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::uint64_t> budgets = {50, 100, 200};
  std::uint64_t mo_budget = 300;
  std::vector<std::string> tuners = {"random", "grid", "anneal", "genetic", "nsga2", "bayes"};
  std::vector<std::string> mo_tuners = {"random", "nsga2", "bayes"};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--table") table_path = v;
    else if (a == "--seeds") seeds = std::stoull(v);
    else if (a == "--batch") batch = static_cast<std::uint32_t>(std::stoul(v));
    else if (a == "--threads") threads = static_cast<unsigned>(std::stoul(v));
    else if (a == "--budgets") { budgets.clear(); for (auto& b : split(v)) budgets.push_back(std::stoull(b)); }
    else if (a == "--mo-budget") mo_budget = std::stoull(v);
    else if (a == "--tuners") tuners = split(v);
    else if (a == "--mo-tuners") mo_tuners = split(v);
    else { std::fprintf(stderr, "unknown option %s\n", a.c_str()); return 2; }
  }
  const Table t = load_table(table_path);
  std::vector<std::size_t> all(t.cycles.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const double true_hv = hv_of(t, all), true_hv_log = hv_of(t, all, true);
  std::vector<std::vector<double>> allpts;
  for (std::size_t i : all) allpts.push_back(normalized(t, i));
  std::printf("table: %zu points, optimum %.0f cycles, Pareto front %zu points, true HV %.6f "
              "(normalized, reference (1.1, 1.1)), %.6f log-normalized; batch %u, seeds 1..%llu\n",
              t.cycles.size(), t.min_cycles, archlab::pareto_front(allpts).size(), true_hv, true_hv_log, batch,
              static_cast<unsigned long long>(seeds));

  const archlab::PluginRegistry registry({ARCHLAB_PLUGIN_DIR});
  auto descriptor = [&](const std::string& name) -> const archlab::TunerDescriptor& {
    const auto plugin = registry.find(name);
    if (plugin->descriptor().kind != archlab::PluginKind::Tuner) throw std::runtime_error(name + " is not a tuner");
    return *static_cast<const archlab::TunerDescriptor*>(plugin->descriptor().tuner);
  };

  std::printf("\nsingle objective (cycles): gap of the best found to the optimum, %% (mean / median / max; hits = seeds at the optimum)\n");
  std::printf("| tuner | budget | mean gap %% | median gap %% | max gap %% | hits |\n|---|---|---|---|---|---|\n");
  for (const auto& name : tuners) {
    const auto& d = descriptor(name);
    for (std::uint64_t budget : budgets) {
      std::vector<double> gaps(seeds);
      parallel(seeds, threads, [&](std::size_t s) {
        const auto seen = run_tuner(d, t, 1, s + 1, budget, batch);
        double best = INFINITY;
        for (std::size_t i : seen) best = std::min(best, t.cycles[i]);
        gaps[s] = 100.0 * (best - t.min_cycles) / t.min_cycles;
      });
      const Summary g = summarize(gaps);
      const auto hits = std::count_if(gaps.begin(), gaps.end(), [](double x) { return x == 0; });
      std::printf("| %s | %llu | %.3f | %.3f | %.3f | %ld/%llu |\n", name.c_str(),
                  static_cast<unsigned long long>(budget), g.mean, g.median, g.max, static_cast<long>(hits),
                  static_cast<unsigned long long>(seeds));
      std::fflush(stdout);
    }
  }

  std::printf("\ntwo objectives (cycles, area): hypervolume ratio to the true front at %llu evaluations\n",
              static_cast<unsigned long long>(mo_budget));
  std::printf("| tuner | budget | mean HV ratio | median | min | max | mean HV ratio (log-normalized) | min (log) |\n"
              "|---|---|---|---|---|---|---|---|\n");
  for (const auto& name : mo_tuners) {
    const auto& d = descriptor(name);
    std::vector<double> ratios(seeds), log_ratios(seeds);
    parallel(seeds, threads, [&](std::size_t s) {
      const auto seen = run_tuner(d, t, 2, s + 1, mo_budget, batch);
      ratios[s] = hv_of(t, seen) / true_hv;
      log_ratios[s] = hv_of(t, seen, true) / true_hv_log;
    });
    const Summary r = summarize(ratios), l = summarize(log_ratios);
    std::printf("| %s | %llu | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |\n", name.c_str(),
                static_cast<unsigned long long>(mo_budget), r.mean, r.median, r.min, r.max, l.mean, l.min);
    std::fflush(stdout);
  }
  return 0;
}
