// archlab DNN operator graphs: the operators of a network (conv2d, GEMM, batched matmul,
// elementwise, softmax, layer norm, pooling), their shapes and their dependencies, read from
// archlab's TOML format (workloads/dnn/README.md) or from SCALE-Sim topology CSV files (conv
// format and `Layer, M, N, K` GEMM format). Each operator knows its MACs, its operand and result
// sizes and, for the matrix operators, the GEMM it lowers to (im2col for convolutions). The
// mapping onto machines (the workload.dnn plugin) builds on this; this library knows nothing of
// the simulator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace archlab::dnn {

/// A malformed graph. what() is "<file>:<line>: <message>" (TOML) or
/// "<file>:<line>: row <n>: <message>" (CSV); file() and line() give the parts (line 0: the whole file).
class GraphError : public std::runtime_error {
public:
  GraphError(std::string file, std::size_t line, const std::string& message);
  const std::string& file() const { return file_; }
  std::size_t line() const { return line_; }

private:
  std::string file_;
  std::size_t line_;
};

enum class OpType { Conv2d, Gemm, BatchedMatmul, Elementwise, Softmax, LayerNorm, Pool };

/// The type's name in the TOML format: "conv2d", "gemm", "matmul", "elementwise", "softmax",
/// "layernorm", "pool".
std::string_view op_type_name(OpType type);
std::optional<OpType> op_type_from_name(std::string_view name);

/// A GEMM: `batch` independent products C[m x n] = A[m x k] * B[k x n].
struct GemmShape {
  std::uint64_t batch = 1;
  std::uint64_t m = 0;
  std::uint64_t n = 0;
  std::uint64_t k = 0;
  std::uint64_t macs() const { return batch * m * n * k; }
  bool operator==(const GemmShape&) const = default;
};

struct Op {
  std::string name;
  OpType type = OpType::Elementwise;
  std::string variant;              ///< informational sub-kind: "add", "relu", "max", "rms", ...
  std::vector<std::string> inputs;  ///< names of the operators this one depends on
  std::vector<std::size_t> deps;    ///< the same, as indices into Graph::ops
  std::size_t line = 0;             ///< where the operator is defined (TOML line or CSV line)

  // conv2d and pool: input N x C x H x W, window R x S, out channels K (conv2d; pool keeps C)
  std::uint64_t batch = 1;   ///< N (conv2d, pool); batch count (matmul)
  std::uint64_t c = 0, h = 0, w = 0;
  std::uint64_t k_out = 0;   ///< K, output channels (conv2d)
  std::uint64_t r = 1, s = 1;
  std::uint64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  std::uint64_t groups = 1;
  std::uint64_t out_h = 0, out_w = 0;  ///< P x Q, computed when the graph is read

  // gemm and matmul: batch x (M x K) * (K x N); b_is_weight: B is a parameter (gemm default)
  std::uint64_t m = 0, n = 0, k = 0;
  bool b_is_weight = true;

  // elementwise / softmax / layernorm: `elements` per operand, `rows` x `cols` for the
  // normalizations (elements = rows * cols); `operands` inputs of that size (elementwise)
  std::uint64_t elements = 0;
  std::uint64_t rows = 0, cols = 0;
  std::uint64_t operands = 1;

  /// Multiply-accumulates (0 for the vector operators: elementwise, softmax, layernorm, pool).
  std::uint64_t macs() const;
  /// Elements of the activation inputs (all of them), of the parameters (weights; 0 when none),
  /// and of the result.
  std::uint64_t input_elements() const;
  std::uint64_t weight_elements() const;
  std::uint64_t output_elements() const;
  std::uint64_t input_bytes(std::uint64_t element_bytes) const { return input_elements() * element_bytes; }
  std::uint64_t weight_bytes(std::uint64_t element_bytes) const { return weight_elements() * element_bytes; }
  std::uint64_t output_bytes(std::uint64_t element_bytes) const { return output_elements() * element_bytes; }
  /// Elements read and written, all operands and the result.
  std::uint64_t total_elements() const { return input_elements() + weight_elements() + output_elements(); }
  /// The GEMM this operator lowers to (conv2d by im2col: m = N*P*Q output pixels, n = K/groups
  /// filters, k = R*S*C/groups, batch = groups); nullopt for the vector operators.
  std::optional<GemmShape> gemm() const;
  /// True for the operators that go to matrix units (conv2d, gemm, matmul).
  bool is_matrix() const { return type == OpType::Conv2d || type == OpType::Gemm || type == OpType::BatchedMatmul; }
};

struct Graph {
  std::string name;    ///< [model] name, or the file stem
  std::string source;  ///< [model] source: where the shapes come from
  std::string file;    ///< the file it was read from (or the name given to the parser)
  std::uint64_t element_bytes = 2;  ///< [model] element_bytes (default 2: fp16/bf16)
  std::vector<Op> ops;              ///< in file order
  std::vector<std::size_t> order;   ///< a topological order (file order where it already is one)

  std::optional<std::size_t> find(std::string_view op_name) const;
  std::uint64_t total_macs() const;
  /// Sum of Op::total_elements() over the operators, times element_bytes.
  std::uint64_t total_bytes() const;
};

/// Reads a graph; the format follows the extension: .toml, or .csv (SCALE-Sim topology).
Graph load_graph(const std::filesystem::path& path);
/// The parsers, on text; `file` names the text in errors.
Graph parse_toml_graph(std::string_view text, const std::string& file);
Graph parse_scalesim_csv(std::string_view text, const std::string& file);

}  // namespace archlab::dnn
