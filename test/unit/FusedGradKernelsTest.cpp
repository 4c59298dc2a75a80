//===- FusedGradKernelsTest.cpp - Fused backward kernels vs decompositions ===//
//
// attentionGrad, rmsNormGrad and layerNormGrad against the decomposition the
// gradient rules emitted before the fused ops existed, built here from the
// runtime's primitive kernels (matmul, softmax, reduce, broadcast, ...) on
// random data; plus what the fused kernels promise beyond the math: results
// independent of the thread count, null outputs skipped without changing the
// others, NaN where a query sees no key.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "runtime/kernels/Kernels.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace starch::rt;
using namespace starch::rt::test;

namespace {

void check(Status status) { ASSERT_TRUE(status.ok()) << status.message(); }

//===--- The decomposition, one primitive kernel per step -----------------===//

Tensor binaryOf(BinaryKind kind, const Tensor &a, const Tensor &b) {
  Tensor out(a.dtype(), a.shape());
  check(binary(kind, a, b, out));
  return out;
}
Tensor add(const Tensor &a, const Tensor &b) {
  return binaryOf(BinaryKind::add, a, b);
}
Tensor sub(const Tensor &a, const Tensor &b) {
  return binaryOf(BinaryKind::sub, a, b);
}
Tensor mul(const Tensor &a, const Tensor &b) {
  return binaryOf(BinaryKind::mul, a, b);
}
Tensor splatLike(const Tensor &like, double value) {
  Tensor out(like.dtype(), like.shape());
  check(fill(value, out));
  return out;
}
Tensor scaled(const Tensor &a, double factor) {
  return mul(a, splatLike(a, factor));
}
Tensor broadcastTo(const Tensor &a, Shape shape, std::vector<int64_t> dims) {
  Tensor out(a.dtype(), std::move(shape));
  check(broadcast(a, dims, out));
  return out;
}
Tensor reduceOver(ReduceKind kind, const Tensor &a, std::vector<int64_t> dims) {
  Shape kept;
  for (int64_t d = 0; d < a.rank(); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end())
      kept.push_back(a.shape()[d]);
  Tensor out(a.dtype(), kept);
  check(reduce(kind, a, dims, out));
  return out;
}
/// Reduced over `dims`, broadcast back to `a`'s shape.
Tensor expandReduced(ReduceKind kind, const Tensor &a,
                     std::vector<int64_t> dims) {
  Tensor reduced = reduceOver(kind, a, dims);
  std::vector<int64_t> kept;
  for (int64_t d = 0; d < a.rank(); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end())
      kept.push_back(d);
  return broadcastTo(reduced, a.shape(), kept);
}
Tensor transposeLastTwo(const Tensor &a) {
  Shape shape = a.shape();
  std::swap(shape[2], shape[3]);
  Tensor out(a.dtype(), shape);
  check(transpose(a, {0, 1, 3, 2}, out));
  return out;
}
Tensor mm(const Tensor &a, const Tensor &b) {
  Shape shape = a.shape();
  shape.back() = b.shape().back();
  Tensor out(a.dtype(), shape);
  check(matmul(a, b, false, false, out));
  return out;
}
/// B x Hkv x T x D -> B x Hkv*G x T x D, each head repeated for its group.
Tensor expandHeads(const Tensor &kv, int64_t group) {
  const Shape &s = kv.shape();
  Tensor spread = broadcastTo(kv.reshaped({s[0], s[1], 1, s[2], s[3]}),
                              {s[0], s[1], group, s[2], s[3]}, {0, 1, 2, 3, 4});
  return spread.reshaped({s[0], s[1] * group, s[2], s[3]});
}
/// The adjoint of expandHeads.
Tensor sumHeadGroups(const Tensor &x, int64_t group) {
  const Shape &s = x.shape();
  Tensor grouped = x.reshaped({s[0], s[1] / group, group, s[2], s[3]});
  return reduceOver(ReduceKind::sum, grouped, {2});
}

struct AttentionGrads {
  Tensor dq, dk, dv, dbias;
};

AttentionGrads decomposedAttentionGrad(const Tensor &q, const Tensor &k,
                                       const Tensor &v, const Tensor *bias,
                                       AttentionMask mask, double scale,
                                       const Tensor &dOut) {
  int64_t group = q.shape()[1] / k.shape()[1];
  int64_t s = q.shape()[2], t = k.shape()[2];
  Tensor key = expandHeads(k, group), value = expandHeads(v, group);
  Tensor scores = scaled(mm(q, transposeLastTwo(key)), scale);
  if (mask == AttentionMask::causal) {
    Tensor visible(DType::i1, {s, t});
    for (int64_t row = 0; row < s; ++row)
      for (int64_t col = 0; col < t; ++col)
        storeFromDouble(visible, row * t + col, col <= row + (t - s));
    Tensor masked(scores.dtype(), scores.shape());
    check(select(broadcastTo(visible, scores.shape(), {2, 3}), scores,
                 splatLike(scores, -INFINITY), masked));
    scores = masked;
  } else if (mask == AttentionMask::additive) {
    scores = add(scores, broadcastTo(*bias, scores.shape(), {0, 1, 2, 3}));
  }
  Tensor p(scores.dtype(), scores.shape());
  check(softmax(scores, 3, false, p));
  AttentionGrads grads;
  grads.dv = sumHeadGroups(mm(transposeLastTwo(p), dOut), group);
  Tensor dp = mm(dOut, transposeLastTwo(value));
  Tensor ds = mul(p, sub(dp, expandReduced(ReduceKind::sum, mul(dp, p), {3})));
  grads.dq = scaled(mm(ds, key), scale);
  grads.dk = sumHeadGroups(scaled(mm(transposeLastTwo(ds), q), scale), group);
  if (bias) {
    std::vector<int64_t> repeated;
    for (int64_t d : {0, 1})
      if (bias->shape()[d] == 1)
        repeated.push_back(d);
    grads.dbias =
        repeated.empty()
            ? ds
            : reduceOver(ReduceKind::sum, ds, repeated).reshaped(bias->shape());
  }
  return grads;
}

struct NormGrads {
  Tensor dx, dw, db;
};

/// Both norms over the last dimension: dx = inv (g - [mean(g)] -
/// xhat mean(g xhat)), dw = sum over rows of dy xhat, db = sum of dy.
NormGrads decomposedNormGrad(const Tensor &x, const Tensor &w, const Tensor &dy,
                             double epsilon, bool centered) {
  int64_t last = x.rank() - 1;
  std::vector<int64_t> rows;
  for (int64_t d = 0; d < last; ++d)
    rows.push_back(d);
  Tensor xc = centered ? sub(x, expandReduced(ReduceKind::mean, x, {last})) : x;
  Tensor variance = expandReduced(ReduceKind::mean, mul(xc, xc), {last});
  Tensor inv(x.dtype(), x.shape());
  check(unary(UnaryKind::rsqrt, add(variance, splatLike(variance, epsilon)),
              inv));
  Tensor xhat = mul(xc, inv);
  Tensor g = mul(dy, broadcastTo(w, x.shape(), {last}));
  Tensor inner =
      sub(g, mul(xhat, expandReduced(ReduceKind::mean, mul(g, xhat), {last})));
  if (centered)
    inner = sub(inner, expandReduced(ReduceKind::mean, g, {last}));
  return {mul(inv, inner), reduceOver(ReduceKind::sum, mul(dy, xhat), rows),
          reduceOver(ReduceKind::sum, dy, rows)};
}

//===--- Helpers for the fused kernels ------------------------------------===//

Tensor attentionOut(const Tensor &q, const Tensor &k, const Tensor &v,
                    const Tensor *bias, AttentionMask mask, double scale) {
  Tensor out(q.dtype(),
             {q.shape()[0], q.shape()[1], q.shape()[2], v.shape()[3]});
  check(attention(q, k, v, bias, nullptr, mask, scale, out));
  return out;
}

AttentionGrads fusedAttentionGrad(const Tensor &q, const Tensor &k,
                                  const Tensor &v, const Tensor *bias,
                                  AttentionMask mask, double scale,
                                  const Tensor &dOut) {
  Tensor out = attentionOut(q, k, v, bias, mask, scale);
  AttentionGrads g{Tensor(q.dtype(), q.shape()), Tensor(k.dtype(), k.shape()),
                   Tensor(v.dtype(), v.shape()),
                   bias ? Tensor(bias->dtype(), bias->shape()) : Tensor()};
  check(attentionGrad(q, k, v, bias, nullptr, out, dOut, mask, scale, &g.dq,
                      &g.dk, &g.dv, bias ? &g.dbias : nullptr));
  return g;
}

bool bitwiseEqual(const Tensor &a, const Tensor &b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.bytes(), b.bytes(), a.byteSize()) == 0;
}

void expectClose(const Tensor &got, const Tensor &expected, double tolerance,
                 const char *what) {
  SCOPED_TRACE(what);
  expectNear(got, values(expected), tolerance);
}

/// Restores the default thread count when a test ends.
struct ThreadCount {
  explicit ThreadCount(int n) { setNumThreads(n); }
  ~ThreadCount() { setNumThreads(0); }
};

} // namespace

//===--- Attention --------------------------------------------------------===//

TEST(AttentionGrad, MatchesDecompositionForEveryMaskWithGroups) {
  // Hq 4 reads Hkv 2; S 5 queries against T 7 keys (causal offset 2); Dv = D.
  Tensor q = random(DType::f64, {2, 4, 5, 6}, 1),
         k = random(DType::f64, {2, 2, 7, 6}, 2),
         v = random(DType::f64, {2, 2, 7, 6}, 3),
         dOut = random(DType::f64, {2, 4, 5, 6}, 4);
  for (AttentionMask mask : {AttentionMask::full, AttentionMask::causal}) {
    SCOPED_TRACE(mask == AttentionMask::full ? "full" : "causal");
    AttentionGrads fused =
        fusedAttentionGrad(q, k, v, nullptr, mask, 0.4, dOut);
    AttentionGrads reference =
        decomposedAttentionGrad(q, k, v, nullptr, mask, 0.4, dOut);
    expectClose(fused.dq, reference.dq, 1e-12, "dq");
    expectClose(fused.dk, reference.dk, 1e-12, "dk");
    expectClose(fused.dv, reference.dv, 1e-12, "dv");
  }
}

TEST(AttentionGrad, AdditiveBiasGradientSumsBroadcastDims) {
  Tensor q = random(DType::f64, {2, 4, 3, 5}, 11),
         k = random(DType::f64, {2, 2, 4, 5}, 12),
         v = random(DType::f64, {2, 2, 4, 5}, 13),
         dOut = random(DType::f64, {2, 4, 3, 5}, 14);
  for (Shape biasShape : {Shape{2, 4, 3, 4}, Shape{1, 4, 3, 4},
                          Shape{2, 1, 3, 4}, Shape{1, 1, 3, 4}}) {
    SCOPED_TRACE(shapeString(biasShape));
    Tensor bias = random(DType::f64, biasShape, 15);
    AttentionGrads fused =
        fusedAttentionGrad(q, k, v, &bias, AttentionMask::additive, 0.6, dOut);
    AttentionGrads reference = decomposedAttentionGrad(
        q, k, v, &bias, AttentionMask::additive, 0.6, dOut);
    expectClose(fused.dq, reference.dq, 1e-12, "dq");
    expectClose(fused.dk, reference.dk, 1e-12, "dk");
    expectClose(fused.dv, reference.dv, 1e-12, "dv");
    expectClose(fused.dbias, reference.dbias, 1e-12, "dbias");
  }
}

TEST(AttentionGrad, LongSequencesCrossQueryBlocksInFloat) {
  // 150 rows span three blocks of 64 query rows.
  Tensor q = random(DType::f32, {1, 2, 150, 16}, 21),
         k = random(DType::f32, {1, 1, 150, 16}, 22),
         v = random(DType::f32, {1, 1, 150, 16}, 23),
         dOut = random(DType::f32, {1, 2, 150, 16}, 24);
  AttentionGrads fused =
      fusedAttentionGrad(q, k, v, nullptr, AttentionMask::causal, 0.25, dOut);
  AttentionGrads reference = decomposedAttentionGrad(
      q, k, v, nullptr, AttentionMask::causal, 0.25, dOut);
  expectClose(fused.dq, reference.dq, 1e-5, "dq");
  expectClose(fused.dk, reference.dk, 1e-5, "dk");
  expectClose(fused.dv, reference.dv, 1e-5, "dv");
}

TEST(AttentionGrad, ResultsDoNotDependOnTheThreadCount) {
  Tensor q = random(DType::f32, {2, 4, 80, 8}, 31),
         k = random(DType::f32, {2, 2, 80, 8}, 32),
         v = random(DType::f32, {2, 2, 80, 8}, 33),
         bias = random(DType::f32, {1, 1, 80, 80}, 34),
         dOut = random(DType::f32, {2, 4, 80, 8}, 35);
  AttentionGrads one, many;
  {
    ThreadCount threads(1);
    one =
        fusedAttentionGrad(q, k, v, &bias, AttentionMask::additive, 0.3, dOut);
  }
  {
    ThreadCount threads(3);
    many =
        fusedAttentionGrad(q, k, v, &bias, AttentionMask::additive, 0.3, dOut);
  }
  EXPECT_TRUE(bitwiseEqual(one.dq, many.dq));
  EXPECT_TRUE(bitwiseEqual(one.dk, many.dk));
  EXPECT_TRUE(bitwiseEqual(one.dv, many.dv));
  EXPECT_TRUE(bitwiseEqual(one.dbias, many.dbias));
}

TEST(AttentionGrad, NullResultsAreSkippedAndChangeNothingElse) {
  Tensor q = random(DType::f32, {1, 2, 9, 4}, 41),
         k = random(DType::f32, {1, 1, 9, 4}, 42),
         v = random(DType::f32, {1, 1, 9, 4}, 43),
         dOut = random(DType::f32, {1, 2, 9, 4}, 44);
  AttentionGrads all =
      fusedAttentionGrad(q, k, v, nullptr, AttentionMask::causal, 0.5, dOut);
  Tensor out = attentionOut(q, k, v, nullptr, AttentionMask::causal, 0.5);
  Tensor dv(DType::f32, v.shape()), dq(DType::f32, q.shape());
  check(attentionGrad(q, k, v, nullptr, nullptr, out, dOut,
                      AttentionMask::causal, 0.5, nullptr, nullptr, &dv,
                      nullptr));
  EXPECT_TRUE(bitwiseEqual(dv, all.dv));
  check(attentionGrad(q, k, v, nullptr, nullptr, out, dOut,
                      AttentionMask::causal, 0.5, &dq, nullptr, nullptr,
                      nullptr));
  EXPECT_TRUE(bitwiseEqual(dq, all.dq));
}

TEST(AttentionGrad, QueriesThatSeeNoKeyGiveNaN) {
  // Causal with S 4 > T 2: queries 0 and 1 see no key, as in the forward.
  Tensor q = random(DType::f64, {1, 2, 4, 3}, 51),
         k = random(DType::f64, {1, 1, 2, 3}, 52),
         v = random(DType::f64, {1, 1, 2, 3}, 53),
         dOut = random(DType::f64, {1, 2, 4, 3}, 54);
  AttentionGrads fused =
      fusedAttentionGrad(q, k, v, nullptr, AttentionMask::causal, 0.5, dOut);
  AttentionGrads reference = decomposedAttentionGrad(
      q, k, v, nullptr, AttentionMask::causal, 0.5, dOut);
  for (const Tensor *grad : {&fused.dq, &fused.dk, &fused.dv, &reference.dq,
                             &reference.dk, &reference.dv}) {
    std::vector<double> got = values(*grad);
    for (size_t i = 0; i < got.size(); ++i) {
      bool seesNoKey = grad == &fused.dq || grad == &reference.dq
                           ? (i / 3) % 4 < 2 // rows 0 and 1 of each head
                           : true;           // every key of the head
      EXPECT_EQ(std::isnan(got[i]), seesNoKey) << "at flat index " << i;
    }
  }
  std::vector<double> dq = values(fused.dq), expected = values(reference.dq);
  for (size_t i = 0; i < dq.size(); ++i) {
    if (!std::isnan(expected[i])) {
      EXPECT_NEAR(dq[i], expected[i], 1e-12) << "at flat index " << i;
    }
  }
}

TEST(AttentionGrad, HalfComputesInFloat) {
  Tensor q = random(DType::f32, {1, 2, 6, 8}, 61),
         k = random(DType::f32, {1, 2, 6, 8}, 62),
         v = random(DType::f32, {1, 2, 6, 8}, 63),
         dOut = random(DType::f32, {1, 2, 6, 8}, 64);
  auto narrow = [](const Tensor &t) {
    Tensor half(DType::bf16, t.shape());
    check(convert(t, half));
    return half;
  };
  AttentionGrads wide =
      fusedAttentionGrad(q, k, v, nullptr, AttentionMask::full, 0.35, dOut);
  AttentionGrads half =
      fusedAttentionGrad(narrow(q), narrow(k), narrow(v), nullptr,
                         AttentionMask::full, 0.35, narrow(dOut));
  expectClose(half.dq, wide.dq, 0.05, "dq");
  expectClose(half.dk, wide.dk, 0.05, "dk");
  expectClose(half.dv, wide.dv, 0.05, "dv");
}

TEST(AttentionGrad, RejectsResultsOfTheWrongShape) {
  Tensor q = random(DType::f32, {1, 2, 3, 4}, 71),
         k = random(DType::f32, {1, 1, 3, 4}, 72);
  Tensor out = attentionOut(q, k, k, nullptr, AttentionMask::full, 0.5);
  Tensor dk(DType::f32, q.shape()), dbias(DType::f32, {1, 1, 3, 3});
  Status wrongShape =
      attentionGrad(q, k, k, nullptr, nullptr, out, out, AttentionMask::full,
                    0.5, nullptr, &dk, nullptr, nullptr);
  EXPECT_FALSE(wrongShape.ok());
  EXPECT_NE(wrongShape.message().find("d_key"), std::string::npos)
      << wrongShape.message();
  EXPECT_FALSE(attentionGrad(q, k, k, nullptr, nullptr, out, out,
                             AttentionMask::full, 0.5, nullptr, nullptr,
                             nullptr, &dbias)
                   .ok());
}

//===--- Normalisations ---------------------------------------------------===//

TEST(NormGrad, RmsNormMatchesDecomposition) {
  Tensor x = random(DType::f64, {3, 5, 70}, 81),
         w = random(DType::f64, {70}, 82),
         dy = random(DType::f64, {3, 5, 70}, 83);
  Tensor dx(DType::f64, x.shape()), dw(DType::f64, w.shape());
  check(rmsNormGrad(x, w, dy, 1e-5, &dx, &dw));
  NormGrads reference = decomposedNormGrad(x, w, dy, 1e-5, false);
  expectClose(dx, reference.dx, 1e-12, "dx");
  expectClose(dw, reference.dw, 1e-12, "dw");
}

TEST(NormGrad, LayerNormMatchesDecomposition) {
  Tensor x = random(DType::f64, {4, 3, 130}, 91),
         w = random(DType::f64, {130}, 92),
         dy = random(DType::f64, {4, 3, 130}, 93);
  Tensor dx(DType::f64, x.shape()), dw(DType::f64, w.shape()),
      db(DType::f64, w.shape());
  check(layerNormGrad(x, w, dy, 2, 1e-5, &dx, &dw, &db));
  NormGrads reference = decomposedNormGrad(x, w, dy, 1e-5, true);
  expectClose(dx, reference.dx, 1e-12, "dx");
  expectClose(dw, reference.dw, 1e-12, "dw");
  expectClose(db, reference.db, 1e-12, "db");
}

TEST(NormGrad, LayerNormOverTrailingDimsIsOneFlatRow) {
  // Normalising dims 1.. of 2 x 3 x 4 is normalising rows of 12.
  Tensor x = random(DType::f64, {2, 3, 4}, 101),
         w = random(DType::f64, {3, 4}, 102),
         dy = random(DType::f64, {2, 3, 4}, 103);
  Tensor dx(DType::f64, x.shape()), dw(DType::f64, w.shape()),
      db(DType::f64, w.shape());
  check(layerNormGrad(x, w, dy, 1, 1e-5, &dx, &dw, &db));
  NormGrads reference = decomposedNormGrad(
      x.reshaped({2, 12}), w.reshaped({12}), dy.reshaped({2, 12}), 1e-5, true);
  expectClose(dx, reference.dx, 1e-12, "dx");
  expectClose(dw, reference.dw, 1e-12, "dw");
  expectClose(db, reference.db, 1e-12, "db");
}

TEST(NormGrad, ParameterSumsDoNotDependOnTheThreadCount) {
  Tensor x = random(DType::f32, {300, 200}, 111),
         w = random(DType::f32, {200}, 112),
         dy = random(DType::f32, {300, 200}, 113);
  Tensor dx1(DType::f32, x.shape()), dw1(DType::f32, w.shape()),
      db1(DType::f32, w.shape());
  Tensor dx3(DType::f32, x.shape()), dw3(DType::f32, w.shape()),
      db3(DType::f32, w.shape());
  {
    ThreadCount threads(1);
    check(layerNormGrad(x, w, dy, 1, 1e-5, &dx1, &dw1, &db1));
  }
  {
    ThreadCount threads(3);
    check(layerNormGrad(x, w, dy, 1, 1e-5, &dx3, &dw3, &db3));
  }
  EXPECT_TRUE(bitwiseEqual(dx1, dx3));
  EXPECT_TRUE(bitwiseEqual(dw1, dw3));
  EXPECT_TRUE(bitwiseEqual(db1, db3));
}

TEST(NormGrad, NullResultsAreSkipped) {
  Tensor x = random(DType::f32, {6, 10}, 121),
         w = random(DType::f32, {10}, 122),
         dy = random(DType::f32, {6, 10}, 123);
  Tensor dx(DType::f32, x.shape()), dw(DType::f32, w.shape()),
      dwOnly(DType::f32, w.shape());
  check(rmsNormGrad(x, w, dy, 1e-6, &dx, &dw));
  check(rmsNormGrad(x, w, dy, 1e-6, nullptr, &dwOnly));
  EXPECT_TRUE(bitwiseEqual(dw, dwOnly));
  Tensor db(DType::f32, w.shape());
  check(layerNormGrad(x, w, dy, 1, 1e-6, nullptr, nullptr, &db));
  expectClose(db, decomposedNormGrad(x, w, dy, 1e-6, true).db, 1e-5, "db");
}

TEST(NormGrad, EmptyBatchGivesZeroParameterGradients) {
  Tensor x(DType::f32, {0, 8}), w = random(DType::f32, {8}, 131);
  Tensor dx(DType::f32, {0, 8}), dw = random(DType::f32, {8}, 132),
                                 db = random(DType::f32, {8}, 133);
  check(layerNormGrad(x, w, x, 1, 1e-5, &dx, &dw, &db));
  expectNear(dw, std::vector<double>(8, 0.0), 0);
  expectNear(db, std::vector<double>(8, 0.0), 0);
}
