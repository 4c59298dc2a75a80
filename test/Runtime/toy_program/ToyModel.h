//===- ToyModel.h - Shapes and weights of the hand-written toy program ----===//
//
// A bigram softmax regression small enough to train in milliseconds, with
// every parameter kind of Program.h: a trainable head (weight and bias), a
// frozen embedding, a positional buffer, and AdamW moments. Shared by the
// program and by the helper that writes its weights files.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_TEST_RUNTIME_TOYMODEL_H
#define STARCH_TEST_RUNTIME_TOYMODEL_H

#include <cstdint>

namespace toy {

constexpr int64_t kVocab = 16;
constexpr int64_t kHidden = 16;
constexpr int64_t kSequence = 8;
constexpr int64_t kBatch = 4;
constexpr int64_t kMicroBatches = 2;
constexpr int64_t kScheduleSteps = 40;

/// Names of the tensors in the weights files.
constexpr const char *kEmbedSource = "toy.embed.weight"; // [V, H] frozen
constexpr const char *kPosSource = "toy.pos_table";      // [S, H] buffer
constexpr const char *kHeadSource = "toy.head.weight";   // [H, V] trainable
constexpr const char *kBiasSource = "toy.head.bias";     // [V] trainable

/// Deterministic initial values in [-scale, scale), distinct per tensor.
inline float initialValue(uint64_t tensor, uint64_t index, float scale) {
  uint64_t z = tensor * 0x9e3779b97f4a7c15ULL + index * 0xbf58476d1ce4e5b9ULL +
               0x94d049bb133111ebULL;
  z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ULL;
  z ^= z >> 29;
  return scale * (float((z >> 40) & 0xffffff) / float(1 << 23) - 1.0f);
}

} // namespace toy

#endif // STARCH_TEST_RUNTIME_TOYMODEL_H
