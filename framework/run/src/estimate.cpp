// estimate(): the replica's components and links as the plain-data view the hooks take
// (estimate.hpp), then every workload hook in turn.
#include <fstream>
#include <string>
#include <vector>

#include "archlab/analytical.hpp"
#include "archlab/errors.hpp"

namespace archlab {
namespace {

struct Collector {
  WorkloadEstimate* target;
  static void add_row(void* owner, const EstimateRow* row) {
    static_cast<Collector*>(owner)->target->rows.push_back(*row);
  }
  static void add_text(void* owner, const char* text) { static_cast<Collector*>(owner)->target->text += text; }
};

} // namespace

std::vector<WorkloadEstimate> estimate(const ExperimentSpec& spec, std::uint32_t replica) {
  if (replica >= spec.replicas) {
    throw ConfigError(spec.experiment_name + ": no replica " + std::to_string(replica) + " (the experiment has " +
                      std::to_string(spec.replicas) + ")");
  }
  std::vector<const ComponentSpec*> members;
  std::vector<EstimateComponent> components;
  for (const ComponentSpec& c : spec.system.components) {
    if (c.replica != replica) continue;
    members.push_back(&c);
    components.push_back(EstimateComponent{c.name.c_str(), c.type.c_str(), c.count, c.plugin->component(),
                                           c.params.data(), c.data.data()});
  }
  const auto index_of = [&](const std::string& name) {
    for (std::uint32_t i = 0; i < members.size(); ++i) {
      if (members[i]->name == name) return i;
    }
    return kEstimateNoIndex;
  };
  const auto endpoint = [&](const Endpoint& e) {
    return EstimateEndpoint{index_of(e.component), e.all, e.indexed, e.index, e.port.c_str()};
  };
  std::vector<EstimateLink> links;
  for (const LinkSpec& l : spec.system.links) {
    if (l.replica != replica) continue;
    links.push_back(EstimateLink{endpoint(l.from), endpoint(l.to), l.latency});
  }

  std::vector<WorkloadEstimate> estimates;
  for (std::uint32_t i = 0; i < members.size(); ++i) {
    const EstimateHook hook = members[i]->plugin->estimate_hook();
    if (hook == nullptr) continue;
    WorkloadEstimate result;
    result.component = members[i]->name;
    result.type = members[i]->type;
    Collector collector{&result};
    EstimateOut out{};
    out.owner = &collector;
    out.add_row = &Collector::add_row;
    out.add_text = &Collector::add_text;
    const EstimateSystem system{components.data(), static_cast<std::uint32_t>(components.size()), links.data(),
                                static_cast<std::uint32_t>(links.size()), i};
    if (!hook(&system, &out)) {
      throw ConfigError(members[i]->where + ": component '" + members[i]->name + "' (" + members[i]->type +
                        "): no analytical estimate: " + out.error);
    }
    result.model = out.model;
    result.latency = out.latency;
    result.macs = out.macs;
    result.bytes = out.bytes;
    result.energy = out.energy;
    result.area_mm2 = out.area_mm2;
    estimates.push_back(std::move(result));
  }
  if (estimates.empty()) {
    throw ConfigError(spec.experiment_name +
                      ": no workload of this experiment has an analytical estimate (workload.dnn has one; the "
                      "others run event by event only)");
  }
  return estimates;
}

void write_estimate_csv(const std::filesystem::path& path, const std::vector<WorkloadEstimate>& estimates) {
  std::ofstream file(path);
  if (!file) throw OutputError("cannot write '" + path.string() + "'");
  file
      << "component,name,op,unit,start_ps,latency_ps,compute_ps,memory_ps,interconnect_ps,macs,bytes,tiles,energy_pj\n";
  file.precision(17);
  for (const WorkloadEstimate& e : estimates) {
    for (const EstimateRow& r : e.rows) {
      file << e.component << ',' << r.name << ',' << r.op << ',' << r.unit << ',' << r.start << ',' << r.latency << ','
           << r.compute << ',' << r.memory << ',' << r.interconnect << ',' << r.macs << ',' << r.bytes << ',' << r.tiles
           << ',' << r.energy << '\n';
    }
    file << e.component << ",total," << e.model << ",," << 0 << ',' << e.latency << ",,,," << e.macs << ',' << e.bytes
         << ",," << e.energy << '\n';
  }
  if (!file) throw OutputError("cannot write '" + path.string() + "'");
}

} // namespace archlab
