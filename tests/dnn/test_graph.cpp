// The operator-graph library: shapes, MACs, operand sizes and GEMM lowering of each operator
// type; dependencies and layer order; SCALE-Sim CSV formats; and the errors for bad input.
#include <graph.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

using namespace archlab::dnn;

namespace {

/// Runs `parse` and returns the GraphError's message (fails the test when none is thrown).
template <typename F>
std::string error_of(F&& parse, std::size_t* line = nullptr) {
  try {
    parse();
  } catch (const GraphError& error) {
    if (line) *line = error.line();
    return error.what();
  }
  ADD_FAILURE() << "no GraphError thrown";
  return {};
}

std::string toml_error(const std::string& text, std::size_t* line = nullptr) {
  return error_of([&] { parse_toml_graph(text, "bad.toml"); }, line);
}
std::string csv_error(const std::string& text, std::size_t* line = nullptr) {
  return error_of([&] { parse_scalesim_csv(text, "bad.csv"); }, line);
}

}  // namespace

TEST(Graph, Conv2dShapesMacsAndIm2col) {
  const Graph g = parse_toml_graph(R"(
[model]
name = "t"
source = "unit test"
element_bytes = 1

[[ops]]
name = "conv"
type = "conv2d"
n = 2
c = 3
h = 224
w = 224
k = 64
r = 7
stride = 2
padding = 3
)", "t.toml");
  ASSERT_EQ(g.ops.size(), 1u);
  const Op& op = g.ops[0];
  EXPECT_EQ(g.name, "t");
  EXPECT_EQ(g.source, "unit test");
  EXPECT_EQ(op.out_h, 112u);
  EXPECT_EQ(op.out_w, 112u);
  EXPECT_EQ(op.macs(), 2ull * 112 * 112 * 64 * 7 * 7 * 3);
  EXPECT_EQ(op.gemm(), (GemmShape{1, 2 * 112 * 112, 64, 7 * 7 * 3}));
  EXPECT_EQ(op.input_elements(), 2ull * 3 * 224 * 224);
  EXPECT_EQ(op.weight_elements(), 64ull * 3 * 7 * 7);
  EXPECT_EQ(op.output_elements(), 2ull * 64 * 112 * 112);
  EXPECT_EQ(op.output_bytes(2), 2 * op.output_elements());
  EXPECT_EQ(g.total_bytes(), op.total_elements());
  EXPECT_TRUE(op.is_matrix());
}

TEST(Graph, GroupedDepthwiseAndPool) {
  const Graph g = parse_toml_graph(R"(
[[ops]]
name = "dw"
type = "conv2d"
c = 32
h = 112
w = 112
r = 3
stride = 2
padding = 1
depthwise = true

[[ops]]
name = "grouped"
type = "conv2d"
c = 32
h = 56
w = 56
k = 64
r = 3
padding = 1
groups = 4

[[ops]]
name = "pool"
type = "pool"
variant = "avg"
c = 64
h = 56
w = 56
global = true

[[ops]]
name = "maxpool"
type = "pool"
inputs = ["grouped"]
c = 64
h = 56
w = 56
r = 3
stride = 2
padding = 1
)", "t.toml");
  const Op& dw = g.ops[0];
  EXPECT_EQ(dw.groups, 32u);
  EXPECT_EQ(dw.k_out, 32u);
  EXPECT_EQ(dw.out_h, 56u);
  EXPECT_EQ(dw.macs(), 56ull * 56 * 32 * 9);
  EXPECT_EQ(dw.gemm(), (GemmShape{32, 56 * 56, 1, 9}));
  EXPECT_EQ(dw.weight_elements(), 32ull * 9);
  const Op& grouped = g.ops[1];
  EXPECT_EQ(grouped.gemm(), (GemmShape{4, 56 * 56, 16, 9 * 8}));
  EXPECT_EQ(grouped.macs(), 56ull * 56 * 64 * 9 * 8);
  const Op& pool = g.ops[2];
  EXPECT_EQ(pool.out_h, 1u);
  EXPECT_EQ(pool.macs(), 0u);
  EXPECT_FALSE(pool.gemm());
  EXPECT_EQ(pool.output_elements(), 64u);
  EXPECT_EQ(g.ops[3].out_h, 28u);
  EXPECT_EQ(g.ops[3].output_elements(), 64ull * 28 * 28);
}

TEST(Graph, GemmMatmulAndVectorOperators) {
  const Graph g = parse_toml_graph(R"(
[[ops]]
name = "fc"
type = "gemm"
m = 4
n = 10
k = 20

[[ops]]
name = "scores"
type = "matmul"
inputs = ["fc", "fc"]
batch = 12
m = 128
n = 128
k = 64

[[ops]]
name = "softmax"
type = "softmax"
rows = 1536
cols = 128

[[ops]]
name = "ln"
type = "layernorm"
rows = 128
cols = 768

[[ops]]
name = "rms"
type = "layernorm"
variant = "rms"
rows = 128
cols = 768

[[ops]]
name = "add"
type = "elementwise"
variant = "add"
inputs = ["ln", "rms"]
shape = [128, 768]

[[ops]]
name = "relu"
type = "elementwise"
elements = 100
)", "t.toml");
  const Op& fc = g.ops[0];
  EXPECT_EQ(fc.macs(), 800u);
  EXPECT_EQ(fc.input_elements(), 80u);
  EXPECT_EQ(fc.weight_elements(), 200u);
  EXPECT_EQ(fc.output_elements(), 40u);
  const Op& scores = g.ops[1];
  EXPECT_EQ(scores.macs(), 12ull * 128 * 128 * 64);
  EXPECT_EQ(scores.gemm(), (GemmShape{12, 128, 128, 64}));
  EXPECT_EQ(scores.input_elements(), 12ull * (128 * 64 + 64 * 128));  // both operands are activations
  EXPECT_EQ(scores.weight_elements(), 0u);
  EXPECT_EQ(scores.deps, (std::vector<std::size_t>{0}));  // the same input twice is one dependency
  EXPECT_EQ(g.ops[2].output_elements(), 1536ull * 128);
  EXPECT_EQ(g.ops[2].macs(), 0u);
  EXPECT_EQ(g.ops[3].weight_elements(), 2u * 768);
  EXPECT_EQ(g.ops[4].weight_elements(), 768u);
  EXPECT_EQ(g.ops[5].operands, 2u);
  EXPECT_EQ(g.ops[5].input_elements(), 2ull * 128 * 768);
  EXPECT_EQ(g.ops[5].output_elements(), 128ull * 768);
  EXPECT_EQ(g.ops[6].input_elements(), 100u);
  EXPECT_FALSE(g.ops[6].is_matrix());
  EXPECT_EQ(g.total_macs(), 800ull + 12ull * 128 * 128 * 64);
}

TEST(Graph, LayerOrderExplicitInputsAndTopologicalOrder) {
  const Graph g = parse_toml_graph(R"(
[[ops]]
name = "c"
type = "elementwise"
elements = 1
inputs = ["b"]

[[ops]]
name = "a"
type = "elementwise"
elements = 1
inputs = []

[[ops]]
name = "b"
type = "elementwise"
elements = 1
inputs = ["a"]

[[ops]]
name = "d"
type = "elementwise"
elements = 1
)", "t.toml");
  EXPECT_EQ(g.ops[0].deps, (std::vector<std::size_t>{2}));
  EXPECT_TRUE(g.ops[1].deps.empty());
  EXPECT_EQ(g.ops[3].inputs, (std::vector<std::string>{"b"}));  // no inputs: the previous operator
  EXPECT_EQ(g.order, (std::vector<std::size_t>{1, 2, 0, 3}));
  EXPECT_EQ(g.find("b"), 2u);
  EXPECT_FALSE(g.find("zz"));
  EXPECT_EQ(g.ops[1].line, 8u);  // the [[ops]] header
}

TEST(Graph, ScaleSimConvCsv) {
  const Graph g = parse_scalesim_csv(
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
      "conv1, 229, 229, 7, 7, 3, 64, 2,\r\n"
      "\n"
      "odd, 10, 10, 3, 3, 4, 8, 2,\n"
      "fc, 1, 1, 1, 1, 2048, 1000, 1\n",
      "net.csv");
  ASSERT_EQ(g.ops.size(), 3u);
  EXPECT_EQ(g.name, "net");
  EXPECT_EQ(g.ops[0].out_h, 112u);
  EXPECT_EQ(g.ops[0].macs(), 112ull * 112 * 64 * 7 * 7 * 3);
  EXPECT_EQ(g.ops[0].gemm(), (GemmShape{1, 112 * 112, 64, 147}));
  EXPECT_EQ(g.ops[1].out_h, 5u);  // SCALE-Sim: ceil((10 - 3 + 2) / 2)
  EXPECT_EQ(g.ops[1].line, 4u);
  EXPECT_EQ(g.ops[1].deps, (std::vector<std::size_t>{0}));  // layer order
  EXPECT_EQ(g.ops[2].macs(), 2048ull * 1000);
}

// The layout of the files in SCALE-Sim's own repository: a 13-column header with notes after the
// strides, a row of commas, a section title, rows with and without the trailing comma (and with
// a trailing space), and the same layer names once per block.
TEST(Graph, ScaleSimFilesAsShipped) {
  const Graph g = parse_scalesim_csv(
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,,,Eh,Ew,e2\n"
      ",,,,,,,,,,,,\n"
      "\n"
      "Transformer,\n"
      "Conv1,224,224,7,7,3,64,2,,,110,110,12100\n"
      "Attn_Kmap,1, 1, 1, 1, 512, 64, 1, \n"
      "Attn_QxK', 1, 64, 1, 1, 1, 64, 1\n"
      "Attn_Kmap,1, 1, 1, 1, 512, 64, 1,,,,,\n"
      "Attn_Kmap_2,1, 1, 1, 1, 512, 32, 1,\n"
      "Attn_Kmap,1, 1, 1, 1, 512, 16, 1\n"
      "\tConv2_dw, 112, 112, 3, 3, 1, 1, 2,#dw\n",
      "shipped.csv");
  ASSERT_EQ(g.ops.size(), 7u);
  EXPECT_EQ(g.ops[6].name, "Conv2_dw"); // a tab before the name, a note after the stride
  EXPECT_EQ(g.ops[6].out_h, 56u);
  EXPECT_EQ(g.ops[0].name, "Conv1");
  EXPECT_EQ(g.ops[0].line, 5u);
  EXPECT_EQ(g.ops[0].out_h, 110u); // the stride of a 13-column row; the notes are not read
  EXPECT_EQ(g.ops[0].gemm(), (GemmShape{1, 110 * 110, 64, 147}));
  EXPECT_EQ(g.ops[2].name, "Attn_QxK'");
  EXPECT_EQ(g.ops[2].stride_h, 1u); // no trailing comma: the last field is the stride
  EXPECT_EQ(g.ops[2].gemm(), (GemmShape{1, 64, 64, 1}));
  // Repeated names get their occurrence; a literal name already taken moves on to the next.
  EXPECT_EQ(g.ops[1].name, "Attn_Kmap");
  EXPECT_EQ(g.ops[3].name, "Attn_Kmap_2");
  EXPECT_EQ(g.ops[4].name, "Attn_Kmap_2_2");
  EXPECT_EQ(g.ops[4].k_out, 32u);
  EXPECT_EQ(g.ops[5].name, "Attn_Kmap_3");
  EXPECT_EQ(g.ops[5].k_out, 16u);
  EXPECT_EQ(g.ops[5].deps, (std::vector<std::size_t>{4})); // still layer order
  EXPECT_EQ(g.ops[1].gemm(), (GemmShape{1, 1, 64, 512}));
}

// SCALE-Sim 2 writes "Stride height, Stride width"; a row without the last takes the first.
TEST(Graph, ScaleSimSeparateStrides) {
  const Graph g = parse_scalesim_csv(
      "Layer name,IFMAP height,IFMAP width,Filter height,Filter width,Channels,Num filter,Stride height,Stride width,\n"
      "c1,10,12,3,3,4,8,2,3,\n"
      "c2,10,12,3,3,4,8,2,\n",
      "v2.csv");
  ASSERT_EQ(g.ops.size(), 2u);
  EXPECT_EQ(g.ops[0].out_h, 5u); // ceil((10 - 3 + 2) / 2)
  EXPECT_EQ(g.ops[0].out_w, 4u); // ceil((12 - 3 + 3) / 3)
  EXPECT_EQ(g.ops[1].out_w, 6u); // ceil((12 - 3 + 2) / 2)
}

TEST(Graph, ScaleSimGemmCsv) {
  const Graph g = parse_scalesim_csv("Layer, M, N, K,\nq, 128, 768, 768,\nscores, 128, 128, 64,\n", "bert.csv");
  ASSERT_EQ(g.ops.size(), 2u);
  EXPECT_EQ(g.ops[0].type, OpType::Gemm);
  EXPECT_EQ(g.ops[1].gemm(), (GemmShape{1, 128, 128, 64}));
  EXPECT_EQ(g.total_macs(), 128ull * 768 * 768 + 128ull * 128 * 64);
}

TEST(Graph, LoadGraphByExtension) {
  const auto dir = std::filesystem::temp_directory_path() / ("archlab_dnn_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "g.toml") << "[[ops]]\nname = \"a\"\ntype = \"gemm\"\nm = 2\nn = 3\nk = 4\n";
  std::ofstream(dir / "g.CSV") << "Layer, M, N, K,\na, 2, 3, 4,\n";
  std::ofstream(dir / "g.txt") << "x";
  EXPECT_EQ(load_graph(dir / "g.toml").total_macs(), 24u);
  EXPECT_EQ(load_graph(dir / "g.CSV").total_macs(), 24u);
  EXPECT_NE(error_of([&] { load_graph(dir / "g.txt"); }).find("unknown graph format '.txt'"), std::string::npos);
  EXPECT_NE(error_of([&] { load_graph(dir / "missing.toml"); }).find("missing.toml: cannot open file"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Errors: each names the file and the line (TOML) or the line and row (CSV).
// ---------------------------------------------------------------------------------------------
TEST(GraphErrors, UnknownOperatorType) {
  std::size_t line = 0;
  const auto message = toml_error("[[ops]]\nname = \"a\"\ntype = \"gemm\"\nm = 1\nn = 1\nk = 1\n\n"
                                  "[[ops]]\nname = \"b\"\ntype = \"convolution\"\n", &line);
  EXPECT_EQ(line, 10u);
  EXPECT_NE(message.find("bad.toml:10: operator 'b': unknown operator type 'convolution' (one of conv2d, gemm"),
            std::string::npos) << message;
}

TEST(GraphErrors, Cycle) {
  std::size_t line = 0;
  const auto message = toml_error(R"([[ops]]
name = "in"
type = "elementwise"
elements = 4

[[ops]]
name = "a"
type = "elementwise"
elements = 4
inputs = ["in", "c"]

[[ops]]
name = "b"
type = "elementwise"
elements = 4

[[ops]]
name = "c"
type = "elementwise"
elements = 4
)", &line);
  EXPECT_EQ(line, 6u);
  EXPECT_NE(message.find("bad.toml:6: cycle in the operator graph: a (line 6) -> b (line 12) -> c (line 17) -> a"),
            std::string::npos) << message;
}

TEST(GraphErrors, SelfDependencyIsACycle) {
  const auto message = toml_error("[[ops]]\nname = \"a\"\ntype = \"softmax\"\nrows = 1\ncols = 1\ninputs = [\"a\"]\n");
  EXPECT_NE(message.find("bad.toml:1: cycle in the operator graph: a (line 1) -> a"), std::string::npos) << message;
}

TEST(GraphErrors, InputNamesNoOperator) {
  std::size_t line = 0;
  const auto message = toml_error("[[ops]]\nname = \"a\"\ntype = \"gemm\"\nm = 1\nn = 1\nk = 1\n\n"
                                  "[[ops]]\nname = \"b\"\ntype = \"gemm\"\nm = 1\nn = 1\nk = 1\ninputs = [\"a\", \"nope\"]\n",
                                  &line);
  EXPECT_EQ(line, 8u);
  EXPECT_NE(message.find("bad.toml:8: operator 'b': input 'nope' names no operator"), std::string::npos) << message;
}

TEST(GraphErrors, MalformedTomlAndFields) {
  std::size_t line = 0;
  EXPECT_NE(toml_error("[[ops]]\nname = \"a\"\ntype = = 3\n", &line).find("bad.toml:3: malformed TOML"), std::string::npos);
  EXPECT_EQ(line, 3u);
  EXPECT_NE(toml_error("[[ops]]\nname = \"a\"\ntype = \"gemm\"\nm = 1\nn = 1\n").find("bad.toml:1: operator 'a' (gemm): missing 'k'"),
            std::string::npos);
  EXPECT_NE(toml_error("[[ops]]\nname = \"a\"\ntype = \"gemm\"\nm = 1\nn = 1\nk = 1\nkk = 2\n").find("bad.toml:7: operator 'a' (gemm): unknown field 'kk'"),
            std::string::npos);
  EXPECT_NE(toml_error("[[ops]]\nname = \"a\"\ntype = \"gemm\"\nm = 0\nn = 1\nk = 1\n").find("bad.toml:4: operator 'a': 'm' must be an integer >= 1"),
            std::string::npos);
  EXPECT_NE(toml_error("[[ops]]\nname = \"a\"\ntype = \"gemm\"\nm = \"x\"\nn = 1\nk = 1\n").find("bad.toml:4:"), std::string::npos);
  // Floats where integers belong, beyond the integers' range too (fuzz_graph: toml++'s own
  // conversion of 1e28 was undefined behaviour; the field is refused before it is converted).
  EXPECT_NE(toml_error("[[ops]]\nname = \"a\"\ntype = \"gemm\"\nm = 1e28\nn = 1\nk = 1\n").find("bad.toml:4: operator 'a': 'm' must be an integer >= 1"),
            std::string::npos);
  EXPECT_NE(toml_error("[[ops]]\nname = \"a\"\ntype = \"gemm\"\nm = 2.0\nn = 1\nk = 1\n").find("bad.toml:4: operator 'a': 'm' must be an integer >= 1"),
            std::string::npos);
  EXPECT_NE(toml_error("[[ops]]\nname = \"a\"\ntype = \"elementwise\"\nshape = [1e28]\n").find("'shape' must be a non-empty array of integers >= 1"),
            std::string::npos);
  EXPECT_NE(toml_error("[model]\nelement_bytes = -1e28\n[[ops]]\nname = \"a\"\ntype = \"softmax\"\nrows = 1\ncols = 1\n").find("model.element_bytes must be an integer >= 1"),
            std::string::npos);
  EXPECT_NE(toml_error("[[ops]]\ntype = \"gemm\"\n").find("bad.toml:1: operator #1: missing 'name'"), std::string::npos);
  EXPECT_NE(toml_error("[[ops]]\nname = \"a\"\n").find("bad.toml:1: operator 'a': missing 'type'"), std::string::npos);
  EXPECT_NE(toml_error("[model]\nname = \"x\"\n").find("bad.toml: no operators"), std::string::npos);
  EXPECT_NE(toml_error("layers = 3\n[[ops]]\nname = \"a\"\ntype = \"softmax\"\nrows = 1\ncols = 1\n").find("bad.toml:1: unknown top-level key 'layers'"),
            std::string::npos);
  const std::string twice = "[[ops]]\nname = \"a\"\ntype = \"softmax\"\nrows = 1\ncols = 1\n";
  EXPECT_NE(toml_error(twice + "\n" + twice).find("bad.toml:7: operator 'a' is defined twice (first at line 1)"),
            std::string::npos);
  EXPECT_NE(toml_error("[[ops]]\nname = \"a\"\ntype = \"conv2d\"\nc = 6\nh = 8\nw = 8\nk = 4\nr = 3\ngroups = 4\n").find("groups (4) must divide c (6) and k (4)"),
            std::string::npos);
  EXPECT_NE(toml_error("[[ops]]\nname = \"a\"\ntype = \"conv2d\"\nc = 6\nh = 2\nw = 2\nk = 4\nr = 3\n").find("window 3x3 is larger than the padded input 2x2"),
            std::string::npos);
}

TEST(GraphErrors, MalformedCsvRows) {
  const std::string conv = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
                           "conv1, 229, 229, 7, 7, 3, 64, 2,\n";
  std::size_t line = 0;
  EXPECT_NE(csv_error(conv + "\nconv2, 56, 56, 3, 3, 64,\n", &line).find("bad.csv:4: row 2: expected 8 fields (conv format), found 6"),
            std::string::npos);
  EXPECT_EQ(line, 4u);
  EXPECT_NE(csv_error(conv + "conv2, 56, 5x6, 3, 3, 64, 64, 1,\n").find("bad.csv:3: row 2: field 3 ('5x6') of layer 'conv2' is not a positive integer"),
            std::string::npos);
  EXPECT_NE(csv_error(conv + "conv2, 56, 56, 3, 3, 64, 64, -1,\n").find("bad.csv:3: row 2: field 8 ('-1')"), std::string::npos);
  EXPECT_NE(csv_error(conv + "conv2, 56, 56, 3, 3, 0, 64, 1,\n").find("not a positive integer"), std::string::npos);
  EXPECT_NE(csv_error(conv + ", 56, 56, 3, 3, 1, 64, 1,\n").find("bad.csv:3: row 2: empty layer name"), std::string::npos);
  EXPECT_NE(csv_error(conv + "conv2, 2, 2, 3, 3, 1, 64, 1,\n").find("filter 3x3 is larger than the ifmap 2x2"), std::string::npos);
  EXPECT_NE(csv_error("Layer, M, N, K,\nq, 128, 768,\n").find("bad.csv:2: row 1: expected 4 fields (GEMM format), found 3"),
            std::string::npos);
  EXPECT_NE(csv_error("Layer, M, N,\nq, 128, 768,\n").find("bad.csv:1: header has 3 columns"), std::string::npos);
  EXPECT_NE(csv_error("").find("bad.csv: empty topology file"), std::string::npos);
  EXPECT_NE(csv_error("Layer, M, N, K,\n\n").find("bad.csv: topology file has a header but no layers"), std::string::npos);
  // A title row is one name alone; a row with some numbers missing is still an error.
  EXPECT_NE(csv_error("Layer, M, N, K,\nq, 128,\n").find("bad.csv:2: row 1: expected 4 fields (GEMM format), found 2"),
            std::string::npos);
}
