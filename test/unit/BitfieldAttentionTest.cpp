//===- BitfieldAttentionTest.cpp - The bitfield mask against explicit masks
//===//
//
// attention and attentionGrad with mask = bitfield against the same kernels
// with the equivalent explicit additive mask (0 / -inf per query and key,
// built from the token kinds in BitfieldReference.h): text, two modalities
// interleaved, padding at the end and in the middle, grouped heads, several
// thread counts. Padding queries must give an output of exactly 0 and zero
// gradients; the reference lets them see every key and gives them a zero
// cotangent, so that their (ignored) rows stay finite and add nothing.
//
//===----------------------------------------------------------------------===//
#include "BitfieldReference.h"
#include "TestUtil.h"

#include "runtime/kernels/Kernels.h"

#include <cmath>
#include <cstring>

using namespace starch::rt;
using namespace starch::rt::test;

namespace {

void check(Status status) { ASSERT_TRUE(status.ok()) << status.message(); }

struct Grads {
  Tensor dq, dk, dv;
};

/// The attention problem of one test: `layouts` with Hq query heads reading
/// Hkv key/value heads.
struct Problem {
  std::vector<Layout> layouts;
  Tensor q, k, v, dOut, bits;
  int64_t s;

  Problem(std::vector<Layout> sequences, DType dtype, int64_t heads,
          int64_t kvHeads, int64_t d, int64_t dv, unsigned seed)
      : layouts(std::move(sequences)) {
    int64_t batch = layouts.size();
    s = layouts[0].tokens.size();
    q = random(dtype, {batch, heads, s, d}, seed);
    k = random(dtype, {batch, kvHeads, s, d}, seed + 1);
    v = random(dtype, {batch, kvHeads, s, dv}, seed + 2);
    dOut = random(dtype, {batch, heads, s, dv}, seed + 3);
    bits = maskWords(layouts);
  }

  Shape outShape() const {
    return {q.shape()[0], q.shape()[1], s, v.shape()[3]};
  }

  Tensor forward(AttentionMask mask, const Tensor *maskTensor,
                 double scale) const {
    Tensor out(q.dtype(), outShape());
    check(attention(q, k, v, maskTensor, nullptr, mask, scale, out));
    return out;
  }

  Grads backward(AttentionMask mask, const Tensor *maskTensor, double scale,
                 const Tensor &cotangent) const {
    Tensor out = forward(mask, maskTensor, scale);
    Grads g{Tensor(q.dtype(), q.shape()), Tensor(k.dtype(), k.shape()),
            Tensor(v.dtype(), v.shape())};
    check(attentionGrad(q, k, v, maskTensor, nullptr, out, cotangent, mask,
                        scale, &g.dq, &g.dk, &g.dv, nullptr));
    return g;
  }

  Tensor bitfieldForward(double scale) const {
    return forward(AttentionMask::bitfield, &bits, scale);
  }
  Grads bitfieldBackward(double scale) const {
    return backward(AttentionMask::bitfield, &bits, scale, dOut);
  }
  /// The explicit mask with padding queries unmasked, and their cotangent 0.
  Tensor referenceForward(double scale) const {
    Tensor bias = explicitBias(layouts, q.dtype(), true);
    return forward(AttentionMask::additive, &bias, scale);
  }
  Grads referenceBackward(double scale) const {
    Tensor bias = explicitBias(layouts, q.dtype(), true);
    Tensor cotangent(dOut.dtype(), dOut.shape());
    std::memcpy(cotangent.bytes(), dOut.bytes(), dOut.byteSize());
    zeroPaddingRows(layouts, cotangent);
    return backward(AttentionMask::additive, &bias, scale, cotangent);
  }

  /// Whether flat element `i` of a `B x H x S x D` tensor is in the row of
  /// a padding query.
  bool inPaddingRow(const Tensor &t, int64_t i) const {
    int64_t d = t.shape()[3], heads = t.shape()[1];
    int64_t row = i / d, query = row % s, b = row / s / heads;
    return isPadding(layouts[b], query);
  }
};

/// `got` equals `want` within `tolerance` outside padding rows and is exactly
/// 0 in them.
void expectRowsMatch(const Problem &p, const Tensor &got, const Tensor &want,
                     double tolerance, const char *what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.numElements(); ++i) {
    double g = elementAsDouble(got, i);
    if (p.inPaddingRow(got, i)) {
      ASSERT_EQ(g, 0.0) << "padding row at flat index " << i;
    } else {
      ASSERT_NEAR(g, elementAsDouble(want, i), tolerance)
          << "at flat index " << i;
    }
  }
}

bool bitwiseEqual(const Tensor &a, const Tensor &b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.bytes(), b.bytes(), a.byteSize()) == 0;
}

struct ThreadCount {
  explicit ThreadCount(int n) { setNumThreads(n); }
  ~ThreadCount() { setNumThreads(0); }
};

} // namespace

TEST(BitfieldAttention, RuleOnHandPickedWords) {
  const int64_t text = 1 | 2 | 4, image = 2, audio = 4;
  // Text sees text, image and audio keys at or before it, never after.
  EXPECT_TRUE(bitfieldVisible(text, text, 5, 5));
  EXPECT_TRUE(bitfieldVisible(text, image, 5, 2));
  EXPECT_TRUE(bitfieldVisible(text, audio, 5, 4));
  EXPECT_FALSE(bitfieldVisible(text, image, 5, 6));
  EXPECT_FALSE(bitfieldVisible(text, 0, 5, 1));
  // A modality token sees its own modality in both directions only.
  EXPECT_TRUE(bitfieldVisible(image, image, 3, 9));
  EXPECT_TRUE(bitfieldVisible(image, image, 9, 3));
  EXPECT_FALSE(bitfieldVisible(image, audio, 3, 2));
  EXPECT_FALSE(bitfieldVisible(image, text, 3, 2));
  // Text with only bit 0 and the image bit shares no bit with audio keys.
  EXPECT_TRUE(bitfieldVisible(1 | 2, image, 5, 1));
  EXPECT_FALSE(bitfieldVisible(1 | 2, audio, 5, 1));
  // Padding sees nothing, not even padding.
  EXPECT_FALSE(bitfieldVisible(0, 0, 2, 2));
  EXPECT_FALSE(bitfieldVisible(0, image, 2, 1));
  // Bits 62 and 63 are not part of the rule: a word that has them and
  // nothing else is padding, and they do not break modality equality.
  const int64_t high = static_cast<int64_t>(3ull << 62);
  EXPECT_FALSE(bitfieldVisible(high, high, 2, 2));
  EXPECT_TRUE(bitfieldVisible(image | high, image, 1, 4));
  EXPECT_TRUE(bitfieldVisible(image, image | high, 1, 4));
  // Key ends: one past the last key seen, 0 for padding.
  const int64_t words[] = {text, image, image, text, audio, 0};
  EXPECT_EQ(bitfieldKeyEnd(words, 6, 0), 1);
  EXPECT_EQ(bitfieldKeyEnd(words, 6, 1), 3);
  EXPECT_EQ(bitfieldKeyEnd(words, 6, 3), 4);
  EXPECT_EQ(bitfieldKeyEnd(words, 6, 4), 5);
  EXPECT_EQ(bitfieldKeyEnd(words, 6, 5), 0);
}

TEST(BitfieldAttention, ForwardMatchesTheExplicitMask) {
  // Hq 4 reads Hkv 2; Dv differs from D.
  Problem p(multimodalLayouts(), DType::f64, 4, 2, 8, 5, 1);
  expectRowsMatch(p, p.bitfieldForward(0.4), p.referenceForward(0.4), 1e-12,
                  "out");
}

TEST(BitfieldAttention, BackwardMatchesTheExplicitMask) {
  Problem p(multimodalLayouts(), DType::f64, 4, 2, 8, 5, 11);
  Grads got = p.bitfieldBackward(0.4), want = p.referenceBackward(0.4);
  expectRowsMatch(p, got.dq, want.dq, 1e-12, "dq");
  SCOPED_TRACE("dk and dv");
  expectNear(got.dk, values(want.dk), 1e-12);
  expectNear(got.dv, values(want.dv), 1e-12);
}

TEST(BitfieldAttention, FloatSequencesAcrossQueryBlocks) {
  // 150 tokens: three blocks of 64 query rows in the backward.
  Layout long_;
  append(long_, Token::text, 20);
  append(long_, Token::image, 50);
  append(long_, Token::text, 10);
  append(long_, Token::audio, 30);
  append(long_, Token::text, 30);
  append(long_, Token::padding, 10);
  Problem p({long_}, DType::f32, 2, 1, 16, 16, 21);
  expectRowsMatch(p, p.bitfieldForward(0.25), p.referenceForward(0.25), 1e-5,
                  "out");
  Grads got = p.bitfieldBackward(0.25), want = p.referenceBackward(0.25);
  expectRowsMatch(p, got.dq, want.dq, 1e-5, "dq");
  expectNear(got.dk, values(want.dk), 1e-5);
  expectNear(got.dv, values(want.dv), 1e-5);
}

TEST(BitfieldAttention, ResultsDoNotDependOnTheThreadCount) {
  Problem p(multimodalLayouts(), DType::f32, 4, 2, 8, 8, 31);
  Tensor out1, out3;
  Grads g1, g3;
  {
    ThreadCount threads(1);
    out1 = p.bitfieldForward(0.3);
    g1 = p.bitfieldBackward(0.3);
  }
  for (int n : {2, 3, 5}) {
    ThreadCount threads(n);
    SCOPED_TRACE(std::to_string(n) + " threads");
    EXPECT_TRUE(bitwiseEqual(p.bitfieldForward(0.3), out1));
    Grads g = p.bitfieldBackward(0.3);
    EXPECT_TRUE(bitwiseEqual(g.dq, g1.dq));
    EXPECT_TRUE(bitwiseEqual(g.dk, g1.dk));
    EXPECT_TRUE(bitwiseEqual(g.dv, g1.dv));
  }
}

TEST(BitfieldAttention, AllPaddingGivesZerosNotNaN) {
  // A fully padded sequence beside a text-only one.
  Layout padding, text;
  append(padding, Token::padding, 9);
  append(text, Token::text, 9);
  Problem p({padding, text}, DType::f64, 2, 2, 4, 4, 41);
  Tensor out = p.bitfieldForward(0.5);
  Grads g = p.bitfieldBackward(0.5);
  int64_t half = out.numElements() / 2;
  for (int64_t i = 0; i < half; ++i)
    ASSERT_EQ(elementAsDouble(out, i), 0.0) << i;
  for (const Tensor *grad : {&g.dq, &g.dk, &g.dv})
    for (int64_t i = 0; i < grad->numElements() / 2; ++i)
      ASSERT_EQ(elementAsDouble(*grad, i), 0.0) << i;
  // The text sequence is causal attention.
  Tensor causal = p.forward(AttentionMask::causal, nullptr, 0.5);
  for (int64_t i = half; i < out.numElements(); ++i)
    ASSERT_NEAR(elementAsDouble(out, i), elementAsDouble(causal, i), 1e-14);
}

TEST(BitfieldAttention, NullResultsAreSkipped) {
  Problem p(multimodalLayouts(), DType::f64, 2, 1, 4, 4, 51);
  Grads all = p.bitfieldBackward(0.5);
  Tensor out = p.bitfieldForward(0.5);
  Tensor dk(DType::f64, p.k.shape());
  check(attentionGrad(p.q, p.k, p.v, &p.bits, nullptr, out, p.dOut,
                      AttentionMask::bitfield, 0.5, nullptr, &dk, nullptr,
                      nullptr));
  EXPECT_TRUE(bitwiseEqual(dk, all.dk));
}

TEST(BitfieldAttention, HalfComputesInFloat) {
  Problem p(multimodalLayouts(), DType::f32, 2, 2, 8, 8, 61);
  auto narrow = [](const Tensor &t) {
    Tensor half(DType::bf16, t.shape());
    check(convert(t, half));
    return half;
  };
  Tensor wide = p.bitfieldForward(0.35);
  Tensor half(DType::bf16, wide.shape());
  check(attention(narrow(p.q), narrow(p.k), narrow(p.v), &p.bits, nullptr,
                  AttentionMask::bitfield, 0.35, half));
  expectRowsMatch(p, half, wide, 0.05, "bf16 out");
}

TEST(BitfieldAttention, RejectsMissingOrMalformedWords) {
  Problem p(multimodalLayouts(), DType::f32, 2, 1, 4, 4, 71);
  Tensor out(DType::f32, p.outShape());
  EXPECT_FALSE(attention(p.q, p.k, p.v, nullptr, nullptr,
                         AttentionMask::bitfield, 0.5, out)
                   .ok());
  Tensor narrowWords(DType::i32, p.bits.shape());
  Status wrongType = attention(p.q, p.k, p.v, &narrowWords, nullptr,
                               AttentionMask::bitfield, 0.5, out);
  EXPECT_FALSE(wrongType.ok());
  EXPECT_NE(wrongType.message().find("B x S of i64"), std::string::npos)
      << wrongType.message();
  // Fewer queries than keys: the rule compares positions of one sequence.
  Tensor firstHalf(DType::f32, {2, 2, 35, 4});
  Tensor halfBits(DType::i64, {2, 35}), halfOut(DType::f32, {2, 2, 35, 4});
  Status cross = attention(firstHalf, p.k, p.v, &halfBits, nullptr,
                           AttentionMask::bitfield, 0.5, halfOut);
  EXPECT_FALSE(cross.ok());
  EXPECT_NE(cross.message().find("S == T"), std::string::npos)
      << cross.message();
  Tensor dq(DType::f32, p.q.shape());
  EXPECT_FALSE(attentionGrad(p.q, p.k, p.v, nullptr, nullptr, out, out,
                             AttentionMask::bitfield, 0.5, &dq, nullptr,
                             nullptr, nullptr)
                   .ok());
}
