// The DNN graph readers: archlab's TOML format (the model zoo) and SCALE-Sim topology CSV. Every
// input goes to both; bad input must end in GraphError. Every graph read must give counts that
// do not wrap (the readers promise that).
#include <graph.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void use(const archlab::dnn::Graph& graph) {
  for (const auto& op : graph.ops) {
    volatile std::uint64_t sink = op.macs() + op.total_elements();
    (void)sink;
    if (const auto gemm = op.gemm(); gemm && gemm->macs() != op.macs()) std::abort();
  }
  volatile std::uint64_t totals = graph.total_macs() + graph.total_bytes();
  (void)totals;
  if (graph.order.size() != graph.ops.size()) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    use(archlab::dnn::parse_toml_graph(text, "fuzz.toml"));
  } catch (const archlab::dnn::GraphError&) {
  }
  try {
    use(archlab::dnn::parse_scalesim_csv(text, "fuzz.csv"));
  } catch (const archlab::dnn::GraphError&) {
  }
  return 0;
}
