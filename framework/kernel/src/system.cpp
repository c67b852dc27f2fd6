#include "archlab/system.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

#include "archlab/errors.hpp"
#include "archlab/protocol.hpp"

namespace archlab {

const ComponentSpec* SystemSpec::find(std::string_view name, std::uint32_t replica) const {
  for (const auto& component : components) {
    if (component.name == name && component.replica == replica) return &component;
  }
  return nullptr;
}

namespace {

/// The instances an endpoint names: lp[*] all of them, lp[3] one, lp (an array of one) its only one.
std::pair<std::uint32_t, std::uint32_t> instances_of(const Endpoint& endpoint, const ComponentSpec& component) {
  if (endpoint.indexed) return {endpoint.index, endpoint.index + 1};
  return {0, component.count};
}

std::uint32_t port_id(const ComponentDescriptor& descriptor, const std::string& name) {
  for (std::uint32_t i = 0; i < descriptor.nports; ++i) {
    if (name == descriptor.ports[i].name) return i;
  }
  return kNoLink;
}

}  // namespace

void check_links(const SystemSpec& system) {
  for (const ComponentSpec& component : system.components) {
    const ComponentDescriptor* descriptor = component.plugin->component();
    if (descriptor == nullptr || descriptor->check_links == nullptr) continue;
    std::vector<LinkedComponent> peers;
    for (const LinkSpec& link : system.links) {
      if (link.replica != component.replica) continue;
      for (const bool outgoing : {true, false}) {
        const Endpoint& mine = outgoing ? link.from : link.to;
        const Endpoint& theirs = outgoing ? link.to : link.from;
        if (mine.component != component.name) continue;
        const ComponentSpec* peer = system.find(theirs.component, component.replica);
        if (peer == nullptr) continue;  // the configuration checked every endpoint
        const ComponentDescriptor* peer_type = peer->plugin->component();
        const std::uint32_t port = port_id(*descriptor, mine.port);
        if (peer_type == nullptr || port == kNoLink) continue;
        const auto [first, last] = instances_of(theirs, *peer);
        for (std::uint32_t index = first; index < last; ++index) {
          peers.push_back(LinkedComponent{peer->name.c_str(), index, peer->type.c_str(), static_cast<PortId>(port),
                                          theirs.port.c_str(), outgoing, peer_type->params, peer_type->nparams,
                                          peer->params.data()});
        }
      }
    }
    LinkCheck check(peers);
    descriptor->check_links(component.params.data(), &check);
    if (check.ok()) continue;
    std::string message = component.where + ": '" + component.name + "' (" + component.type + ")";
    if (const LinkedComponent* refused = check.refused(); refused != nullptr) {
      const ComponentSpec* peer = system.find(refused->name, component.replica);
      const std::string peer_name = std::string(refused->name) + (peer != nullptr && peer->count > 1
                                                                      ? "[" + std::to_string(refused->index) + "]"
                                                                      : "");
      message += " does not fit '" + peer_name + "' (" + refused->type + ") on its port '" +
                 descriptor->ports[refused->port].name + "': " + check.message();
      if (peer != nullptr && !peer->where.empty()) message += " ('" + peer->name + "' is defined at " + peer->where + ")";
    } else {
      message += ": " + std::string(check.message());
    }
    throw ConfigError(message);
  }
}

namespace {

std::uint32_t port_of(const ComponentDescriptor& descriptor, const std::string& name) {
  for (std::uint32_t i = 0; i < descriptor.nports; ++i) {
    if (name == descriptor.ports[i].name) return i;
  }
  throw ConfigError("no port '" + name + "'");  // checked when the configuration was read
}

std::string edge_text(double value) {
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

/// The statistic slots of a component type: its declared statistics, each histogram's bins
/// (underflow, `bins` equal bins, overflow), then its derived statistics.
StatGroup stat_slots(const ComponentDescriptor& d, const std::string& type) {
  StatGroup group;
  group.type = type;
  auto declared = [&](const char* name, const std::string& what) -> std::uint32_t {
    for (std::uint32_t s = 0; s < d.nstats; ++s) {
      if (name != nullptr && std::strcmp(d.stats[s].name, name) == 0) return s;
    }
    throw PluginError("plugin '" + type + "': " + what + " names '" + (name ? name : "(null)") +
                      "', which is not one of its statistics");
  };
  for (std::uint32_t s = 0; s < d.nstats; ++s) {
    group.stat_names.emplace_back(d.stats[s].name);
    group.stat_units.emplace_back(d.stats[s].unit);
    group.slots.emplace_back();
  }
  for (std::uint32_t h = 0; h < d.nhistograms; ++h) {
    const HistogramSpec& spec = d.histograms[h];
    if (spec.bins == 0 || !(spec.low < spec.high)) {
      throw PluginError("plugin '" + type + "': histogram '" + spec.name + "' needs bins >= 1 and low < high");
    }
    const double width = (spec.high - spec.low) / spec.bins;
    for (std::uint32_t k = 0; k < spec.bins + 2; ++k) {
      StatSlotInfo info;
      info.kind = StatSlotInfo::Kind::HistogramBin;
      info.histogram = spec.name;
      info.low = k == 0 ? -INFINITY : k == spec.bins + 1 ? spec.high : spec.low + (k - 1) * width;
      info.high = k == 0 ? spec.low : k == spec.bins + 1 ? INFINITY : k == spec.bins ? spec.high : spec.low + k * width;
      group.stat_names.push_back(std::string(spec.name) + "[" + edge_text(info.low) + "," + edge_text(info.high) + ")");
      group.stat_units.emplace_back("count");  // of values in the bin; the edges are in spec.unit
      info.value_unit = spec.unit;
      group.slots.push_back(std::move(info));
    }
  }
  for (std::uint32_t k = 0; k < d.nderived; ++k) {
    const DerivedStatSpec& spec = d.derived[k];
    const std::string what = std::string("derived statistic '") + spec.name + "'";
    StatSlotInfo info;
    info.kind = StatSlotInfo::Kind::Derived;
    info.numerator = declared(spec.numerator, what);
    info.denominator = declared(spec.denominator, what);
    group.stat_names.emplace_back(spec.name);
    group.stat_units.emplace_back(spec.unit);
    group.slots.push_back(std::move(info));
  }
  return group;
}

/// Bytes from one instance's state to the next: State, then the largest tail any group of the
/// type asks for (state_tail_bytes, on the Params prepare() filled in), rounded up to State's
/// alignment. At most 2 GiB - 1, so that a state is one MPI row (an int count of bytes).
std::uint32_t state_stride(const ComponentDescriptor& d, const std::vector<const ComponentSpec*>& groups) {
  constexpr std::uint64_t kMaxStride = 0x7fffffff;
  const std::uint64_t state = std::max<std::uint32_t>(d.state_size, 1);
  const std::uint64_t align = std::max<std::uint32_t>(d.state_align, 1);
  std::uint64_t tail = 0;
  const ComponentSpec* largest = nullptr;
  if (d.state_tail_bytes != nullptr) {
    for (const ComponentSpec* group : groups) {
      const std::uint64_t bytes = d.state_tail_bytes(group->params.data());
      if (largest == nullptr || bytes > tail) {
        tail = bytes;
        largest = group;
      }
    }
  }
  if (tail > kMaxStride - state - align) {
    throw ConfigError((largest->where.empty() ? "" : largest->where + ": ") + "'" + largest->name + "' (" +
                      largest->type + ") needs " + std::to_string(state + tail) + " bytes of state per instance (" +
                      std::to_string(state) + " of State and " + std::to_string(tail) +
                      " its parameters ask for), more than the 2 GiB - 1 a component instance may hold");
  }
  return static_cast<std::uint32_t>((state + tail + align - 1) / align * align);
}

}  // namespace

SystemInstance::SystemInstance(const SystemSpec& spec, std::uint64_t seed) {
  // Types in order of first appearance; each type's groups (TOML entries) in file order.
  std::map<std::string, std::uint32_t> type_by_name;
  std::vector<std::vector<const ComponentSpec*>> groups;
  for (const ComponentSpec& component : spec.components) {
    auto [it, inserted] = type_by_name.try_emplace(component.type, static_cast<std::uint32_t>(types_.size()));
    if (inserted) {
      auto type = std::make_unique<ComponentType>();
      type->plugin = component.plugin;
      type->descriptor = component.plugin->component();
      type->name = component.type;
      type->stat_layout = stat_slots(*type->descriptor, type->name);
      types_.push_back(std::move(type));
      groups.emplace_back();
    }
    groups[it->second].push_back(&component);
  }

  // Global ids and the per-instance tables.
  for (const ComponentSpec& component : spec.components) replicas_ = std::max(replicas_, component.replica + 1);
  std::map<std::pair<std::uint32_t, std::string>, ComponentId> first_id;  // (replica, name)
  std::vector<std::uint32_t> next_stream(replicas_, 0);                  // rank within each replica
  ComponentId next_id = 0;
  for (std::size_t t = 0; t < types_.size(); ++t) {
    ComponentType& type = *types_[t];
    const ComponentDescriptor& d = *type.descriptor;
    std::uint64_t count = 0;
    for (const ComponentSpec* group : groups[t]) count += group->count;
    if (next_id + count >= kNoComponent) throw ConfigError("too many components (at most 2^32 - 2)");
    type.rt.base = next_id;
    type.rt.count = static_cast<std::uint32_t>(count);
    for (std::uint32_t g = 0; g < groups[t].size(); ++g) {
      const ComponentSpec& group = *groups[t][g];
      first_id[{group.replica, group.name}] = next_id;
      type.group_first.push_back(next_id - type.rt.base);
      type.group_stream.push_back(next_stream[group.replica]);
      next_stream[group.replica] += group.count;
      type.params.insert(type.params.end(), group.params.begin(), group.params.end());
      // Each group's data block starts on a 64-byte boundary, so its own alignment holds.
      const std::size_t data_offset = (type.data.size() + 63) / 64 * 64;
      type.data.resize(data_offset);
      type.data.insert(type.data.end(), group.data.begin(), group.data.end());
      type.group_data.push_back(data_offset);
      type.group_of.insert(type.group_of.end(), group.count, g);
      for (std::uint32_t i = 0; i < group.count; ++i) {
        rows_.push_back({next_id + i, group.name, i, group.type, group.replica});
      }
      next_id += group.count;
    }
    type.rt.state_size = state_stride(d, groups[t]);
    type.states.assign(static_cast<std::size_t>(count) * type.rt.state_size, std::byte{0});
    type.port_routes.assign(static_cast<std::size_t>(count) * d.nports, kNoLink);
    type.counters.assign(count, InstanceCounters{0, 0});
    type.stats.assign(static_cast<std::size_t>(count) * type.stat_layout.stat_names.size(), 0.0);
  }
  component_count_ = next_id;

  // Links: one entry per [[links]] table, shared by all its senders. A port's route is its list
  // of links; ports with the same list share one route.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> extended;  // (route, link) -> route
  auto extend = [&](std::uint32_t route, std::uint32_t link) {
    const auto [it, inserted] = extended.try_emplace({route, link}, static_cast<std::uint32_t>(routes_.size()));
    if (inserted) {
      PortRoute longer{static_cast<std::uint32_t>(route_links_.size()), 1};
      if (route != kNoLink) {
        const PortRoute shorter = routes_[route];
        route_links_.insert(route_links_.end(), route_links_.begin() + shorter.first,
                            route_links_.begin() + shorter.first + shorter.count);
        longer.count += shorter.count;
      }
      route_links_.push_back(link);
      routes_.push_back(longer);
    }
    return it->second;
  };
  for (const LinkSpec& link : spec.links) {
    const ComponentSpec& from = *spec.find(link.from.component, link.replica);
    const ComponentSpec& to = *spec.find(link.to.component, link.replica);
    LinkEntry entry{};
    entry.dst_base = first_id.at({link.replica, to.name}) + (link.to.indexed ? link.to.index : 0);
    entry.dst_count = link.to.all ? to.count : 1;
    entry.latency = link.latency;
    entry.dst_port = static_cast<PortId>(port_of(*to.plugin->component(), link.to.port));
    const auto link_index = static_cast<std::uint32_t>(links_.size());
    links_.push_back(entry);
    lookahead_ = std::min(lookahead_, link.latency);

    const ComponentId src_first = first_id.at({link.replica, from.name}) + (link.from.indexed ? link.from.index : 0);
    const std::uint32_t src_count = link.from.all ? from.count : 1;
    ComponentType& type = *types_[type_index(src_first)];
    const std::uint32_t port = port_of(*type.descriptor, link.from.port);
    std::uint32_t before = kNoLink - 1, after = kNoLink;  // the last extension, reused along an array
    for (std::uint32_t i = 0; i < src_count; ++i) {
      std::uint32_t& route =
          type.port_routes[static_cast<std::size_t>(src_first + i - type.rt.base) * type.descriptor->nports + port];
      if (route != before) {
        before = route;
        after = extend(route, link_index);
      }
      route = after;
    }
    link_rows_.push_back({link.from_text, link.to_text, src_first, src_count, entry.dst_base, entry.dst_count,
                          link.latency});
  }

  for (auto& type_ptr : types_) {
    ComponentType& type = *type_ptr;
    const ComponentDescriptor& d = *type.descriptor;
    TypeRuntime& rt = type.rt;
    rt.states = type.states.data();  // rt.state_size: the stride, set with the states
    rt.params_size = d.params_size;
    rt.params = type.params.data();
    rt.group_of = type.group_of.data();
    rt.group_first = type.group_first.data();
    rt.group_stream = type.group_stream.data();
    rt.port_routes = type.port_routes.data();
    rt.routes = routes_.data();
    rt.route_links = route_links_.data();
    rt.nports = d.nports;
    rt.nstats = static_cast<std::uint32_t>(type.stat_layout.stat_names.size());
    rt.links = links_.data();
    rt.counters = type.counters.data();
    rt.stats = type.stats.data();
    rt.seed = seed;
    rt.data = type.data.data();
    rt.group_data = type.group_data.data();
  }
}

std::uint32_t SystemInstance::type_index(ComponentId id) const {
  for (std::uint32_t t = 0; t < types_.size(); ++t) {
    if (id - types_[t]->rt.base < types_[t]->rt.count) return t;
  }
  throw RunError("component id " + std::to_string(id) + " does not exist");
}

std::string SystemInstance::describe(ComponentId id) const {
  if (id >= rows_.size()) return "component " + std::to_string(id);
  const ComponentRow& row = rows_[id];
  const ComponentType& type = *types_[type_index(id)];
  const std::uint32_t local = id - type.rt.base;
  const std::uint32_t group_count = (type.group_of[local] + 1 < type.group_first.size()
                                         ? type.group_first[type.group_of[local] + 1]
                                         : type.rt.count) -
                                    type.group_first[type.group_of[local]];
  const std::string index = group_count > 1 ? "[" + std::to_string(row.index) + "]" : "";
  return row.name + index + " (" + row.type + ")";
}

std::string SystemInstance::port_name(ComponentId id, PortId port) const {
  if (port == kSelfPort) return "self";
  const ComponentDescriptor& d = *types_[type_index(id)]->descriptor;
  return port < d.nports ? d.ports[port].name : "#" + std::to_string(port);
}

namespace {

/// Where report() of one instance writes: its rows go to the run's tables, its text to `text`.
struct ReportSink {
  std::vector<ReportTable*> tables;  ///< [declared table]
  const TableSpec* specs = nullptr;
  std::uint32_t replica = 0;
  std::uint32_t instance = 0;
  std::string* text = nullptr;
};

void add_report_row(void* owner, std::uint32_t table, const ReportValue* values) {
  auto& sink = *static_cast<ReportSink*>(owner);
  if (table >= sink.tables.size()) return;
  ReportTable& out = *sink.tables[table];
  const TableSpec& spec = sink.specs[table];
  for (std::uint32_t c = 0; c < spec.ncolumns; ++c) {
    ReportColumn& column = out.columns[c];
    switch (column.type) {
      case ColumnType::U32:
      case ColumnType::U64: column.u.push_back(values[c].u); break;
      case ColumnType::F64: column.f.push_back(values[c].f); break;
      case ColumnType::String: column.s.emplace_back(values[c].s != nullptr ? values[c].s : ""); break;
    }
  }
  out.columns[spec.ncolumns].u.push_back(sink.replica);
  out.columns[spec.ncolumns + 1].u.push_back(sink.instance);
  ++out.rows;
}

void add_report_text(void* owner, const char* text) {
  auto& sink = *static_cast<ReportSink*>(owner);
  if (sink.text != nullptr && text != nullptr) *sink.text += text;
}

}  // namespace

std::vector<ReportTable> SystemInstance::report_tables(bool run_reports, std::string* text,
                                                       std::uint32_t max_text_reports) const {
  std::vector<ReportTable> tables;
  std::map<std::string, std::size_t> by_path;
  std::uint32_t texts = 0;
  for (const auto& type : types_) {
    const ComponentDescriptor& d = *type->descriptor;
    if (d.ntables == 0) continue;
    for (std::uint32_t local = 0; local < type->rt.count; ++local) {
      const ComponentRow& row = rows_[type->rt.base + local];
      ReportSink sink;
      sink.specs = d.tables;
      sink.replica = row.replica;
      sink.instance = row.index;
      for (std::uint32_t t = 0; t < d.ntables; ++t) {
        const TableSpec& spec = d.tables[t];
        const std::string path = "/workload/" + row.name + "/" + spec.name;
        auto [it, inserted] = by_path.try_emplace(path, tables.size());
        if (inserted) {
          ReportTable& table = tables.emplace_back();
          table.path = path;
          table.doc = spec.doc != nullptr ? spec.doc : "";
          for (std::uint32_t c = 0; c < spec.ncolumns; ++c) {
            const ColumnSpec& column = spec.columns[c];
            table.columns.push_back({column.name, column.type, column.width, column.unit != nullptr ? column.unit : "",
                                     {}, {}, {}});
          }
          table.columns.push_back({"replica", ColumnType::U32, 0, "", {}, {}, {}});
          table.columns.push_back({"instance", ColumnType::U32, 0, "", {}, {}, {}});
        }
        sink.tables.push_back(nullptr);
      }
      if (!run_reports) continue;
      for (std::uint32_t t = 0; t < d.ntables; ++t) {
        sink.tables[t] = &tables[by_path.at("/workload/" + row.name + "/" + d.tables[t].name)];
      }
      std::string own_text;
      sink.text = &own_text;
      Report report{&sink, &add_report_row, &add_report_text};
      const std::uint32_t group = type->group_of[local];
      const std::byte* params = type->params.data() + static_cast<std::size_t>(group) * d.params_size;
      d.report(type->states.data() + static_cast<std::size_t>(local) * type->rt.state_size, params,
               type->data.data() + type->group_data[group], &report);
      if (text != nullptr && !own_text.empty()) {
        if (texts < max_text_reports) {
          *text += describe(type->rt.base + local) + (replicas_ > 1 ? " replica " + std::to_string(row.replica) : "") +
                   ":\n" + own_text;
        }
        ++texts;
      }
    }
  }
  if (text != nullptr && texts > max_text_reports) {
    *text += "(" + std::to_string(texts - max_text_reports) + " more reports: see /workload/ in the output file)\n";
  }
  return tables;
}

OutputLayout SystemInstance::output_layout() const {
  OutputLayout layout;
  layout.components = rows_;
  layout.links = link_rows_;
  layout.tables = report_tables(false);
  TypeNames& shared = layout.names.emplace_back();  // type "": the protocol's kinds
  for (const KindSpec& kind : protocol::kKindNames) shared.kinds.emplace_back(kind.kind, kind.name);
  for (const auto& type : types_) {
    TypeNames& names = layout.names.emplace_back();
    names.type = type->name;
    const ComponentDescriptor& d = *type->descriptor;
    for (std::uint32_t p = 0; p < d.nports; ++p) {
      names.ports.emplace_back(d.ports[p].name);
      names.port_is_input.push_back(d.ports[p].direction == PortDirection::In);
    }
    for (std::uint32_t k = 0; k < d.nkinds; ++k) names.kinds.emplace_back(d.kinds[k].kind, d.kinds[k].name);
  }
  for (const auto& type : types_) {
    StatGroup group = type->stat_layout;
    group.first_id = type->rt.base;
    group.instances = type->rt.count;
    layout.stat_groups.push_back(std::move(group));
  }
  return layout;
}

std::vector<std::vector<double>> SystemInstance::stat_values() const {
  std::vector<std::vector<double>> values;
  values.reserve(types_.size());
  for (const auto& type : types_) {
    std::vector<double>& slots = values.emplace_back(type->stats);
    // Derived statistics are never added to; they are computed from their sums as sampled.
    const std::size_t width = type->stat_layout.slots.size();
    for (std::size_t s = 0; s < width; ++s) {
      const StatSlotInfo& info = type->stat_layout.slots[s];
      if (info.kind != StatSlotInfo::Kind::Derived) continue;
      for (std::size_t i = 0; i < type->rt.count; ++i) {
        const double denominator = slots[i * width + info.denominator];
        slots[i * width + s] = denominator != 0 ? slots[i * width + info.numerator] / denominator : NAN;
      }
    }
  }
  return values;
}

}  // namespace archlab
