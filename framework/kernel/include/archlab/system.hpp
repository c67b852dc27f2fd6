// A system ready to simulate: the runtime tables of every component type, built from a
// SystemSpec. Instances of one type have contiguous global ids, so a type's batch entry sees
// plain arrays indexed by (id - base).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "archlab/component.hpp"
#include "archlab/results.hpp"
#include "archlab/system_spec.hpp"

namespace archlab {

struct ComponentType {
  std::shared_ptr<const Plugin> plugin;  ///< keeps the code of init/batch mapped
  const ComponentDescriptor* descriptor = nullptr;
  std::string name;
  /// Names, units and kinds of the statistic slots (declared stats, histogram bins, derived);
  /// rt.nstats is their count.
  StatGroup stat_layout;
  TypeRuntime rt{};
  // Storage behind rt's pointers.
  std::vector<std::byte> states;
  std::vector<std::byte> params;
  std::vector<std::uint32_t> group_of;
  std::vector<std::uint32_t> group_first;
  std::vector<std::uint32_t> group_stream;
  std::vector<std::uint32_t> port_routes;
  std::vector<InstanceCounters> counters;
  std::vector<double> stats;
  std::vector<std::byte> data;            ///< every group's data block, each at a multiple of 64
  std::vector<std::uint64_t> group_data;  ///< [groups] offset of its block
};

class SystemInstance {
 public:
  SystemInstance(const SystemSpec& spec, std::uint64_t seed);
  SystemInstance(const SystemInstance&) = delete;
  SystemInstance& operator=(const SystemInstance&) = delete;

  std::vector<std::unique_ptr<ComponentType>>& types() { return types_; }
  const std::vector<std::unique_ptr<ComponentType>>& types() const { return types_; }
  /// Index into types() of the type that component `id` belongs to.
  std::uint32_t type_index(ComponentId id) const;
  std::uint32_t component_count() const { return component_count_; }
  std::uint32_t replicas() const { return replicas_; }
  /// Replica of every component, by id.
  std::uint32_t replica_of(ComponentId id) const { return rows_[id].replica; }
  const std::vector<LinkEntry>& links() const { return links_; }
  const std::vector<PortRoute>& routes() const { return routes_; }
  const std::vector<std::uint32_t>& route_links() const { return route_links_; }
  /// Smallest link latency: the lookahead. kTickMax when there are no links.
  Tick lookahead() const { return lookahead_; }
  /// "lp[3] (workload.phold)", for messages.
  std::string describe(ComponentId id) const;
  std::string port_name(ComponentId id, PortId port) const;

  /// Everything the output file needs to know before the run.
  OutputLayout output_layout() const;
  /// The tables components report (component_data.hpp), one per (component name, table), in a
  /// fixed order. With `run_reports`, the report hooks run and fill the rows; their text goes to
  /// `text` (at most `max_text_reports` instances' text, then a count of the rest).
  std::vector<ReportTable> report_tables(bool run_reports, std::string* text = nullptr,
                                         std::uint32_t max_text_reports = 4) const;
  /// Current statistics of every type, as StatSample::values wants them.
  std::vector<std::vector<double>> stat_values() const;

 private:
  std::vector<std::unique_ptr<ComponentType>> types_;
  std::vector<LinkEntry> links_;
  std::vector<PortRoute> routes_;
  std::vector<std::uint32_t> route_links_;
  std::vector<ComponentRow> rows_;
  std::vector<LinkRow> link_rows_;
  std::uint32_t component_count_ = 0;
  std::uint32_t replicas_ = 1;
  Tick lookahead_ = kTickMax;
};

}  // namespace archlab
