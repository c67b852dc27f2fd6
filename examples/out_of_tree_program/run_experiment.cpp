// run_experiment FILE [PLUGIN]: loads the plugins on the search path (ARCHLAB_PLUGIN_PATH first),
// runs one experiment through the framework library and prints every statistic's total; with
// PLUGIN, first says whether that plugin carries device code (built with CUDA).
#include <archlab/config.hpp>
#include <archlab/errors.hpp>
#include <archlab/plugin_loader.hpp>
#include <archlab/run.hpp>
#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: run_experiment EXPERIMENT.toml [PLUGIN]\n");
    return 2;
  }
  try {
    const archlab::PluginRegistry registry;
    if (argc == 3) {
      const auto plugin = registry.find(argv[2]);
      const archlab::ComponentDescriptor* component = plugin->component();
      std::printf("%s device code: %s\n", argv[2],
                  component != nullptr && component->batch_cuda != nullptr ? "yes" : "no");
    }
    const archlab::ExperimentSpec spec = archlab::load_experiment(argv[1], {}, registry);
    const archlab::RunReport report = archlab::run_experiment(spec);
    std::printf("status %s, %llu events\n", report.result.status.c_str(),
                static_cast<unsigned long long>(report.result.events));
    for (const archlab::StatTotal& total : report.totals) {
      std::printf("%s %s %.17g\n", total.type.c_str(), total.stat.c_str(), total.total);
    }
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
}
