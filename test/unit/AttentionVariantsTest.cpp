//===- AttentionVariantsTest.cpp - Sliding windows and softcaps -----------===//
//
// attention and attentionGrad with a sliding window and a logit softcap,
// against references written here from the definitions: the forward by
// plain loops over every (query, key) pair, the gradients by central finite
// differences of the (checked) forward in f64, and a window against the
// same mask spelled as an additive bias of -inf.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "runtime/kernels/Kernels.h"

#include <cmath>
#include <functional>
#include <limits>

using namespace starch::rt;
using namespace starch::rt::test;

namespace {

void check(Status status) { ASSERT_TRUE(status.ok()) << status.message(); }

struct Variant {
  AttentionMask mask;
  int64_t window;
  double softcap;
};

/// softmax_j(cap * tanh(scale q.k_j / cap) + bias) v_j over the keys j with
/// |p - j| < window (and j <= p when causal), p = i + T - S, computed
/// pair by pair in double. GQA: query head h reads key head h / (Hq / Hkv).
std::vector<double> naiveAttention(const Tensor &q, const Tensor &k,
                                   const Tensor &v, const Tensor *bias,
                                   const Variant &how, double scale) {
  int64_t batch = q.shape()[0], heads = q.shape()[1], s = q.shape()[2],
          d = q.shape()[3], kvHeads = k.shape()[1], t = k.shape()[2],
          dv = v.shape()[3];
  auto at = [](const Tensor &x, int64_t b, int64_t h, int64_t i, int64_t c) {
    return elementAsDouble(
        x, ((b * x.shape()[1] + h) * x.shape()[2] + i) * x.shape()[3] + c);
  };
  std::vector<double> out(batch * heads * s * dv, 0.0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < s; ++i) {
        int64_t kv = h / (heads / kvHeads), p = i + t - s;
        std::vector<double> scores(t, -INFINITY);
        for (int64_t j = 0; j < t; ++j) {
          bool visible = how.mask != AttentionMask::causal || j <= p;
          if (how.window > 0)
            visible = visible && std::abs(p - j) < how.window;
          if (!visible)
            continue;
          double dot = 0;
          for (int64_t c = 0; c < d; ++c)
            dot += at(q, b, h, i, c) * at(k, b, kv, j, c);
          double score = scale * dot;
          if (how.softcap > 0)
            score = how.softcap * std::tanh(score / how.softcap);
          if (bias)
            score += at(*bias, bias->shape()[0] == 1 ? 0 : b,
                        bias->shape()[1] == 1 ? 0 : h, i, j);
          scores[j] = score;
        }
        double maximum = -INFINITY, sum = 0;
        for (double x : scores)
          maximum = std::max(maximum, x);
        for (double &x : scores)
          sum += (x = std::exp(x - maximum));
        for (int64_t j = 0; j < t; ++j)
          for (int64_t c = 0; c < dv; ++c)
            out[((b * heads + h) * s + i) * dv + c] +=
                scores[j] / sum * at(v, b, kv, j, c);
      }
  return out;
}

Tensor forward(const Tensor &q, const Tensor &k, const Tensor &v,
               const Tensor *bias, const Variant &how, double scale) {
  Tensor out(q.dtype(),
             {q.shape()[0], q.shape()[1], q.shape()[2], v.shape()[3]});
  check(attention(q, k, v, bias, nullptr, how.mask, scale, out, how.window,
                  how.softcap));
  return out;
}

/// sum(attention(...) * dOut), the scalar whose gradients attentionGrad
/// gives.
double objective(const Tensor &q, const Tensor &k, const Tensor &v,
                 const Tensor *bias, const Variant &how, double scale,
                 const Tensor &dOut) {
  Tensor out = forward(q, k, v, bias, how, scale);
  double sum = 0;
  for (int64_t i = 0; i < out.numElements(); ++i)
    sum += elementAsDouble(out, i) * elementAsDouble(dOut, i);
  return sum;
}

/// Central differences of `objective` with respect to each element of
/// `wrt` (one of the operands, perturbed in place).
std::vector<double> finiteDifferences(Tensor &wrt,
                                      const std::function<double()> &f) {
  const double h = 1e-6;
  std::vector<double> grad(wrt.numElements());
  for (int64_t i = 0; i < wrt.numElements(); ++i) {
    double x = elementAsDouble(wrt, i);
    storeFromDouble(wrt, i, x + h);
    double up = f();
    storeFromDouble(wrt, i, x - h);
    double down = f();
    storeFromDouble(wrt, i, x);
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

const Variant kVariants[] = {
    {AttentionMask::causal, 3, 0.0}, // Mistral's sliding window
    {AttentionMask::causal, 3, 1.5}, // Gemma2's sliding layers
    {AttentionMask::causal, 0, 1.5}, // Gemma2's global layers
    {AttentionMask::full, 2, 0.0},   // |p - j| < 2, both sides
    {AttentionMask::full, 0, 0.7},
};

std::string nameOf(const Variant &how) {
  return std::string(how.mask == AttentionMask::causal ? "causal" : "full") +
         " window " + std::to_string(how.window) + " softcap " +
         std::to_string(how.softcap);
}

} // namespace

TEST(AttentionVariants, ForwardMatchesThePairByPairDefinition) {
  // Hq 4 reads Hkv 2; S 5 queries are the last of T 7 keys; scores large
  // enough (entries in [-1, 1), D 6, scale 0.9) for tanh to bend them.
  Tensor q = random(DType::f64, {2, 4, 5, 6}, 1),
         k = random(DType::f64, {2, 2, 7, 6}, 2),
         v = random(DType::f64, {2, 2, 7, 3}, 3);
  for (const Variant &how : kVariants) {
    SCOPED_TRACE(nameOf(how));
    expectNear(forward(q, k, v, nullptr, how, 0.9),
               naiveAttention(q, k, v, nullptr, how, 0.9), 1e-13);
  }
  // A softcap under an additive bias: the bias is added after the cap.
  Tensor bias = random(DType::f64, {1, 4, 5, 7}, 4);
  Variant capped{AttentionMask::additive, 0, 0.8};
  expectNear(forward(q, k, v, &bias, capped, 0.9),
             naiveAttention(q, k, v, &bias, capped, 0.9), 1e-13);
  // In f32 the kernel rounds; the same numbers to float precision.
  Tensor q32 = random(DType::f32, {1, 2, 70, 8}, 5),
         k32 = random(DType::f32, {1, 1, 70, 8}, 6),
         v32 = random(DType::f32, {1, 1, 70, 8}, 7);
  Variant long_{AttentionMask::causal, 20, 2.0}; // crosses query blocks
  expectNear(forward(q32, k32, v32, nullptr, long_, 0.5),
             naiveAttention(q32, k32, v32, nullptr, long_, 0.5), 2e-6);
}

TEST(AttentionVariants, GradientsMatchFiniteDifferences) {
  Tensor q = random(DType::f64, {1, 4, 5, 6}, 11),
         k = random(DType::f64, {1, 2, 7, 6}, 12),
         v = random(DType::f64, {1, 2, 7, 3}, 13),
         dOut = random(DType::f64, {1, 4, 5, 3}, 14),
         bias = random(DType::f64, {1, 1, 5, 7}, 15);
  std::vector<Variant> variants(std::begin(kVariants), std::end(kVariants));
  variants.push_back({AttentionMask::additive, 0, 0.8});
  for (const Variant &how : variants) {
    SCOPED_TRACE(nameOf(how));
    const Tensor *b = how.mask == AttentionMask::additive ? &bias : nullptr;
    Tensor out = forward(q, k, v, b, how, 0.9);
    Tensor dq(q.dtype(), q.shape()), dk(k.dtype(), k.shape()),
        dv(v.dtype(), v.shape()), db(bias.dtype(), bias.shape());
    check(attentionGrad(q, k, v, b, nullptr, out, dOut, how.mask, 0.9, &dq, &dk,
                        &dv, b ? &db : nullptr, how.window, how.softcap));
    auto f = [&] { return objective(q, k, v, b, how, 0.9, dOut); };
    expectNear(dq, finiteDifferences(q, f), 1e-7);
    expectNear(dk, finiteDifferences(k, f), 1e-7);
    expectNear(dv, finiteDifferences(v, f), 1e-7);
    if (b)
      expectNear(db, finiteDifferences(bias, f), 1e-7);
  }
}

TEST(AttentionVariants, WindowEqualsItsAdditiveMask) {
  // The window as a -inf bias, the softcap applied to both: the same
  // outputs and query, key, value gradients.
  Tensor q = random(DType::f64, {2, 2, 6, 4}, 21),
         k = random(DType::f64, {2, 2, 6, 4}, 22),
         v = random(DType::f64, {2, 2, 6, 4}, 23),
         dOut = random(DType::f64, {2, 2, 6, 4}, 24);
  for (bool causal : {true, false}) {
    SCOPED_TRACE(causal ? "causal" : "full");
    Variant windowed{causal ? AttentionMask::causal : AttentionMask::full, 3,
                     1.2};
    Tensor bias(DType::f64, {1, 1, 6, 6});
    for (int64_t i = 0; i < 6; ++i)
      for (int64_t j = 0; j < 6; ++j)
        storeFromDouble(bias, i * 6 + j,
                        std::abs(i - j) < 3 && (!causal || j <= i)
                            ? 0.0
                            : -std::numeric_limits<double>::infinity());
    Variant additive{AttentionMask::additive, 0, 1.2};
    Tensor out = forward(q, k, v, nullptr, windowed, 0.5);
    Tensor reference = forward(q, k, v, &bias, additive, 0.5);
    expectNear(out, values(reference), 1e-14);
    Tensor dq(q.dtype(), q.shape()), dk(k.dtype(), k.shape()),
        dv(v.dtype(), v.shape()), dq2(q.dtype(), q.shape()),
        dk2(k.dtype(), k.shape()), dv2(v.dtype(), v.shape()),
        db(bias.dtype(), bias.shape());
    check(attentionGrad(q, k, v, nullptr, nullptr, out, dOut, windowed.mask,
                        0.5, &dq, &dk, &dv, nullptr, windowed.window,
                        windowed.softcap));
    check(attentionGrad(q, k, v, &bias, nullptr, reference, dOut,
                        AttentionMask::additive, 0.5, &dq2, &dk2, &dv2, &db, 0,
                        additive.softcap));
    expectNear(dq, values(dq2), 1e-14);
    expectNear(dk, values(dk2), 1e-14);
    expectNear(dv, values(dv2), 1e-14);
  }
}

TEST(AttentionVariants, RejectsAWindowTheMaskCannotTake) {
  Tensor q = random(DType::f32, {1, 1, 4, 4}, 31), out(DType::f32, q.shape());
  Tensor bias(DType::f32, {1, 1, 4, 4});
  Status st = attention(q, q, q, &bias, nullptr, AttentionMask::additive, 0.5,
                        out, /*window=*/2);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("a window must be positive and go with a full "
                              "or causal mask"),
            std::string::npos)
      << st.message();
  st = attention(q, q, q, nullptr, nullptr, AttentionMask::causal, 0.5, out, 0,
                 /*softcap=*/-1.0);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("softcap must be positive and finite"),
            std::string::npos)
      << st.message();
}

TEST(AttentionVariants, AWindowWiderThanTheSequenceIsNoWindow) {
  // Also one far beyond any distance, which must not overflow.
  Tensor q = random(DType::f64, {1, 2, 5, 4}, 41),
         k = random(DType::f64, {1, 2, 5, 4}, 42),
         v = random(DType::f64, {1, 2, 5, 4}, 43);
  Tensor plain =
      forward(q, k, v, nullptr, {AttentionMask::causal, 0, 0.0}, 0.5);
  for (int64_t window : {int64_t(5), int64_t(1) << 62}) {
    SCOPED_TRACE(window);
    expectNear(
        forward(q, k, v, nullptr, {AttentionMask::causal, window, 0.0}, 0.5),
        values(plain), 0.0);
  }
}
