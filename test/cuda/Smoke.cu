//===- Smoke.cu - The CUDA runtime against the CPU kernels on a GPU -------===//
//
// Built by nvcc the way generated CUDA programs are (docs/cuda.md): includes
// runtime/cuda/Cuda.h, launches a kernel of its own made of the shared scalar
// functions, links starch_runtime_cuda, starch_runtime, cuBLAS and cudart.
//
// With a GPU it runs every CUDA kernel on device tensors in an Arena and
// compares the result with the CPU kernel, and exits 1 if any differs.
// Without one it prints why and exits 77, which ctest reports as skipped.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/Cuda.h"
#include "runtime/kernels/ElementwiseOps.h"
#include "runtime/kernels/Kernels.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace starch::rt;

namespace {

constexpr int kSkipped = 77;

/// What generated code does for a fused elementwise chain: its own kernel
/// over the shared STARCH_HOST_DEVICE scalar functions.
__global__ void siluTimes(const float *x, const float *y, float *out,
                          int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x)
    out[i] = binaryScalar<BinaryKind::mul, float>(
        unaryScalar<UnaryKind::silu, float>(x[i]), y[i]);
}

void must(const Status &status, const char *what) {
  if (!status) {
    std::fprintf(stderr, "starch-cuda-smoke: %s: %s\n", what,
                 status.message().c_str());
    std::exit(1);
  }
}

Tensor randomOf(DType dtype, Shape shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> real(-2.0, 2.0);
  Tensor t(dtype, std::move(shape));
  for (int64_t i = 0; i < t.numElements(); ++i)
    storeFromDouble(t, i, isFloat(dtype) ? real(gen) : std::round(real(gen)));
  return t;
}

struct Smoke {
  cuda::Arena arena;
  int passed = 0, failed = 0;

  Tensor device(const Tensor &host) {
    Tensor t;
    must(cuda::upload(host, arena, t), "upload");
    return t;
  }
  Tensor deviceOf(DType dtype, Shape shape) {
    Tensor t;
    must(arena.allocate(dtype, std::move(shape), t), "arena allocate");
    return t;
  }

  void report(const std::string &name, bool ok, const std::string &why) {
    std::printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", name.c_str(),
                why.empty() ? "" : ": ", why.c_str());
    (ok ? passed : failed)++;
  }

  /// Downloads `deviceResult` and compares it with `cpu` (relative
  /// `tolerance`; NaN matches NaN).
  void compare(const std::string &name, const Status &launched,
               const Tensor &deviceResult, const Tensor &cpu,
               double tolerance) {
    if (!launched)
      return report(name, false, launched.message());
    Tensor host;
    if (Status s = cuda::download(deviceResult, host); !s)
      return report(name, false, s.message());
    if (host.shape() != cpu.shape() || host.dtype() != cpu.dtype())
      return report(name, false, "shape or dtype differs");
    for (int64_t i = 0; i < cpu.numElements(); ++i) {
      double g = elementAsDouble(host, i), w = elementAsDouble(cpu, i);
      if (std::isnan(g) && std::isnan(w))
        continue;
      if (!(std::fabs(g - w) <= tolerance * (1 + std::fabs(w))))
        return report(name, false,
                      "element " + std::to_string(i) + " is " +
                          std::to_string(g) + ", the CPU gives " +
                          std::to_string(w));
    }
    report(name, true, "");
  }

  void expectError(const std::string &name, const Status &status,
                   const std::string &fragment) {
    bool ok = !status && status.message().find(fragment) != std::string::npos;
    report(name, ok, status ? "succeeded" : (ok ? "" : status.message()));
  }
};

double tol(DType dtype) { return dtype == DType::f32 ? 2e-5 : 1e-12; }

void elementwise(Smoke &t, DType dtype) {
  std::string suffix = std::string(" ") + dtypeName(dtype);
  Tensor a = randomOf(dtype, {37, 19}, 1), b = randomOf(dtype, {37, 19}, 2);
  Tensor da = t.device(a), db = t.device(b);
  for (UnaryKind kind : {UnaryKind::exp, UnaryKind::tanh, UnaryKind::geluErf,
                         UnaryKind::silu, UnaryKind::abs}) {
    Tensor cpu(dtype, a.shape()), out = t.deviceOf(dtype, a.shape());
    must(unary(kind, a, cpu), "cpu unary");
    t.compare("unary " + std::to_string(int(kind)) + suffix,
              cuda::unary(kind, da, out), out, cpu, tol(dtype));
  }
  for (BinaryKind kind :
       {BinaryKind::add, BinaryKind::div, BinaryKind::pow, BinaryKind::max}) {
    Tensor cpu(dtype, a.shape()), out = t.deviceOf(dtype, a.shape());
    must(binary(kind, a, b, cpu), "cpu binary");
    t.compare("binary " + std::to_string(int(kind)) + suffix,
              cuda::binary(kind, da, db, out), out, cpu, tol(dtype));
  }
  Tensor cond(DType::i1, a.shape()), dcond = t.deviceOf(DType::i1, a.shape());
  must(compare(CompareKind::lt, a, b, cond), "cpu compare");
  t.compare("compare lt" + suffix,
            cuda::compare(CompareKind::lt, da, db, dcond), dcond, cond, 0);
  Tensor sel(dtype, a.shape()), dsel = t.deviceOf(dtype, a.shape());
  must(select(cond, a, b, sel), "cpu select");
  t.compare("select" + suffix, cuda::select(dcond, da, db, dsel), dsel, sel, 0);
  Tensor ints(DType::i32, a.shape()), dints = t.deviceOf(DType::i32, a.shape());
  must(convert(a, ints), "cpu convert");
  t.compare("convert to i32" + suffix, cuda::convert(da, dints), dints, ints,
            0);
  Tensor ramp(dtype, {4, 6, 5}), dramp = t.deviceOf(dtype, {4, 6, 5});
  must(iota(1, ramp), "cpu iota");
  t.compare("iota" + suffix, cuda::iota(1, dramp), dramp, ramp, 0);
}

void dataMovement(Smoke &t) {
  Tensor x = randomOf(DType::f32, {3, 1, 5}, 3), dx = t.device(x);
  Tensor big(DType::f32, {2, 3, 4, 5}),
      dbig = t.deviceOf(DType::f32, {2, 3, 4, 5});
  must(broadcast(x, {1, 2, 3}, big), "cpu broadcast");
  t.compare("broadcast", cuda::broadcast(dx, {1, 2, 3}, dbig), dbig, big, 0);
  Tensor tr(DType::f32, {4, 2, 5, 3}),
      dtr = t.deviceOf(DType::f32, {4, 2, 5, 3});
  must(transpose(big, {2, 0, 3, 1}, tr), "cpu transpose");
  t.compare("transpose", cuda::transpose(dbig, {2, 0, 3, 1}, dtr), dtr, tr, 0);
  Tensor y = randomOf(DType::f32, {3, 2, 5}, 4), dy = t.device(y);
  Tensor cat(DType::f32, {3, 3, 5}), dcat = t.deviceOf(DType::f32, {3, 3, 5});
  must(concat({x, y}, 1, cat), "cpu concat");
  t.compare("concat", cuda::concat({dx, dy}, 1, dcat), dcat, cat, 0);
  Tensor sl(DType::f32, {2, 2, 3}), dsl = t.deviceOf(DType::f32, {2, 2, 3});
  must(slice(cat, {2, 0, 4}, {-1, 2, -2}, sl), "cpu slice");
  t.compare("slice", cuda::slice(dcat, {2, 0, 4}, {-1, 2, -2}, dsl), dsl, sl,
            0);
  Tensor pd(DType::f32, {4, 5, 3}), dpd = t.deviceOf(DType::f32, {4, 5, 3});
  must(pad(cat, {1, 0, -1}, {0, 2, -1}, 9.5, pd), "cpu pad");
  t.compare("pad", cuda::pad(dcat, {1, 0, -1}, {0, 2, -1}, 9.5, dpd), dpd, pd,
            0);
  Tensor table = randomOf(DType::f64, {10, 4}, 5), dtable = t.device(table);
  Tensor ids(DType::i64, {2, 3});
  for (int64_t i = 0; i < 6; ++i)
    ids.data<int64_t>()[i] = (i * 7) % 10 - 3;
  Tensor dids = t.device(ids);
  Tensor rows(DType::f64, {2, 3, 4}), drows = t.deviceOf(DType::f64, {2, 3, 4});
  must(gather(table, ids, 0, rows), "cpu gather");
  t.compare("gather", cuda::gather(dtable, dids, 0, drows), drows, rows, 0);
  ids.data<int64_t>()[4] = 10;
  Tensor dbad = t.device(ids);
  Status launched = cuda::gather(dtable, dbad, 0, drows);
  Tensor ignored;
  t.expectError("gather out of range at download",
                launched ? cuda::download(drows, ignored) : launched,
                "gather: an index is out of range");
  Tensor half(DType::f16, {3, 4}), dhalf = t.deviceOf(DType::f16, {3, 4});
  must(fill(-1.3, half), "cpu fill");
  t.compare("fill f16", cuda::fill(-1.3, dhalf), dhalf, half, 0);
}

void compute(Smoke &t, DType dtype) {
  std::string suffix = std::string(" ") + dtypeName(dtype);
  Tensor a = randomOf(dtype, {3, 33, 17}, 6),
         b = randomOf(dtype, {3, 17, 9}, 7);
  Tensor da = t.device(a), db = t.device(b);
  Tensor mm(dtype, {3, 33, 9}), dmm = t.deviceOf(dtype, {3, 33, 9});
  must(matmul(a, b, false, false, mm), "cpu matmul");
  t.compare("matmul" + suffix, cuda::matmul(da, db, false, false, dmm), dmm, mm,
            tol(dtype));

  for (ReduceKind kind : {ReduceKind::sum, ReduceKind::max, ReduceKind::mean})
    for (std::vector<int64_t> dims :
         {std::vector<int64_t>{1}, std::vector<int64_t>{0, 2}}) {
      Shape shape;
      for (int64_t d = 0; d < 3; ++d)
        if (d != dims[0] && (dims.size() < 2 || d != dims[1]))
          shape.push_back(a.shape()[d]);
      Tensor r(dtype, shape), dr = t.deviceOf(dtype, shape);
      must(reduce(kind, a, dims, r), "cpu reduce");
      t.compare("reduce " + std::to_string(int(kind)) + suffix,
                cuda::reduce(kind, da, dims, dr), dr, r, tol(dtype));
    }
  Tensor am(DType::i64, {3, 17}), dam = t.deviceOf(DType::i64, {3, 17});
  must(argmax(a, 1, am), "cpu argmax");
  t.compare("argmax" + suffix, cuda::argmax(da, 1, dam), dam, am, 0);
  for (bool logarithm : {false, true}) {
    Tensor sm(dtype, a.shape()), dsm = t.deviceOf(dtype, a.shape());
    must(softmax(a, 1, logarithm, sm), "cpu softmax");
    t.compare(std::string(logarithm ? "log_softmax" : "softmax") + suffix,
              cuda::softmax(da, 1, logarithm, dsm), dsm, sm, tol(dtype));
  }
  for (bool exclusive : {false, true}) {
    Tensor cs(dtype, a.shape()), dcs = t.deviceOf(dtype, a.shape());
    must(cumsum(a, 1, exclusive, !exclusive, cs), "cpu cumsum");
    t.compare(std::string("cumsum") + (exclusive ? " exclusive" : " reverse") +
                  suffix,
              cuda::cumsum(da, 1, exclusive, !exclusive, dcs), dcs, cs,
              tol(dtype));
  }
  // The placeholder-row index: an i64 prefix sum over a flattened mask.
  Tensor flags = randomOf(DType::i64, {3 * 33 * 17}, 16);
  Tensor rows(DType::i64, flags.shape()),
      drows = t.deviceOf(DType::i64, flags.shape());
  must(cumsum(flags, 0, true, false, rows), "cpu cumsum i64");
  t.compare("cumsum i64" + suffix,
            cuda::cumsum(t.device(flags), 0, true, false, drows), drows, rows,
            0);
  Tensor w = randomOf(dtype, {17}, 8), bias = randomOf(dtype, {17}, 9);
  Tensor dw = t.device(w), dbias = t.device(bias);
  Tensor rn(dtype, a.shape()), drn = t.deviceOf(dtype, a.shape());
  must(rmsNorm(a, w, 1e-6, rn), "cpu rms_norm");
  t.compare("rms_norm" + suffix, cuda::rmsNorm(da, dw, 1e-6, drn), drn, rn,
            tol(dtype));
  Tensor ln(dtype, a.shape()), dln = t.deviceOf(dtype, a.shape());
  must(layerNorm(a, w, bias, 2, 1e-5, ln), "cpu layer_norm");
  t.compare("layer_norm" + suffix, cuda::layerNorm(da, dw, dbias, 2, 1e-5, dln),
            dln, ln, tol(dtype));

  Tensor q = randomOf(dtype, {2, 4, 6, 8}, 10);
  Tensor k = randomOf(dtype, {2, 2, 9, 8}, 11);
  Tensor v = randomOf(dtype, {2, 2, 9, 5}, 12);
  Tensor cs = randomOf(dtype, {2, 6, 8}, 13),
         sn = randomOf(dtype, {2, 6, 8}, 14);
  Tensor dq = t.device(q), dk = t.device(k), dv = t.device(v);
  Tensor rp(dtype, q.shape()), drp = t.deviceOf(dtype, q.shape());
  must(rope(q, cs, sn, rp), "cpu rope");
  t.compare("rope" + suffix, cuda::rope(dq, t.device(cs), t.device(sn), drp),
            drp, rp, tol(dtype));
  Tensor labels(DType::i64, {3, 33});
  for (int64_t i = 0; i < labels.numElements(); ++i)
    labels.data<int64_t>()[i] = i % 5 == 0 ? -100 : (i * 11) % 17;
  Tensor dlabels = t.device(labels);
  Tensor ce(dtype, {}), dce = t.deviceOf(dtype, {});
  must(crossEntropy(a, labels, -100, ce), "cpu cross_entropy");
  t.compare("cross_entropy" + suffix,
            cuda::crossEntropy(da, dlabels, -100, dce), dce, ce, tol(dtype));
  Tensor cot(dtype, {});
  storeFromDouble(cot, 0, 1.5);
  Tensor ceg(dtype, a.shape()), dceg = t.deviceOf(dtype, a.shape());
  must(crossEntropyGrad(a, labels, cot, -100, ceg), "cpu cross_entropy_grad");
  t.compare("cross_entropy_grad" + suffix,
            cuda::crossEntropyGrad(da, dlabels, t.device(cot), -100, dceg),
            dceg, ceg, tol(dtype));
  AdamWHyper hyper;
  Tensor np(dtype, a.shape()), nm(dtype, a.shape()), nv(dtype, a.shape());
  Tensor grad = randomOf(dtype, a.shape(), 20),
         mom = randomOf(dtype, a.shape(), 21);
  Tensor var(dtype, a.shape());
  must(unary(UnaryKind::abs, grad, var), "cpu abs");
  Tensor scale = randomOf(dtype, {}, 22); // clipping's factor
  must(adamw(a, grad, &scale, mom, var, 1e-3, 7, hyper, np, nm, nv),
       "cpu adamw");
  Tensor dp = t.device(a), dm = t.device(mom), dvar = t.device(var),
         dscale = t.device(scale);
  Status step = cuda::adamw(dp, t.device(grad), &dscale, dm, dvar, 1e-3, 7,
                            hyper, dp, dm, dvar); // in place, as training does
  t.compare("adamw param" + suffix, step, dp, np, tol(dtype));
  t.compare("adamw exp_avg_sq" + suffix, step, dvar, nv, tol(dtype));

  Tensor mask = randomOf(dtype, {1, 4, 6, 9}, 15), dmask = t.device(mask);
  for (AttentionMask kind :
       {AttentionMask::full, AttentionMask::causal, AttentionMask::additive}) {
    Tensor at(dtype, {2, 4, 6, 5}), dat = t.deviceOf(dtype, {2, 4, 6, 5});
    must(attention(q, k, v, &mask, nullptr, kind, 0.35, at), "cpu attention");
    t.compare("attention " + std::to_string(int(kind)) + suffix,
              cuda::attention(dq, dk, dv, &dmask, nullptr, kind, 0.35, dat),
              dat, at, tol(dtype) * 10);
  }

  // The fused backward kernels (d_bias on the additive mask only).
  Tensor dOut = randomOf(dtype, {2, 4, 6, 5}, 22), ddOut = t.device(dOut);
  for (AttentionMask kind :
       {AttentionMask::full, AttentionMask::causal, AttentionMask::additive}) {
    bool additive = kind == AttentionMask::additive;
    Tensor at(dtype, {2, 4, 6, 5});
    must(attention(q, k, v, &mask, nullptr, kind, 0.35, at), "cpu attention");
    Tensor gq(dtype, q.shape()), gk(dtype, k.shape()), gv(dtype, v.shape()),
        gb(dtype, mask.shape());
    must(attentionGrad(q, k, v, &mask, nullptr, at, dOut, kind, 0.35, &gq, &gk,
                       &gv, additive ? &gb : nullptr),
         "cpu attention_grad");
    Tensor dgq = t.deviceOf(dtype, q.shape()),
           dgk = t.deviceOf(dtype, k.shape()),
           dgv = t.deviceOf(dtype, v.shape()),
           dgb = t.deviceOf(dtype, mask.shape());
    Status launched = cuda::attentionGrad(
        dq, dk, dv, &dmask, nullptr, t.device(at), ddOut, kind, 0.35, &dgq,
        &dgk, &dgv, additive ? &dgb : nullptr);
    std::string name = "attention_grad " + std::to_string(int(kind));
    t.compare(name + " d_query" + suffix, launched, dgq, gq, tol(dtype) * 10);
    t.compare(name + " d_key" + suffix, launched, dgk, gk, tol(dtype) * 10);
    t.compare(name + " d_value" + suffix, launched, dgv, gv, tol(dtype) * 10);
    if (additive)
      t.compare(name + " d_bias" + suffix, launched, dgb, gb, tol(dtype) * 10);
  }
  // The bitfield mask (self-attention over 6 tokens: text, image, image,
  // text, audio, padding; the second sequence all text).
  Tensor bits(DType::i64, {2, 6});
  const int64_t words[12] = {7, 2, 2, 7, 4, 0, 7, 7, 7, 7, 7, 7};
  for (int64_t i = 0; i < 12; ++i)
    bits.data<int64_t>()[i] = words[i];
  Tensor sk = randomOf(dtype, {2, 2, 6, 8}, 23),
         sv = randomOf(dtype, {2, 2, 6, 5}, 24);
  Tensor dbits = t.device(bits), dsk = t.device(sk), dsv = t.device(sv);
  Tensor bf(dtype, {2, 4, 6, 5}), dbf = t.deviceOf(dtype, {2, 4, 6, 5});
  must(attention(q, sk, sv, &bits, nullptr, AttentionMask::bitfield, 0.35, bf),
       "cpu attention bitfield");
  t.compare("attention bitfield" + suffix,
            cuda::attention(dq, dsk, dsv, &dbits, nullptr,
                            AttentionMask::bitfield, 0.35, dbf),
            dbf, bf, tol(dtype) * 10);
  Tensor bq(dtype, q.shape()), bk(dtype, sk.shape()), bv(dtype, sv.shape());
  must(attentionGrad(q, sk, sv, &bits, nullptr, bf, dOut,
                     AttentionMask::bitfield, 0.35, &bq, &bk, &bv, nullptr),
       "cpu attention_grad bitfield");
  Tensor dbq = t.deviceOf(dtype, q.shape()),
         dbk = t.deviceOf(dtype, sk.shape()),
         dbv = t.deviceOf(dtype, sv.shape());
  Status bitfieldLaunched = cuda::attentionGrad(
      dq, dsk, dsv, &dbits, nullptr, t.device(bf), ddOut,
      AttentionMask::bitfield, 0.35, &dbq, &dbk, &dbv, nullptr);
  t.compare("attention_grad bitfield d_query" + suffix, bitfieldLaunched, dbq,
            bq, tol(dtype) * 10);
  t.compare("attention_grad bitfield d_key" + suffix, bitfieldLaunched, dbk, bk,
            tol(dtype) * 10);
  t.compare("attention_grad bitfield d_value" + suffix, bitfieldLaunched, dbv,
            bv, tol(dtype) * 10);

  Tensor rx(dtype, a.shape()), rw(dtype, w.shape()),
      drx = t.deviceOf(dtype, a.shape()), drw = t.deviceOf(dtype, w.shape());
  must(rmsNormGrad(a, w, a, 1e-6, &rx, &rw), "cpu rms_norm_grad");
  Status rmsLaunched = cuda::rmsNormGrad(da, dw, da, 1e-6, &drx, &drw);
  t.compare("rms_norm_grad d_input" + suffix, rmsLaunched, drx, rx, tol(dtype));
  t.compare("rms_norm_grad d_weight" + suffix, rmsLaunched, drw, rw,
            tol(dtype));
  Tensor lx(dtype, a.shape()), lw(dtype, w.shape()), lb(dtype, w.shape()),
      dlx = t.deviceOf(dtype, a.shape()), dlw = t.deviceOf(dtype, w.shape()),
      dlb = t.deviceOf(dtype, w.shape());
  must(layerNormGrad(a, w, a, 2, 1e-5, &lx, &lw, &lb), "cpu layer_norm_grad");
  Status lnLaunched =
      cuda::layerNormGrad(da, dw, da, 2, 1e-5, &dlx, &dlw, &dlb);
  t.compare("layer_norm_grad d_input" + suffix, lnLaunched, dlx, lx,
            tol(dtype));
  t.compare("layer_norm_grad d_weight" + suffix, lnLaunched, dlw, lw,
            tol(dtype));
  t.compare("layer_norm_grad d_bias" + suffix, lnLaunched, dlb, lb, tol(dtype));
}

} // namespace

int main() {
  int count = 0;
  Status probe = cuda::probeDevices(count);
  if (!probe) {
    std::printf("starch-cuda-smoke: skipped: %s\n", probe.message().c_str());
    return kSkipped;
  }
  std::printf("starch-cuda-smoke: %d device(s)\n", count);
  Smoke t;
  must(t.arena.reserve(64 << 20), "arena reserve");

  Tensor outside;
  t.expectError("arena bounds",
                t.arena.at(t.arena.capacity() - 4, DType::f64, {1}, outside),
                "pass the end");

  for (DType dtype : {DType::f32, DType::f64}) {
    elementwise(t, dtype);
    compute(t, dtype);
  }
  dataMovement(t);

  Tensor x = randomOf(DType::f32, {1000}, 16),
         y = randomOf(DType::f32, {1000}, 17);
  Tensor dx = t.device(x), dy = t.device(y),
         dout = t.deviceOf(DType::f32, {1000});
  cuda::DeviceContext *context = nullptr;
  must(cuda::DeviceContext::current(context), "context");
  siluTimes<<<4, 128, 0, context->stream()>>>(
      dx.data<float>(), dy.data<float>(), dout.data<float>(), 1000);
  Tensor silu(DType::f32, {1000}), fused(DType::f32, {1000});
  must(unary(UnaryKind::silu, x, silu), "cpu silu");
  must(binary(BinaryKind::mul, silu, y, fused), "cpu mul");
  t.compare("generated-style fused kernel",
            cuda::check(cudaGetLastError(), "siluTimes launch"), dout, fused,
            2e-5);

  Tensor image(DType::f32, {1, 1, 4}), filter(DType::f32, {1, 1, 2});
  Tensor conv1d = t.deviceOf(DType::f32, {1, 1, 3});
  t.expectError(
      "conv unsupported",
      cuda::conv(t.device(image), t.device(filter), ConvParams{}, conv1d),
      "not supported on CUDA yet");

  std::printf("starch-cuda-smoke: %d passed, %d failed\n", t.passed, t.failed);
  return t.failed ? 1 : 0;
}
