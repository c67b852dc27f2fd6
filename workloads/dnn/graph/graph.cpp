#include "graph.hpp"

#include <toml++/toml.h>

#include "archlab/input_limits.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <sstream>
#include <unordered_map>

namespace archlab::dnn {

namespace {

std::string location(const std::string& file, std::size_t line) {
  return line == 0 ? file : file + ":" + std::to_string(line);
}

[[noreturn]] void fail(const std::string& file, std::size_t line, const std::string& message) {
  throw GraphError(file, line, message);
}

constexpr std::pair<OpType, std::string_view> kTypeNames[] = {
    {OpType::Conv2d, "conv2d"},       {OpType::Gemm, "gemm"},       {OpType::BatchedMatmul, "matmul"},
    {OpType::Elementwise, "elementwise"}, {OpType::Softmax, "softmax"}, {OpType::LayerNorm, "layernorm"},
    {OpType::Pool, "pool"},
};

std::string valid_types() {
  std::string out;
  for (const auto& [type, name] : kTypeNames) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

std::uint64_t conv_out(std::uint64_t in, std::uint64_t pad, std::uint64_t window, std::uint64_t stride) {
  return (in + 2 * pad - window) / stride + 1;
}

/// A count that remembers whether any product or sum on the way wrapped past 2^64 - 1. The
/// formulas below are written once, for this type and for plain uint64_t: the readers evaluate
/// them with Count and refuse an operator whose counts cannot be represented, so Op's accessors
/// (plain uint64_t) never wrap.
struct Count {
  std::uint64_t value = 0;
  bool overflow = false;
  Count(std::uint64_t v) : value(v) {} // NOLINT(google-explicit-constructor): mixes with uint64_t
  friend Count operator*(Count a, Count b) {
    Count out(0);
    out.overflow = a.overflow || b.overflow || __builtin_mul_overflow(a.value, b.value, &out.value);
    return out;
  }
  friend Count operator+(Count a, Count b) {
    Count out(0);
    out.overflow = a.overflow || b.overflow || __builtin_add_overflow(a.value, b.value, &out.value);
    return out;
  }
};

template <class N> N macs_of(const Op& op) {
  switch (op.type) {
  case OpType::Conv2d:
    return N(op.groups) * (N(op.batch) * op.out_h * op.out_w) * (op.k_out / op.groups) *
           (N(op.r) * op.s * (op.c / op.groups));
  case OpType::Gemm:
  case OpType::BatchedMatmul:
    return N(op.batch) * op.m * op.n * op.k;
  default:
    return N(0);
  }
}

template <class N> N input_elements_of(const Op& op) {
  switch (op.type) {
  case OpType::Conv2d:
  case OpType::Pool:
    return N(op.batch) * op.c * op.h * op.w;
  case OpType::Gemm:
  case OpType::BatchedMatmul:
    return N(op.batch) * (N(op.m) * op.k + (op.b_is_weight ? N(0) : N(op.k) * op.n));
  case OpType::Elementwise:
    return N(op.operands) * op.elements;
  case OpType::Softmax:
  case OpType::LayerNorm:
    return N(op.elements);
  }
  return N(0);
}

template <class N> N weight_elements_of(const Op& op) {
  switch (op.type) {
  case OpType::Conv2d:
    return N(op.k_out) * (op.c / op.groups) * op.r * op.s;
  case OpType::Gemm:
  case OpType::BatchedMatmul:
    return op.b_is_weight ? N(op.batch) * op.k * op.n : N(0);
  case OpType::LayerNorm:
    return op.variant == "rms" ? N(op.cols) : N(2) * op.cols; // gamma (and beta)
  default:
    return N(0);
  }
}

template <class N> N output_elements_of(const Op& op) {
  switch (op.type) {
  case OpType::Conv2d:
    return N(op.batch) * op.k_out * op.out_h * op.out_w;
  case OpType::Pool:
    return N(op.batch) * op.c * op.out_h * op.out_w;
  case OpType::Gemm:
  case OpType::BatchedMatmul:
    return N(op.batch) * op.m * op.n;
  case OpType::Elementwise:
  case OpType::Softmax:
  case OpType::LayerNorm:
    return N(op.elements);
  }
  return N(0);
}

template <class N> N total_elements_of(const Op& op) {
  return input_elements_of<N>(op) + weight_elements_of<N>(op) + output_elements_of<N>(op);
}

/// Refuses an operator whose MACs, element counts or byte counts do not fit in 64 bits.
void check_counts(const std::string& file, const Op& op, std::uint64_t element_bytes) {
  const std::pair<const char*, Count> counts[] = {
      {"MAC count", macs_of<Count>(op)},
      {"input size", input_elements_of<Count>(op) * element_bytes},
      {"weight size", weight_elements_of<Count>(op) * element_bytes},
      {"output size", output_elements_of<Count>(op) * element_bytes},
      {"total size", total_elements_of<Count>(op) * element_bytes},
  };
  for (const auto& [what, count] : counts) {
    if (count.overflow) {
      fail(file, op.line,
           "operator '" + op.name + "': its " + what +
               " does not fit in 64 bits (at most 18446744073709551615): the dimensions are too large");
    }
  }
}

/// Refuses a graph whose total MACs or bytes do not fit in 64 bits (each operator's do).
void check_totals(const Graph& g) {
  Count macs(0);
  Count elements(0);
  for (const auto& op : g.ops) {
    macs = macs + macs_of<Count>(op);
    elements = elements + total_elements_of<Count>(op);
  }
  if (macs.overflow || (elements * g.element_bytes).overflow) {
    fail(g.file, 0,
         std::string("the graph's total ") + (macs.overflow ? "MAC count" : "size in bytes") +
             " does not fit in 64 bits (at most 18446744073709551615)");
  }
}

// ------------------------------------------------------------------------------------------
// Dependencies: names to indices, then a topological order (Kahn, file order among the ready
// operators) or the cycle that prevents one.
// ------------------------------------------------------------------------------------------
void resolve(Graph& g) {
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < g.ops.size(); ++i) {
    auto [it, fresh] = index.emplace(g.ops[i].name, i);
    if (!fresh)
      fail(g.file, g.ops[i].line, "operator '" + g.ops[i].name + "' is defined twice (first at line " +
                                      std::to_string(g.ops[it->second].line) + ")");
  }
  for (auto& op : g.ops) {
    op.deps.clear();
    for (const auto& input : op.inputs) {
      auto it = index.find(input);
      if (it == index.end())
        fail(g.file, op.line, "operator '" + op.name + "': input '" + input + "' names no operator");
      if (std::find(op.deps.begin(), op.deps.end(), it->second) == op.deps.end()) op.deps.push_back(it->second);
    }
  }
  const std::size_t count = g.ops.size();
  std::vector<std::size_t> pending(count, 0);
  std::vector<std::vector<std::size_t>> users(count);
  for (std::size_t i = 0; i < count; ++i)
    for (std::size_t d : g.ops[i].deps) {
      ++pending[i];
      users[d].push_back(i);
    }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < count; ++i)
    if (pending[i] == 0) ready.push(i);
  g.order.clear();
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    g.order.push_back(i);
    for (std::size_t u : users[i])
      if (--pending[u] == 0) ready.push(u);
  }
  if (g.order.size() == count) return;
  // A cycle: walk back along unfinished dependencies from an unfinished operator until one repeats.
  std::size_t at = 0;
  while (pending[at] == 0) ++at;
  std::vector<std::size_t> path;
  std::vector<int> seen(count, -1);
  while (seen[at] < 0) {
    seen[at] = static_cast<int>(path.size());
    path.push_back(at);
    for (std::size_t d : g.ops[at].deps)
      if (pending[d] != 0) {
        at = d;
        break;
      }
  }
  std::vector<std::size_t> cycle(path.begin() + seen[at], path.end());
  std::reverse(cycle.begin(), cycle.end());  // dependency order: each feeds the next
  const std::size_t first = *std::min_element(cycle.begin(), cycle.end());
  std::rotate(cycle.begin(), std::find(cycle.begin(), cycle.end(), first), cycle.end());
  std::string text;
  for (std::size_t i : cycle) text += g.ops[i].name + " (line " + std::to_string(g.ops[i].line) + ") -> ";
  text += g.ops[first].name;
  fail(g.file, g.ops[first].line, "cycle in the operator graph: " + text);
}

// ------------------------------------------------------------------------------------------
// TOML
// ------------------------------------------------------------------------------------------
std::size_t line_of(const toml::node& node) { return node.source().begin.line; }

/// The value of an integer node, else none. is_integer() first: toml++ converts a float node to an
/// integer by a cast that is undefined out of range (1e28), before it checks the range.
std::optional<std::int64_t> integer_of(const toml::node& node) {
  return node.is_integer() ? node.value<std::int64_t>() : std::nullopt;
}

struct OpReader {
  const std::string& file;
  const toml::table& table;
  Op& op;
  std::set<std::string> used{"name", "type", "inputs", "variant"};

  const toml::node* get(const std::string& key) {
    used.insert(key);
    return table.get(key);
  }
  std::uint64_t uint(const std::string& key, std::optional<std::uint64_t> fallback, std::uint64_t min = 1) {
    const toml::node* node = get(key);
    if (!node) {
      if (fallback) return *fallback;
      fail(file, op.line, "operator '" + op.name + "' (" + std::string(op_type_name(op.type)) + "): missing '" + key + "'");
    }
    const auto value = integer_of(*node);
    if (!value || *value < static_cast<std::int64_t>(min))
      fail(file, line_of(*node), "operator '" + op.name + "': '" + key + "' must be an integer >= " + std::to_string(min));
    return static_cast<std::uint64_t>(*value);
  }
  bool boolean(const std::string& key, bool fallback) {
    const toml::node* node = get(key);
    if (!node) return fallback;
    if (!node->is_boolean()) fail(file, line_of(*node), "operator '" + op.name + "': '" + key + "' must be true or false");
    return *node->value<bool>();
  }
  void check_unused() {
    for (const auto& [key, node] : table)
      if (!used.count(std::string(key.str())))
        fail(file, line_of(node), "operator '" + op.name + "' (" + std::string(op_type_name(op.type)) +
                                      "): unknown field '" + std::string(key.str()) + "'");
  }
  void stride_padding() {
    const std::uint64_t stride = uint("stride", 1);
    const std::uint64_t padding = uint("padding", 0, 0);
    op.stride_h = uint("stride_h", stride);
    op.stride_w = uint("stride_w", stride);
    op.pad_h = uint("pad_h", padding, 0);
    op.pad_w = uint("pad_w", padding, 0);
  }
  void window_out() {
    const Count padded_h = Count(op.h) + Count(2) * op.pad_h;
    const Count padded_w = Count(op.w) + Count(2) * op.pad_w;
    if (padded_h.overflow || padded_w.overflow)
      fail(file, op.line, "operator '" + op.name + "': the padded input does not fit in 64 bits");
    if (op.h + 2 * op.pad_h < op.r || op.w + 2 * op.pad_w < op.s)
      fail(file, op.line, "operator '" + op.name + "': window " + std::to_string(op.r) + "x" + std::to_string(op.s) +
                              " is larger than the padded input " + std::to_string(op.h + 2 * op.pad_h) + "x" +
                              std::to_string(op.w + 2 * op.pad_w));
    op.out_h = conv_out(op.h, op.pad_h, op.r, op.stride_h);
    op.out_w = conv_out(op.w, op.pad_w, op.s, op.stride_w);
  }

  void read() {
    switch (op.type) {
      case OpType::Conv2d: {
        op.batch = uint("n", 1);
        op.c = uint("c", std::nullopt);
        op.h = uint("h", std::nullopt);
        op.w = uint("w", std::nullopt);
        const bool depthwise = boolean("depthwise", false);
        op.k_out = uint("k", depthwise ? std::optional(op.c) : std::nullopt);
        op.r = uint("r", std::nullopt);
        op.s = uint("s", op.r);
        stride_padding();
        op.groups = uint("groups", depthwise ? op.c : 1);
        if (depthwise && op.groups != op.c)
          fail(file, op.line, "operator '" + op.name + "': depthwise needs groups = c");
        if (op.c % op.groups != 0 || op.k_out % op.groups != 0)
          fail(file, op.line, "operator '" + op.name + "': groups (" + std::to_string(op.groups) +
                                  ") must divide c (" + std::to_string(op.c) + ") and k (" + std::to_string(op.k_out) + ")");
        window_out();
        break;
      }
      case OpType::Pool: {
        op.batch = uint("n", 1);
        op.c = uint("c", std::nullopt);
        op.h = uint("h", std::nullopt);
        op.w = uint("w", std::nullopt);
        const bool global = boolean("global", false);
        op.r = uint("r", global ? std::optional(op.h) : std::nullopt);
        op.s = uint("s", global ? std::optional(op.w) : std::optional(op.r));
        stride_padding();
        window_out();
        break;
      }
      case OpType::Gemm:
      case OpType::BatchedMatmul:
        op.batch = op.type == OpType::Gemm ? 1 : uint("batch", 1);
        op.m = uint("m", std::nullopt);
        op.n = uint("n", std::nullopt);
        op.k = uint("k", std::nullopt);
        op.b_is_weight = boolean("b_is_weight", op.type == OpType::Gemm);
        break;
      case OpType::Elementwise: {
        const toml::node* shape = get("shape");
        if (shape) {
          const toml::array* dims = shape->as_array();
          if (!dims || dims->empty())
            fail(file, line_of(*shape), "operator '" + op.name + "': 'shape' must be a non-empty array of integers");
          Count elements(1);
          for (const auto& dim : *dims) {
            const auto value = integer_of(dim);
            if (!value || *value < 1)
              fail(file, line_of(*shape), "operator '" + op.name + "': 'shape' must be a non-empty array of integers >= 1");
            elements = elements * static_cast<std::uint64_t>(*value);
          }
          if (elements.overflow)
            fail(file, line_of(*shape), "operator '" + op.name + "': the product of 'shape' does not fit in 64 bits");
          op.elements = elements.value;
          if (table.contains("elements"))
            fail(file, op.line, "operator '" + op.name + "': give 'shape' or 'elements', not both");
        } else {
          op.elements = uint("elements", std::nullopt);
        }
        op.operands = uint("operands", std::max<std::uint64_t>(1, op.inputs.size()));
        break;
      }
      case OpType::Softmax:
      case OpType::LayerNorm:
        op.rows = uint("rows", std::nullopt);
        op.cols = uint("cols", std::nullopt);
        if ((Count(op.rows) * op.cols).overflow)
          fail(file, op.line, "operator '" + op.name + "': rows x cols does not fit in 64 bits");
        op.elements = op.rows * op.cols;
        break;
    }
    check_unused();
  }
};

std::string read_string(const std::string& file, const toml::node& node, const std::string& what) {
  if (!node.is_string()) fail(file, line_of(node), what + " must be a string");
  return *node.value<std::string>();
}

}  // namespace

GraphError::GraphError(std::string file, std::size_t line, const std::string& message)
    : std::runtime_error(location(file, line) + ": " + message), file_(std::move(file)), line_(line) {}

std::string_view op_type_name(OpType type) {
  for (const auto& [t, name] : kTypeNames)
    if (t == type) return name;
  return "?";
}

std::optional<OpType> op_type_from_name(std::string_view name) {
  for (const auto& [t, n] : kTypeNames)
    if (n == name) return t;
  return std::nullopt;
}

std::uint64_t Op::macs() const { return macs_of<std::uint64_t>(*this); }

std::optional<GemmShape> Op::gemm() const {
  switch (type) {
    case OpType::Conv2d:
      return GemmShape{groups, batch * out_h * out_w, k_out / groups, r * s * (c / groups)};
    case OpType::Gemm:
    case OpType::BatchedMatmul:
      return GemmShape{batch, m, n, k};
    default:
      return std::nullopt;
  }
}

std::uint64_t Op::input_elements() const { return input_elements_of<std::uint64_t>(*this); }
std::uint64_t Op::weight_elements() const { return weight_elements_of<std::uint64_t>(*this); }
std::uint64_t Op::output_elements() const { return output_elements_of<std::uint64_t>(*this); }

std::optional<std::size_t> Graph::find(std::string_view op_name) const {
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (ops[i].name == op_name) return i;
  return std::nullopt;
}

std::uint64_t Graph::total_macs() const {
  std::uint64_t total = 0;
  for (const auto& op : ops) total += op.macs();
  return total;
}

std::uint64_t Graph::total_bytes() const {
  std::uint64_t total = 0;
  for (const auto& op : ops) total += op.total_elements();
  return total * element_bytes;
}

Graph parse_toml_graph(std::string_view text, const std::string& file) {
  if (const std::string problem = limits::toml_depth_problem(text); !problem.empty()) fail(file, 0, problem);
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& error) {
    fail(file, error.source().begin.line, "malformed TOML: " + std::string(error.description()));
  }
  Graph g;
  g.file = file;
  g.name = std::filesystem::path(file).stem().string();
  for (const auto& [key, node] : root)
    if (key.str() != "model" && key.str() != "ops")
      fail(file, line_of(node), "unknown top-level key '" + std::string(key.str()) + "' (expected [model] and [[ops]])");
  if (const toml::node* model = root.get("model")) {
    const toml::table* table = model->as_table();
    if (!table) fail(file, line_of(*model), "'model' must be a table");
    for (const auto& [key, node] : *table) {
      if (key.str() == "name") g.name = read_string(file, node, "model.name");
      else if (key.str() == "source") g.source = read_string(file, node, "model.source");
      else if (key.str() == "element_bytes") {
        const auto value = integer_of(node);
        if (!value || *value < 1) fail(file, line_of(node), "model.element_bytes must be an integer >= 1");
        g.element_bytes = static_cast<std::uint64_t>(*value);
      }
      // other [model] keys (description, config, ...) are free-form metadata
    }
  }
  const toml::node* ops = root.get("ops");
  if (!ops) fail(file, 0, "no operators: expected [[ops]] tables");
  const toml::array* list = ops->as_array();
  if (!list || !list->is_array_of_tables()) fail(file, line_of(*ops), "'ops' must be an array of tables ([[ops]])");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table& table = *(*list)[i].as_table();
    Op op;
    op.line = line_of(table);
    const toml::node* name = table.get("name");
    if (!name) fail(file, op.line, "operator #" + std::to_string(i + 1) + ": missing 'name'");
    op.name = read_string(file, *name, "'name'");
    if (op.name.empty()) fail(file, line_of(*name), "operator #" + std::to_string(i + 1) + ": empty 'name'");
    const toml::node* type = table.get("type");
    if (!type) fail(file, op.line, "operator '" + op.name + "': missing 'type' (one of " + valid_types() + ")");
    const std::string type_name = read_string(file, *type, "'type'");
    const auto parsed = op_type_from_name(type_name);
    if (!parsed)
      fail(file, line_of(*type),
           "operator '" + op.name + "': unknown operator type '" + limits::clip(type_name) + "' (one of " +
               valid_types() + ")");
    op.type = *parsed;
    if (const toml::node* variant = table.get("variant")) op.variant = read_string(file, *variant, "'variant'");
    if (const toml::node* inputs = table.get("inputs")) {
      const toml::array* names = inputs->as_array();
      if (!names) fail(file, line_of(*inputs), "operator '" + op.name + "': 'inputs' must be an array of operator names");
      for (const auto& input : *names) op.inputs.push_back(read_string(file, input, "operator '" + op.name + "': each input"));
    } else if (i > 0) {
      op.inputs.push_back(*(*list)[i - 1].as_table()->get("name")->value<std::string>());  // layer order
    }
    OpReader{file, table, op}.read();
    check_counts(file, op, g.element_bytes);
    g.ops.push_back(std::move(op));
  }
  check_totals(g);
  resolve(g);
  return g;
}

// ------------------------------------------------------------------------------------------
// SCALE-Sim topology CSV
// ------------------------------------------------------------------------------------------
namespace {

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::vector<std::string> split_fields(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  while (!fields.empty() && fields.back().empty()) fields.pop_back();  // SCALE-Sim rows end with ','
  return fields;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return text;
}

}  // namespace

// SCALE-Sim reads the first line as the header and the first columns of the other rows by
// position; its shipped files rely on that: section titles ("Transformer,"), rows of commas,
// notes in columns after the strides, and the same layer name once per transformer block.
Graph parse_scalesim_csv(std::string_view text, const std::string& file) {
  Graph g;
  g.file = file;
  g.name = std::filesystem::path(file).stem().string();
  g.source = "SCALE-Sim topology " + file;
  g.element_bytes = 1;  // SCALE-Sim counts words
  enum class Format { Unknown, Conv, Gemm } format = Format::Unknown;
  std::size_t needed = 0, row = 0, line_no = 0, start = 0;
  bool stride_width_column = false;
  std::unordered_map<std::string, std::size_t> seen; // layer name -> rows so far with that name
  std::set<std::string> names;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    const std::string_view line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    start = end == std::string_view::npos ? text.size() + 1 : end + 1;
    ++line_no;
    const auto fields = split_fields(line);
    if (fields.empty()) continue;     // a blank line or a row of commas
    if (format == Format::Unknown) {  // the header
      if (fields.size() >= 4 && lower(fields[1]) == "m") {
        format = Format::Gemm, needed = 4;
      } else if (fields.size() >= 8) {
        format = Format::Conv, needed = 8;
        // SCALE-Sim 2 writes separate strides: "..., Stride height, Stride width".
        stride_width_column = fields.size() >= 9 && lower(fields[8]).find("stride") != std::string::npos;
      } else {
        fail(file, line_no,
             "header has " + std::to_string(fields.size()) +
                 " columns: expected the SCALE-Sim conv format (Layer name, IFMAP Height, IFMAP Width, "
                 "Filter Height, Filter Width, Channels, Num Filter, Strides[, Stride width]) or the "
                 "GEMM format (Layer, M, N, K)");
      }
      continue;
    }
    if (fields.size() == 1) continue; // a section title such as "Transformer,"
    ++row;
    const std::string where = "row " + std::to_string(row) + ": ";
    if (fields.size() < needed)
      fail(file, line_no,
           where + "expected " + std::to_string(needed) + " fields (" + (format == Format::Conv ? "conv" : "GEMM") +
               " format), found " + std::to_string(fields.size()));
    if (fields[0].empty()) fail(file, line_no, where + "empty layer name");
    // Columns after the ones SCALE-Sim simulates (notes, sparsity ratios) are not read.
    const std::size_t used =
        needed + (stride_width_column && fields.size() > needed && !fields[needed].empty() ? 1 : 0);
    std::vector<std::uint64_t> v;
    for (std::size_t i = 1; i < used; ++i) {
      std::uint64_t value = 0;
      const auto& f = fields[i];
      const auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), value);
      if (f.empty() || ec != std::errc() || ptr != f.data() + f.size() || value == 0)
        fail(file, line_no, where + "field " + std::to_string(i + 1) + " ('" + f + "') of layer '" + fields[0] +
                                "' is not a positive integer");
      v.push_back(value);
    }
    Op op;
    // A repeated name (one per transformer block) gets its occurrence: Attn_Kmap, Attn_Kmap_2, ...
    op.name = fields[0];
    if (names.count(op.name)) {
      std::size_t& count = seen[fields[0]];
      do
        op.name = fields[0] + "_" + std::to_string(++count + 1);
      while (names.count(op.name));
    }
    names.insert(op.name);
    op.line = line_no;
    op.variant = "scalesim";
    if (format == Format::Conv) {
      op.type = OpType::Conv2d;
      op.h = v[0], op.w = v[1], op.r = v[2], op.s = v[3], op.c = v[4], op.k_out = v[5];
      op.stride_h = v[6];
      op.stride_w = v.size() > 7 ? v[7] : v[6];
      if (op.r > op.h || op.s > op.w)
        fail(file, line_no, where + "layer '" + op.name + "': filter " + std::to_string(op.r) + "x" + std::to_string(op.s) +
                                " is larger than the ifmap " + std::to_string(op.h) + "x" + std::to_string(op.w));
      if ((Count(op.h) + Count(2) * op.stride_h).overflow || (Count(op.w) + Count(2) * op.stride_w).overflow)
        fail(file, line_no,
             where + "layer '" + op.name + "': the stride is too large (the output size does not fit in 64 bits)");
      // SCALE-Sim's output size: ceil((H - F + S) / S); the ifmap is already padded.
      op.out_h = (op.h - op.r + 2 * op.stride_h - 1) / op.stride_h;
      op.out_w = (op.w - op.s + 2 * op.stride_w - 1) / op.stride_w;
    } else {
      op.type = OpType::Gemm;
      op.m = v[0], op.n = v[1], op.k = v[2];
    }
    if (!g.ops.empty()) op.inputs.push_back(g.ops.back().name);  // layer order
    check_counts(file, op, g.element_bytes);
    g.ops.push_back(std::move(op));
  }
  if (format == Format::Unknown) fail(file, 0, "empty topology file");
  if (g.ops.empty()) fail(file, 0, "topology file has a header but no layers");
  check_totals(g);
  resolve(g);
  return g;
}

Graph load_graph(const std::filesystem::path& path) {
  const limits::InputFile file = limits::read_input_file(path);
  if (!file.problem.empty()) fail(path.string(), 0, file.problem);
  const std::string& text = file.text;
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (ext == ".toml") return parse_toml_graph(text, path.string());
  if (ext == ".csv") return parse_scalesim_csv(text, path.string());
  fail(path.string(), 0, "unknown graph format '" + ext + "': expected .toml (archlab) or .csv (SCALE-Sim topology)");
}

}  // namespace archlab::dnn
