//===- BitfieldReference.h - Token layouts and explicit masks --*- C++ -*-===//
//
// For the bitfield attention tests of the CPU kernels (test/unit) and of the
// CUDA bodies (test/cuda): sequences described by the kind of each token,
// the mask words a composed model gives them, and the same visibility as an
// explicit additive mask (0 or -inf), derived from the token kinds as the
// masking is meant (text attends causally to every non-padding token, a
// modality token to every token of its modality, padding to nothing and is
// seen by nothing), not from the bits.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_TEST_UNIT_BITFIELDREFERENCE_H
#define STARCH_TEST_UNIT_BITFIELDREFERENCE_H

#include "runtime/Tensor.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace starch::rt::test {

enum class Token { text, image, audio, padding };

/// One sequence: a token kind per position. `flagged` positions also carry
/// bits 62 and 63, which the rule ignores.
struct Layout {
  std::vector<Token> tokens;
  std::vector<bool> flagged;
};

/// Repeats `kind` `count` times at the end of `layout`.
inline Layout &append(Layout &layout, Token kind, int64_t count,
                      bool flagged = false) {
  for (int64_t i = 0; i < count; ++i) {
    layout.tokens.push_back(kind);
    layout.flagged.push_back(flagged);
  }
  return layout;
}

/// The mask word of a token: text carries bit 0 and both modality bits,
/// image bit 1, audio bit 2, padding nothing.
inline int64_t maskWord(Token kind, bool flagged) {
  int64_t word = 0;
  switch (kind) {
  case Token::text:
    word = 1 | 2 | 4;
    break;
  case Token::image:
    word = 2;
    break;
  case Token::audio:
    word = 4;
    break;
  case Token::padding:
    break;
  }
  if (flagged)
    word |= static_cast<int64_t>(3ull << 62);
  return word;
}

/// Whether query `q` sees key `k` of `layout`, from the token kinds.
inline bool sees(const Layout &layout, int64_t q, int64_t k) {
  Token query = layout.tokens[q], key = layout.tokens[k];
  if (query == Token::padding || key == Token::padding)
    return false;
  if (query == Token::text)
    return k <= q;
  return key == query;
}

inline bool isPadding(const Layout &layout, int64_t q) {
  return layout.tokens[q] == Token::padding;
}

/// The `B x S` i64 mask words of `layouts` (all of one length).
inline Tensor maskWords(const std::vector<Layout> &layouts) {
  int64_t s = layouts[0].tokens.size();
  Tensor bits(DType::i64, {static_cast<int64_t>(layouts.size()), s});
  for (size_t b = 0; b < layouts.size(); ++b)
    for (int64_t i = 0; i < s; ++i)
      bits.data<int64_t>()[b * s + i] =
          maskWord(layouts[b].tokens[i], layouts[b].flagged[i]);
  return bits;
}

/// The `B x 1 x S x S` additive mask of `layouts` in `dtype`: 0 where a
/// query sees a key, -inf elsewhere. With `unmaskPadding` a padding query's
/// row is all 0 (it sees every key), which keeps the reference's softmax
/// finite; its output is then ignored and its cotangent set to 0.
inline Tensor explicitBias(const std::vector<Layout> &layouts, DType dtype,
                           bool unmaskPadding) {
  int64_t s = layouts[0].tokens.size();
  Tensor bias(dtype, {static_cast<int64_t>(layouts.size()), 1, s, s});
  for (size_t b = 0; b < layouts.size(); ++b)
    for (int64_t q = 0; q < s; ++q)
      for (int64_t k = 0; k < s; ++k) {
        bool visible = sees(layouts[b], q, k) ||
                       (unmaskPadding && isPadding(layouts[b], q));
        storeFromDouble(bias, (b * s + q) * s + k, visible ? 0.0 : -INFINITY);
      }
  return bias;
}

/// Zeroes the rows (`B x H x S x D`) of padding queries in `t`.
inline void zeroPaddingRows(const std::vector<Layout> &layouts, Tensor &t) {
  int64_t heads = t.shape()[1], s = t.shape()[2], d = t.shape()[3];
  for (size_t b = 0; b < layouts.size(); ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t q = 0; q < s; ++q)
        if (isPadding(layouts[b], q))
          for (int64_t c = 0; c < d; ++c)
            storeFromDouble(t, ((b * heads + h) * s + q) * d + c, 0.0);
}

/// Two sequences of 70 tokens (more than one 64-row block): text, image and
/// audio interleaved with padding at the end, and a second one that starts
/// with images, has padding in the middle and flagged tokens.
inline std::vector<Layout> multimodalLayouts() {
  Layout first, second;
  append(first, Token::text, 5);
  append(first, Token::image, 9);
  append(first, Token::text, 4);
  append(first, Token::audio, 7);
  append(first, Token::text, 3);
  append(first, Token::image, 6);
  append(first, Token::audio, 2);
  append(first, Token::text, 27);
  append(first, Token::padding, 7);
  append(second, Token::image, 12);
  append(second, Token::text, 6, true);
  append(second, Token::padding, 3);
  append(second, Token::audio, 8, true);
  append(second, Token::text, 10);
  append(second, Token::image, 4);
  append(second, Token::text, 20);
  append(second, Token::padding, 7);
  return {first, second};
}

} // namespace starch::rt::test

#endif // STARCH_TEST_UNIT_BITFIELDREFERENCE_H
