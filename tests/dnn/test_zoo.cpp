// The model zoo (workloads/zoo/): every file parses, says where its shapes come from, and has the
// MAC count pinned here, checked against the published totals or the configuration's formula.
// MACs count conv2d, gemm and matmul operators only (no batch norm, activations, pooling,
// residual adds, softmax or normalization). And the SCALE-Sim topologies of
// benchmarks/validation parse and agree with the zoo where they overlap.
#include <graph.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>

using namespace archlab::dnn;

namespace {

const std::string kZoo = std::string(ARCHLAB_SOURCE_DIR) + "/workloads/zoo/";
const std::string kTopologies = std::string(ARCHLAB_SOURCE_DIR) + "/benchmarks/validation/topologies/";

Graph zoo(const std::string& name) { return load_graph(kZoo + name + ".toml"); }

std::uint64_t macs_of_type(const Graph& g, OpType type) {
  std::uint64_t total = 0;
  for (const auto& op : g.ops)
    if (op.type == type) total += op.macs();
  return total;
}

/// One transformer layer: L query rows, Lk keys, hidden d, feed-forward f; `gated`: three FFN
/// GEMMs (SwiGLU) instead of two. Q, K, V and output projections 4*L*d^2, scores and context
/// 2*L*Lk*d, FFN (2 or 3)*L*d*f.
std::uint64_t transformer_layer_macs(std::uint64_t l, std::uint64_t lk, std::uint64_t d, std::uint64_t f, bool gated) {
  return 4 * l * d * d + 2 * l * lk * d + (gated ? 3 : 2) * l * d * f;
}

}  // namespace

TEST(Zoo, EveryModelParsesAndCitesItsSource) {
  const std::map<std::string, std::uint64_t> pinned = {
      {"resnet50_b1", 4'089'184'256ull},
      {"resnet50_b8", 32'713'474'048ull},
      {"mobilenet_v2", 300'774'272ull},
      {"bert_base_s128", 11'173'625'856ull},
      {"bert_base_s512", 48'318'382'080ull},
      {"gpt2_small_prefill512", 48'356'979'456ull},
      {"gpt2_small_decode_kv512", 132'987'648ull},
      {"llama2_7b_layer_prefill2048", 448'824'082'432ull},
      {"llama2_7b_layer_decode_kv2048", 219'160'576ull},
      {"mlp_small", 17'121'280ull},
  };
  for (const auto& [name, macs] : pinned) {
    SCOPED_TRACE(name);
    const Graph g = zoo(name);
    EXPECT_EQ(g.name, name);
    EXPECT_FALSE(g.source.empty());
    EXPECT_EQ(g.element_bytes, 2u);
    EXPECT_EQ(g.order.size(), g.ops.size());
    EXPECT_EQ(g.total_macs(), macs);
    for (std::size_t i = 1; i < g.ops.size(); ++i)  // generated graphs are written in dependency order
      EXPECT_EQ(g.order[i], i);
  }
}

TEST(Zoo, ResNet50) {
  // Counted: the 53 convolutions (incl. the 4 downsample projections) and the fc layer; BN is
  // folded, ReLU / max and avg pool / residual adds have no MACs. Published: 3.8e9 (He et al.,
  // v1 with the stride in the 1x1 conv) to 4.1e9 (torchvision v1.5, "4.09 GFLOPS").
  const Graph b1 = zoo("resnet50_b1");
  const Graph b8 = zoo("resnet50_b8");
  EXPECT_GE(b1.total_macs(), 3.8e9);
  EXPECT_LE(b1.total_macs(), 4.1e9);
  EXPECT_EQ(macs_of_type(b1, OpType::Gemm), 2048u * 1000u);  // fc
  EXPECT_EQ(macs_of_type(b1, OpType::Conv2d), 4'087'136'256ull);
  EXPECT_EQ(b8.total_macs(), 8 * b1.total_macs());
  std::size_t convs = 0;
  for (const auto& op : b1.ops) convs += op.type == OpType::Conv2d;
  EXPECT_EQ(convs, 53u);
  const Op& last = b1.ops[*b1.find("layer4.2.conv3")];
  EXPECT_EQ(last.out_h, 7u);
  EXPECT_EQ(last.output_elements(), 2048u * 7 * 7);
}

TEST(Zoo, MobileNetV2) {
  // Sandler et al. Table 2 / Table 6: 300M multiply-adds at width 1.0, 224x224 (convolutions,
  // depthwise included, and the classifier).
  const Graph g = zoo("mobilenet_v2");
  EXPECT_NEAR(static_cast<double>(g.total_macs()), 300e6, 3e6);
  std::size_t depthwise = 0;
  for (const auto& op : g.ops) depthwise += op.type == OpType::Conv2d && op.groups == op.c && op.groups > 1;
  EXPECT_EQ(depthwise, 17u);
}

TEST(Zoo, BertBase) {
  // Per layer (L = sequence, d = 768, f = 3072): Q, K, V and output projections 4 L d^2, the
  // attention matmuls (scores Q K^T and context P V, 12 heads of 64) 2 L^2 d, FFN 2 L d f;
  // 12 layers; embedding lookup and pooler excluded. Published: about 11e9 at L = 128.
  const Graph s128 = zoo("bert_base_s128");
  const Graph s512 = zoo("bert_base_s512");
  EXPECT_EQ(s128.total_macs(), 12 * transformer_layer_macs(128, 128, 768, 3072, false));
  EXPECT_EQ(s512.total_macs(), 12 * transformer_layer_macs(512, 512, 768, 3072, false));
  EXPECT_NEAR(static_cast<double>(s128.total_macs()), 11e9, 0.3e9);
  EXPECT_EQ(macs_of_type(s128, OpType::BatchedMatmul), 12ull * 2 * 128 * 128 * 768);
}

TEST(Zoo, Gpt2Small) {
  // 12 layers, d = 768, f = 3072, 12 heads, vocabulary 50257; the LM head (tied to the token
  // embedding) for the last token only: d * V. Prefill of 512: full 512 x 512 scores (the
  // causal mask is applied in the softmax, the matmul is not halved). Decode: one query row
  // over 512 cached keys plus its own (513).
  const Graph prefill = zoo("gpt2_small_prefill512");
  const Graph decode = zoo("gpt2_small_decode_kv512");
  const std::uint64_t lm_head = 768ull * 50257;
  EXPECT_EQ(prefill.total_macs(), 12 * transformer_layer_macs(512, 512, 768, 3072, false) + lm_head);
  EXPECT_EQ(decode.total_macs(), 12 * transformer_layer_macs(1, 513, 768, 3072, false) + lm_head);
  // Decode is close to the parameter count (~124M, ~85M outside the embeddings) plus attention.
  EXPECT_NEAR(static_cast<double>(decode.total_macs()), 85e6 + 38.6e6 + 9.5e6, 1e6);
}

TEST(Zoo, Llama2_7BLayer) {
  // d = 4096, 32 heads of 128 (no GQA in 7B), SwiGLU f = 11008 (gate, up, down).
  // Prefill of 2048: full 2048 x 2048 scores; decode after it: one query over 2049 keys.
  const Graph prefill = zoo("llama2_7b_layer_prefill2048");
  const Graph decode = zoo("llama2_7b_layer_decode_kv2048");
  EXPECT_EQ(prefill.total_macs(), transformer_layer_macs(2048, 2048, 4096, 11008, true));
  EXPECT_EQ(decode.total_macs(), transformer_layer_macs(1, 2049, 4096, 11008, true));
  // 202M parameters per layer: the decode step is ~1 MAC per parameter.
  EXPECT_EQ(decode.total_macs() - 2ull * 2049 * 4096, 4ull * 4096 * 4096 + 3ull * 4096 * 11008);
}

TEST(Zoo, MlpSmall) {
  const Graph g = zoo("mlp_small");
  EXPECT_EQ(g.total_macs(), 32ull * (784 * 512 + 512 * 256 + 256 * 10));
  EXPECT_EQ(g.ops.size(), 6u);
}

TEST(ScaleSimTopologies, ResNet50MatchesTheZoo) {
  const Graph csv = load_graph(kTopologies + "resnet50.csv");
  const Graph toml = zoo("resnet50_b1");
  ASSERT_EQ(csv.ops.size(), 54u);  // 53 convolutions and fc
  for (const auto& op : csv.ops) {
    SCOPED_TRACE(op.name);
    const auto match = toml.find(op.name);
    ASSERT_TRUE(match) << "not in the zoo's ResNet-50";
    const Op& other = toml.ops[*match];
    EXPECT_EQ(op.macs(), other.macs());
    EXPECT_EQ(op.gemm(), other.gemm());  // the same im2col GEMM (fc: 1 x 1000 x 2048 both ways)
    if (other.type == OpType::Conv2d) {
      EXPECT_EQ(op.out_h, other.out_h);
      EXPECT_EQ(op.weight_elements(), other.weight_elements());
      EXPECT_EQ(op.output_elements(), other.output_elements());
    }
  }
  EXPECT_EQ(csv.total_macs(), toml.total_macs());  // the zoo's other operators have no MACs
}

TEST(ScaleSimTopologies, BertEncoderLayerMatchesTheZoo) {
  const Graph csv = load_graph(kTopologies + "bert_base_encoder.csv");
  const Graph toml = zoo("bert_base_s128");
  ASSERT_EQ(csv.ops.size(), 30u);  // Q, K, V, 12 + 12 per-head matmuls, output, 2 FFN
  std::uint64_t layer0 = 0;
  for (const auto& op : toml.ops)
    if (op.name.rfind("layer0.", 0) == 0) layer0 += op.macs();
  EXPECT_EQ(csv.total_macs(), layer0);
  EXPECT_EQ(csv.total_macs() * 12, toml.total_macs());
  // Per-head rows of the CSV are the zoo's batched matmul, one batch entry each.
  const auto scores = toml.ops[*toml.find("layer0.attn.scores")].gemm();
  const auto head0 = csv.ops[*csv.find("attention.scores.head0")].gemm();
  EXPECT_EQ((GemmShape{1, scores->m, scores->n, scores->k}), *head0);
  const auto context = toml.ops[*toml.find("layer0.attn.context")].gemm();
  EXPECT_EQ((GemmShape{1, context->m, context->n, context->k}), *csv.ops[*csv.find("attention.context.head0")].gemm());
  EXPECT_EQ(csv.ops[*csv.find("intermediate")].gemm(), toml.ops[*toml.find("layer0.ffn.intermediate")].gemm());
}
