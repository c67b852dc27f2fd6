// The operator-graph readers given hostile input (issue 15): dimensions whose products wrap at
// 2^64, files that are not files, keys nested deep enough to overflow the TOML parser's stack.
#include <graph.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

using namespace archlab::dnn;

namespace {

std::string error_of(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const GraphError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no GraphError thrown";
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

TEST(GraphLimits, ScaleSimRowWhoseMacsWrapIsRefused) {
  // 2^22 cubed is 2^66 MACs: it wrapped to a small count and passed `archlab check`.
  const std::string message =
      error_of([] { parse_scalesim_csv("Layer, M, N, K,\nbig, 4194304, 4194304, 4194304,\n", "big.csv"); });
  EXPECT_TRUE(contains(message, "big.csv:2: operator 'big': its MAC count does not fit in 64 bits")) << message;
  const std::string conv = error_of([] {
    parse_scalesim_csv(
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
        "c, 4294967296, 4294967296, 1, 1, 4294967296, 4294967296, 1,\n",
        "conv.csv");
  });
  EXPECT_TRUE(contains(conv, "does not fit in 64 bits")) << conv;
  const std::string stride = error_of([] {
    parse_scalesim_csv(
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
        "c, 8, 8, 1, 1, 1, 1, 18446744073709551615,\n",
        "stride.csv");
  });
  EXPECT_TRUE(contains(stride, "the stride is too large")) << stride;
}

TEST(GraphLimits, TomlOperatorsWhoseCountsWrapAreRefused) {
  const std::string gemm = error_of([] {
    parse_toml_graph("[[ops]]\nname = \"g\"\ntype = \"matmul\"\nbatch = 4096\nm = 67108864\nn = 67108864\nk = 1\n",
                     "g.toml");
  });
  EXPECT_TRUE(contains(gemm, "does not fit in 64 bits")) << gemm;
  const std::string shape = error_of([] {
    parse_toml_graph("[[ops]]\nname = \"e\"\ntype = \"elementwise\"\nshape = [4294967296, 4294967296]\n", "e.toml");
  });
  EXPECT_TRUE(contains(shape, "the product of 'shape' does not fit in 64 bits")) << shape;
  const std::string padded = error_of([] {
    parse_toml_graph(
        "[[ops]]\nname = \"p\"\ntype = \"pool\"\nc = 1\nh = 2\nw = 1\nr = 1\npadding = 9223372036854775807\n",
        "p.toml");
  });
  EXPECT_TRUE(contains(padded, "the padded input does not fit in 64 bits")) << padded;
  // Fits as MACs (2^62) but not as bytes at 8 bytes an element.
  const std::string bytes = error_of([] {
    parse_toml_graph("[model]\nelement_bytes = 8\n[[ops]]\nname = \"e\"\ntype = \"elementwise\"\n"
                     "elements = 4611686018427387904\n",
                     "b.toml");
  });
  EXPECT_TRUE(contains(bytes, "size does not fit in 64 bits")) << bytes;
}

TEST(GraphLimits, TotalsThatWrapAreRefused) {
  // Each GEMM has 2^63 MACs, which fits; the two together do not.
  const std::string message = error_of([] {
    parse_scalesim_csv("Layer, M, N, K,\na, 2097152, 2097152, 2097152,\nb, 2097152, 2097152, 2097152,\n", "two.csv");
  });
  EXPECT_TRUE(contains(message, "the graph's total MAC count does not fit in 64 bits")) << message;
  const Graph one = parse_scalesim_csv("Layer, M, N, K,\na, 2097152, 2097152, 2097152,\n", "one.csv");
  EXPECT_EQ(one.total_macs(), std::uint64_t{1} << 63);
}

TEST(GraphLimits, DeepKeysAndFilesThatAreNotFilesAreErrors) {
  std::string deep = "a";
  for (int i = 0; i < 50'000; ++i)
    deep += ".a";
  const std::string message = error_of([&] { parse_toml_graph(deep + " = 1\n", "deep.toml"); });
  EXPECT_TRUE(contains(message, "keys nest more than 64 levels")) << message.substr(0, 200);
  EXPECT_TRUE(contains(error_of([] { load_graph("/dev/zero"); }), "not a regular file"));
  const auto dir =
      std::filesystem::temp_directory_path() / ("archlab_graph_dir_" + std::to_string(::getpid()) + ".csv");
  std::filesystem::create_directories(dir);
  EXPECT_TRUE(contains(error_of([&] { load_graph(dir); }), "is a directory"));
  std::filesystem::remove_all(dir);
}
