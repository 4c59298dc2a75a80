//===- ToyProgram.cpp - A hand-written training program for the runtime ---===//
//
// Stands in for starchc's generated code in the runtime's tests: defines
// programSpec() and trainStep() (runtime/train/Program.h) for a bigram
// softmax regression, logits = (embed[token] + pos) @ head + bias, trained
// with the step of docs/training.md (shifted causal-LM loss, micro-batch
// accumulation, clipping, cosine schedule with warm-up, AdamW) on the rt
// kernels. Deterministic, so runs can be compared bit for bit.
//
//===----------------------------------------------------------------------===//
#include "ToyModel.h"

#include "runtime/kernels/Matmul.h"
#include "runtime/kernels/Reduce.h"
#include "runtime/train/Program.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#ifndef STARCH_TOY_WEIGHTS
#error "STARCH_TOY_WEIGHTS must name the toy's weights file"
#endif

namespace starch::rt {

namespace {

using namespace toy;

// Parameter order of programSpec().params.
enum : size_t { kHead, kBias, kEmbed, kPos, kHeadM, kHeadV, kBiasM, kBiasV };

constexpr float kLr = 0.1f, kBeta1 = 0.9f, kBeta2 = 0.999f, kEps = 1e-8f;
constexpr float kWeightDecay = 0.01f, kMaxGradNorm = 1.0f;
constexpr int64_t kWarmup = 2;

ProgramSpec makeSpec() {
  ProgramSpec spec;
  spec.model = "toy-bigram";
  spec.weights = {{"", STARCH_TOY_WEIGHTS}};
  Shape head{kHidden, kVocab}, bias{kVocab};
  spec.params = {
      {"head.weight", kHeadSource, DType::f32, head, ParamKind::trainable},
      {"head.bias", kBiasSource, DType::f32, bias, ParamKind::trainable},
      {"embed.weight",
       kEmbedSource,
       DType::f32,
       {kVocab, kHidden},
       ParamKind::frozen},
      {"pos_table",
       kPosSource,
       DType::f32,
       {kSequence, kHidden},
       ParamKind::buffer},
      {"head.weight.exp_avg", "", DType::f32, head, ParamKind::optimizerState},
      {"head.weight.exp_avg_sq", "", DType::f32, head,
       ParamKind::optimizerState},
      {"head.bias.exp_avg", "", DType::f32, bias, ParamKind::optimizerState},
      {"head.bias.exp_avg_sq", "", DType::f32, bias, ParamKind::optimizerState},
  };
  spec.microBatches = kMicroBatches;
  spec.batchSize = kBatch;
  spec.sequenceLength = kSequence;
  spec.vocabSize = kVocab;
  spec.scheduleSteps = kScheduleSteps;
  double rows = double(kMicroBatches * kBatch * kSequence);
  spec.gradNormParams = {kHead, kBias};
  spec.flopsPerStep = 2 * 2 * rows * kHidden * kVocab  // forward + backward
                      + 12.0 * (kHidden + 1) * kVocab; // AdamW
  return spec;
}

float learningRate(int64_t step) {
  double s = double(step - 1);
  double lambda =
      s < kWarmup
          ? s / std::max<int64_t>(1, kWarmup)
          : std::max(0.0,
                     0.5 * (1 + std::cos(M_PI * (s - kWarmup) /
                                         std::max<int64_t>(1, kScheduleSteps -
                                                                  kWarmup))));
  return float(kLr * lambda);
}

void adamw(Tensor &param, Tensor &grad, Tensor &m, Tensor &v, float lr,
           int64_t step) {
  float *p = param.data<float>(), *g = grad.data<float>();
  float *mm = m.data<float>(), *vv = v.data<float>();
  float stepSize = lr / float(1 - std::pow(double(kBeta1), double(step)));
  float correction2 =
      float(std::sqrt(1 - std::pow(double(kBeta2), double(step))));
  for (int64_t i = 0; i < param.numElements(); ++i) {
    p[i] = p[i] * (1 - lr * kWeightDecay);
    mm[i] = mm[i] + (1 - kBeta1) * (g[i] - mm[i]);
    vv[i] = kBeta2 * vv[i] + (1 - kBeta2) * g[i] * g[i];
    float denom = std::sqrt(vv[i]) / correction2 + kEps;
    p[i] = p[i] - stepSize * mm[i] / denom;
  }
}

} // namespace

const ProgramSpec &programSpec() {
  static const ProgramSpec spec = makeSpec();
  return spec;
}

StepOutputs trainStep(ParamStore &params, const StepInputs &inputs,
                      int64_t step) {
  const Tensor &tokens = inputs.tokens, &labels = inputs.labels;
  const int64_t rows = kBatch * kSequence;
  const float *head = params[kHead].data<float>();
  const float *bias = params[kBias].data<float>();
  const float *embed = params[kEmbed].data<float>();
  const float *pos = params[kPos].data<float>();
  Tensor gradHead(DType::f32, {kHidden, kVocab}),
      gradBias(DType::f32, {kVocab});
  Tensor x(DType::f32, {rows, kHidden}), logits(DType::f32, {rows, kVocab});
  Tensor logProbs(DType::f32, {rows, kVocab}),
      dLogits(DType::f32, {rows, kVocab});
  float lossSum = 0;

  for (int64_t mb = 0; mb < kMicroBatches; ++mb) {
    const int64_t *tok = tokens.data<int64_t>() + mb * rows;
    const int64_t *lab = labels.data<int64_t>() + mb * rows;
    for (int64_t r = 0; r < rows; ++r) {
      if (tok[r] < 0 || tok[r] >= kVocab)
        throw std::runtime_error("toy: token id out of range");
      for (int64_t h = 0; h < kHidden; ++h)
        x.data<float>()[r * kHidden + h] =
            embed[tok[r] * kHidden + h] + pos[(r % kSequence) * kHidden + h];
    }
    gemm(false, false, rows, kVocab, kHidden, 1.0f, x.data<float>(), kHidden,
         head, kVocab, 0.0f, logits.data<float>(), kVocab);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < kVocab; ++c)
        logits.data<float>()[r * kVocab + c] += bias[c];
    Status status = softmax(logits, 1, /*logarithm=*/true, logProbs);
    if (!status)
      throw std::runtime_error("toy: " + status.message());

    // Position s predicts label s+1; -100 labels are not scored.
    int64_t count = 0;
    for (int64_t r = 0; r < rows; ++r)
      if (r % kSequence != kSequence - 1 && lab[r + 1] != -100)
        ++count;
    float loss = 0;
    float *d = dLogits.data<float>();
    std::fill(d, d + rows * kVocab, 0.0f);
    const float *lp = logProbs.data<float>();
    for (int64_t r = 0; r < rows && count > 0; ++r) {
      if (r % kSequence == kSequence - 1 || lab[r + 1] == -100)
        continue;
      int64_t target = lab[r + 1];
      loss -= lp[r * kVocab + target];
      float scale = 1.0f / float(count) / float(kMicroBatches);
      for (int64_t c = 0; c < kVocab; ++c)
        d[r * kVocab + c] =
            (std::exp(lp[r * kVocab + c]) - (c == target ? 1.0f : 0.0f)) *
            scale;
    }
    lossSum += count > 0 ? loss / float(count) : 0.0f;
    gemm(true, false, kHidden, kVocab, rows, 1.0f, x.data<float>(), kHidden, d,
         kVocab, 1.0f, gradHead.data<float>(), kVocab);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < kVocab; ++c)
        gradBias.data<float>()[c] += d[r * kVocab + c];
  }

  StepOutputs out;
  out.loss = lossSum / float(kMicroBatches);
  double squares = 0;
  for (Tensor *grad : {&gradHead, &gradBias}) {
    double own = 0;
    for (int64_t i = 0; i < grad->numElements(); ++i)
      own += double(grad->data<float>()[i]) * grad->data<float>()[i];
    out.paramGradNorms.push_back(float(std::sqrt(own)));
    squares += own;
  }
  out.gradNorm = float(std::sqrt(squares));
  float coef = std::min(1.0f, kMaxGradNorm / (out.gradNorm + 1e-6f));
  for (Tensor *grad : {&gradHead, &gradBias})
    for (int64_t i = 0; i < grad->numElements(); ++i)
      grad->data<float>()[i] *= coef;
  out.learningRate = learningRate(step);
  adamw(params[kHead], gradHead, params[kHeadM], params[kHeadV],
        out.learningRate, step);
  adamw(params[kBias], gradBias, params[kBiasM], params[kBiasV],
        out.learningRate, step);
  return out;
}

} // namespace starch::rt
