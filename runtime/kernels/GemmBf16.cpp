//===- GemmBf16.cpp - Matrix products of bf16 operands --------------------===//
//
// The AVX512-BF16 path is a cache-blocked GEMM in the Goto/BLIS shape: a
// block of B (kDepth x kColBlock) and of A (kRowBlock x kDepth) are packed
// into panels whose k-pairs are interleaved, the 32-bit unit vdpbf16ps
// multiplies, and a kRows x kCols register-blocked micro-kernel sums each
// C tile over the block's depth. Only these functions are compiled for
// AVX-512; the choice between the paths is made at run time.
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/GemmBf16.h"

#include "runtime/Tensor.h"
#include "runtime/kernels/Bf16.h"
#include "runtime/kernels/Matmul.h"

// The packed path is x86 code; elsewhere only the portable path is built.
#if defined(__x86_64__) || defined(__i386__)
#define STARCH_GEMM_BF16_PACKED 1
// GCC 12's unmasked AVX-512 intrinsics pass a deliberately uninitialised
// vector as their unused operand, which -Wuninitialized reports (at the
// header's lines) once they are inlined into the kernels below.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#else
#define STARCH_GEMM_BF16_PACKED 0
#endif

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

namespace starch::rt {

namespace {

// Micro-kernel: kRows x kCols of C in 24 zmm accumulators; per k-pair it
// loads kCols / 16 vectors of B and broadcasts kRows pairs of A from memory.
constexpr int kRows = 12;
constexpr int kVectors = 2;
constexpr int kCols = 16 * kVectors;
// Block sizes measured best on Zen 4 (starch-bench-gemm-bf16): a depth of
// 768 sums the hidden-768 products in one pass over C; its B micro-panel
// (48 KB) then streams from L2, which the 176 bytes read per 24 dot
// products allow. The A block (120 x 768) stays in L2.
constexpr int64_t kDepth = 768;
constexpr int64_t kColBlock = 1536;
constexpr int64_t kRowBlock = 120;
static_assert(kDepth % 2 == 0 && kColBlock % kCols == 0 &&
                  kRowBlock % kRows == 0,
              "blocks hold whole pairs and panels");

/// Where the tiles of C go: f32 sums (the result, or kept between depth
/// blocks) and, after the last depth block, optionally bf16.
struct Destination {
  float *sums; // null when the bf16 result is written in one block
  int64_t ldSums;
  uint16_t *narrow; // null for an f32 result
  int64_t ldNarrow;
  bool roundSums = false; // an f32 result rounded to bf16 values
};

#if STARCH_GEMM_BF16_PACKED

#define STARCH_AVX512_BF16                                                     \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/// A 64-byte aligned buffer that grows and is reused by its thread.
class PackBuffer {
public:
  uint32_t *reserve(int64_t words) {
    if (words > capacity_) {
      int64_t bytes = (words * 4 + 63) / 64 * 64;
      storage_.reset(static_cast<uint32_t *>(std::aligned_alloc(64, bytes)));
      capacity_ = words;
    }
    return storage_.get();
  }

private:
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  std::unique_ptr<uint32_t, Free> storage_;
  int64_t capacity_ = 0;
};

int64_t pairsOf(int64_t depth) { return (depth + 1) / 2; }

/// Lanes of f32 `value` rounded to bf16 as bf16Bits (Bf16.h) does (nearest
/// even, NaN quieted), each in the low half of its 32 bits.
STARCH_AVX512_BF16 __m512i roundedToBf16(__m512 value) {
  __m512i bits = _mm512_castps_si512(value);
  __m512i odd =
      _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  __m512i rounded = _mm512_srli_epi32(
      _mm512_add_epi32(bits, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), odd)),
      16);
  __mmask16 nan = _mm512_cmp_ps_mask(value, value, _CMP_UNORD_Q);
  return _mm512_mask_or_epi32(rounded, nan, _mm512_srli_epi32(bits, 16),
                              _mm512_set1_epi32(0x40));
}

/// The bf16 bits of one operand: as stored, or rounded from f32.
uint16_t bf16BitsOf(uint16_t bits) { return bits; }
uint16_t bf16BitsOf(float value) { return bf16Bits(value); }

/// Columns [0, 32) of two rows of bf16 operands (`row1` null past an odd
/// depth: zeros), interleaved: word j of the result (j < 16 in `first`, the
/// rest in `second`) holds column j of `row0` in its low half and of `row1`
/// in its high half. Columns outside `columns` are not read and give zeros.
struct InterleavedWords {
  __m512i first, second;
};
STARCH_AVX512_BF16 InterleavedWords interleaveRows(const uint16_t *row0,
                                                   const uint16_t *row1,
                                                   __mmask32 columns) {
  // Indices into (r0, r1): lanes 2j and 2j + 1 take column j of each row.
  alignas(64) static const uint16_t lowOrder[32] = {
      0, 32, 1, 33, 2,  34, 3,  35, 4,  36, 5,  37, 6,  38, 7,  39,
      8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47};
  __m512i low = _mm512_load_si512(lowOrder);
  __m512i high = _mm512_add_epi16(low, _mm512_set1_epi16(16));
  __m512i r0 = _mm512_maskz_loadu_epi16(columns, row0);
  __m512i r1 =
      row1 ? _mm512_maskz_loadu_epi16(columns, row1) : _mm512_setzero_si512();
  return {_mm512_permutex2var_epi16(r0, low, r1),
          _mm512_permutex2var_epi16(r0, high, r1)};
}
/// Words [16 * half, 16 * half + 16) of interleaveRows of f32 rows: a lane
/// rounded as bf16Bits is already its column's low half, so the words need
/// no permutation.
STARCH_AVX512_BF16 __m512i interleavedHalf(const float *row0, const float *row1,
                                           __mmask32 columns, int half) {
  __mmask16 lanes = static_cast<__mmask16>(columns >> (16 * half));
  if (!lanes) // a panel of kRows <= 16 columns: skip the empty loads
    return _mm512_setzero_si512();
  __m512i low = roundedToBf16(_mm512_maskz_loadu_ps(lanes, row0 + 16 * half));
  if (!row1)
    return low;
  __m512i high = roundedToBf16(_mm512_maskz_loadu_ps(lanes, row1 + 16 * half));
  return _mm512_or_si512(low, _mm512_slli_epi32(high, 16));
}
/// The same of f32 rows, each element rounded as bf16Bits.
STARCH_AVX512_BF16 InterleavedWords interleaveRows(const float *row0,
                                                   const float *row1,
                                                   __mmask32 columns) {
  return {interleavedHalf(row0, row1, columns, 0),
          interleavedHalf(row0, row1, columns, 1)};
}

/// The first `count` (<= 16) k-pairs adjacent in a row of bf16 operands,
/// one pair a 32-bit word as packTransposedPanel stores it, then zeros.
STARCH_AVX512_BF16 __m512i loadPairs(const uint16_t *row, int count) {
  return _mm512_maskz_loadu_epi32(count >= 16 ? 0xffff : (1u << count) - 1,
                                  row);
}
/// The same of an f32 row, each element rounded as bf16Bits.
STARCH_AVX512_BF16 __m512i loadPairs(const float *row, int count) {
  uint32_t lanes = count >= 16 ? ~0u : (1u << (2 * count)) - 1;
  __m512i low =
      roundedToBf16(_mm512_maskz_loadu_ps(static_cast<__mmask16>(lanes), row));
  __m512i high = roundedToBf16(
      _mm512_maskz_loadu_ps(static_cast<__mmask16>(lanes >> 16), row + 16));
  // The low halves of the 32 lanes, in order: element i is halfword 2i.
  alignas(64) static const uint16_t evenHalves[32] = {
      0,  2,  4,  6,  8,  10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30,
      32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 62};
  return _mm512_permutex2var_epi16(low, _mm512_load_si512(evenHalves), high);
}

/// Packs `width` columns of `src` whose k-pairs are consecutive rows into
/// panels `panel` (<= 32) columns wide, the last padded with zeros: word
/// p * panel + j of panel q holds src[2p][q * panel + j] in its low half and
/// src[2p + 1][...] in its high half (bf16, rounded from f32 sources). Each
/// pair of rows is read once for all the panels, along its cache lines.
template <typename Src>
STARCH_AVX512_BF16 void packInterleavedRows(const Src *src, int64_t ld,
                                            int64_t depth, int64_t width,
                                            int panel, uint32_t *out) {
  __mmask16 firstWords = panel >= 16 ? 0xffff : (1u << panel) - 1;
  __mmask16 secondWords = panel <= 16 ? 0 : (1u << (panel - 16)) - 1;
  int64_t pairs = pairsOf(depth);
  for (int64_t p = 0; p < pairs; ++p) {
    const Src *row = src + 2 * p * ld;
    bool second = 2 * p + 1 < depth;
    for (int64_t col = 0; col < width; col += panel) {
      int valid = static_cast<int>(std::min<int64_t>(panel, width - col));
      __mmask32 columns = valid >= 32 ? ~0u : (1u << valid) - 1;
      InterleavedWords words =
          interleaveRows(row + col, second ? row + ld + col : nullptr, columns);
      uint32_t *dst = out + col * pairs + p * panel;
      _mm512_mask_storeu_epi32(dst, firstWords, words.first);
      if (secondWords)
        _mm512_mask_storeu_epi32(dst + 16, secondWords, words.second);
    }
  }
}

/// Transposes the 16 x 16 32-bit matrix `r` (row i in r[i]) in place.
STARCH_AVX512_BF16 void transpose16x16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) { // pairs of rows interleaved
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  // u[4g + c] holds, in 128-bit lane l, column 4l + c of rows 4g .. 4g + 3.
  __m512i u[16];
  for (int g = 0; g < 16; g += 4) {
    u[g] = _mm512_unpacklo_epi64(t[g], t[g + 2]);
    u[g + 1] = _mm512_unpackhi_epi64(t[g], t[g + 2]);
    u[g + 2] = _mm512_unpacklo_epi64(t[g + 1], t[g + 3]);
    u[g + 3] = _mm512_unpackhi_epi64(t[g + 1], t[g + 3]);
  }
  for (int c = 0; c < 4; ++c) { // gather lane l of the four row groups
    __m512i low01 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44),
            low23 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44),
            high01 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xee),
            high23 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xee);
    r[c] = _mm512_shuffle_i32x4(low01, low23, 0x88);
    r[4 + c] = _mm512_shuffle_i32x4(low01, low23, 0xdd);
    r[8 + c] = _mm512_shuffle_i32x4(high01, high23, 0x88);
    r[12 + c] = _mm512_shuffle_i32x4(high01, high23, 0xdd);
  }
}

/// Packs a panel whose k-pairs are adjacent in each row of `src` (row j is
/// column j of the panel): word p * width + j is the 32 bits at
/// src[j][2p], with a zero high half past an odd depth. Blocks of 16 rows
/// by 16 pairs are loaded whole and transposed in registers.
template <typename Src>
STARCH_AVX512_BF16 void packTransposedPanel(const Src *src, int64_t ld,
                                            int64_t depth, int width, int valid,
                                            uint32_t *out) {
  int64_t fullPairs = depth / 2;
  for (int group = 0; group < width; group += 16) {
    int lanes = std::min(16, width - group);
    int read = std::clamp(valid - group, 0, lanes);
    __mmask16 store = (1u << lanes) - 1;
    const Src *rows = src + group * ld;
    uint32_t *dst = out + group;
    for (int64_t p = 0; p < fullPairs; p += 16) {
      int count = static_cast<int>(std::min<int64_t>(16, fullPairs - p));
      __m512i block[16];
      for (int j = 0; j < 16; ++j)
        block[j] = j < read ? loadPairs(rows + j * ld + 2 * p, count)
                            : _mm512_setzero_si512();
      transpose16x16(block);
      for (int q = 0; q < count; ++q)
        _mm512_mask_storeu_epi32(dst + (p + q) * width, store, block[q]);
    }
    if (depth % 2)
      for (int j = 0; j < lanes; ++j)
        dst[fullPairs * width + j] =
            j < read ? bf16BitsOf(rows[j * ld + depth - 1]) : 0;
  }
}

/// Packs rows [0, width) of `src`, whose k-pairs are adjacent in each row,
/// into panels of `panel` columns (the last padded), as packTransposedPanel.
template <typename Src>
STARCH_AVX512_BF16 void packTransposedPairs(const Src *src, int64_t ld,
                                            int64_t depth, int64_t width,
                                            int panel, uint32_t *out) {
  int64_t pairs = pairsOf(depth);
  for (int64_t col = 0; col < width; col += panel)
    packTransposedPanel(src + col * ld, ld, depth, panel,
                        static_cast<int>(std::min<int64_t>(panel, width - col)),
                        out + col * pairs);
}

/// `sum` + `prior`, with `sum`'s NaN when both are NaN. vaddps returns its
/// first source's NaN and compilers order the commutative add freely, per
/// store variant: pinning it keeps the f32-operand and bf16-operand
/// products bit for bit the same, NaN signs and payloads included.
STARCH_AVX512_BF16 __m512 addInOrder(__m512 sum, __m512 prior) {
  __m512 result;
  asm("vaddps %2, %1, %0" : "=v"(result) : "v"(sum), "v"(prior));
  return result;
}

/// C[rows x cols] (+)= the kRows x kCols product of one A and one B panel
/// over `pairs` k-pairs, added to the f32 sums in `sums` when `accumulate`,
/// and stored to `narrow` as bf16 if given, else to `sums` (as bf16 values
/// when `roundSums`). Rows and columns past the edge of C are computed from
/// the zero padding and not stored.
STARCH_AVX512_BF16 void multiplyPanels(int64_t pairs, const uint32_t *a,
                                       const uint32_t *b, float *sums,
                                       int64_t ldSums, uint16_t *narrow,
                                       int64_t ldNarrow, int rows, int cols,
                                       bool accumulate, bool roundSums) {
  __m512 sum[kRows][kVectors];
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v)
      sum[i][v] = _mm512_setzero_ps();
  for (int64_t p = 0; p < pairs; ++p) {
    __m512bh column[kVectors];
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v)
      column[v] = (__m512bh)_mm512_load_si512(b + p * kCols + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
      __m512bh row = (__m512bh)_mm512_set1_epi32(a[p * kRows + i]);
#pragma GCC unroll 4
      for (int v = 0; v < kVectors; ++v)
        sum[i][v] = _mm512_dpbf16_ps(sum[i][v], row, column[v]);
    }
  }
  __mmask16 mask[kVectors];
  for (int v = 0; v < kVectors; ++v) {
    int left = std::clamp(cols - 16 * v, 0, 16);
    mask[v] = left == 16 ? 0xffff : (1u << left) - 1;
  }
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i) {
    if (i >= rows)
      break;
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) {
      __m512 value = sum[i][v];
      if (accumulate)
        value = addInOrder(
            value, _mm512_maskz_loadu_ps(mask[v], sums + i * ldSums + 16 * v));
      if (narrow)
        _mm512_mask_cvtepi32_storeu_epi16(narrow + i * ldNarrow + 16 * v,
                                          mask[v], roundedToBf16(value));
      else
        _mm512_mask_storeu_ps(sums + i * ldSums + 16 * v, mask[v],
                              roundSums ? _mm512_castsi512_ps(_mm512_slli_epi32(
                                              roundedToBf16(value), 16))
                                        : value);
    }
  }
}

/// Lines [first, first + count) of an operand over depth [k0, k0 + depth),
/// as panels `panel` wide: the rows of op(A) (panels of kRows) or the
/// columns of op(B) (kCols). `depthMajor`: the operand is stored with the
/// depth along its rows (A transposed, B as is), so k-pairs are
/// consecutive rows; else they are adjacent elements of one row.
template <typename Src>
STARCH_AVX512_BF16 void packLines(bool depthMajor, const Src *src, int64_t ld,
                                  int64_t first, int64_t count, int64_t k0,
                                  int64_t depth, int panel, uint32_t *out) {
  if (depthMajor)
    packInterleavedRows(src + k0 * ld + first, ld, depth, count, panel, out);
  else
    packTransposedPairs(src + first * ld + k0, ld, depth, count, panel, out);
}

int64_t panelsOf(int64_t size, int64_t panel) {
  return (size + panel - 1) / panel;
}

/// The packed, blocked product into `out` (AVX512-BF16 only) of bf16
/// operands, or of f32 ones rounded to bf16 as they are packed.
template <typename Src>
STARCH_AVX512_BF16 void multiplyBlocked(bool transA, bool transB, int64_t m,
                                        int64_t n, int64_t k, const Src *a,
                                        int64_t lda, const Src *b, int64_t ldb,
                                        const Destination &out) {
  thread_local PackBuffer packedA, packedB;
  int64_t maxPairs = pairsOf(std::min(k, kDepth));
  uint32_t *bPanels = packedB.reserve(panelsOf(std::min(n, kColBlock), kCols) *
                                      kCols * maxPairs);
  uint32_t *aPanels = packedA.reserve(panelsOf(std::min(m, kRowBlock), kRows) *
                                      kRows * maxPairs);
  for (int64_t col0 = 0; col0 < n; col0 += kColBlock) {
    int64_t cols = std::min(kColBlock, n - col0);
    for (int64_t k0 = 0; k0 < k; k0 += kDepth) {
      int64_t depth = std::min(kDepth, k - k0), pairs = pairsOf(depth);
      bool last = k0 + depth == k;
      packLines(!transB, b, ldb, col0, cols, k0, depth, kCols, bPanels);
      for (int64_t row0 = 0; row0 < m; row0 += kRowBlock) {
        int64_t rows = std::min(kRowBlock, m - row0);
        packLines(transA, a, lda, row0, rows, k0, depth, kRows, aPanels);
        for (int64_t j = 0; j < cols; j += kCols)
          for (int64_t i = 0; i < rows; i += kRows) {
            int64_t row = row0 + i, col = col0 + j;
            multiplyPanels(
                pairs, aPanels + i * pairs, bPanels + j * pairs,
                out.sums ? out.sums + row * out.ldSums + col : nullptr,
                out.ldSums,
                out.narrow && last ? out.narrow + row * out.ldNarrow + col
                                   : nullptr,
                out.ldNarrow, std::min<int64_t>(kRows, rows - i),
                std::min<int64_t>(kCols, cols - j), k0 > 0,
                out.roundSums && last);
          }
      }
    }
  }
}

#else

template <typename Src>
void multiplyBlocked(bool, bool, int64_t, int64_t, int64_t, const Src *,
                     int64_t, const Src *, int64_t, const Destination &) {
  std::abort(); // unreachable: hasBf16DotProduct() is false
}

#endif // STARCH_GEMM_BF16_PACKED

/// The rows x cols of `src` (leading dimension `ld`, maybe wider), each
/// element through `convert`, packed into a dense vector.
template <typename To, typename From, typename Convert>
std::vector<To> compactCopy(const From *src, int64_t ld, int64_t rows,
                            int64_t cols, Convert convert) {
  std::vector<To> dense(rows * cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      dense[i * cols + j] = convert(src[i * ld + j]);
  return dense;
}

/// An empty product: nothing to write (m or n is 0) or zeros (k is 0).
/// Returns whether it was one.
template <typename T>
bool emptyProduct(int64_t m, int64_t n, int64_t k, T *c, int64_t ldc) {
  if (m == 0 || n == 0)
    return true;
  if (k != 0)
    return false;
  for (int64_t i = 0; i < m; ++i)
    std::fill(c + i * ldc, c + i * ldc + n, T(0));
  return true;
}

} // namespace

namespace detail {

void gemmBf16Packed(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                    const uint16_t *a, int64_t lda, const uint16_t *b,
                    int64_t ldb, float *c, int64_t ldc) {
  multiplyBlocked(transA, transB, m, n, k, a, lda, b, ldb,
                  {c, ldc, nullptr, 0});
}

void gemmBf16Portable(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                      const uint16_t *a, int64_t lda, const uint16_t *b,
                      int64_t ldb, float *c, int64_t ldc) {
  // Widened copies, packed to their used extent (lda may be wider).
  auto widen = [](const uint16_t *src, int64_t ld, int64_t rows, int64_t cols) {
    return compactCopy<float>(src, ld, rows, cols, bf16Value);
  };
  std::vector<float> wideA = transA ? widen(a, lda, k, m) : widen(a, lda, m, k);
  std::vector<float> wideB = transB ? widen(b, ldb, n, k) : widen(b, ldb, k, n);
  gemm(transA, transB, m, n, k, 1.0f, wideA.data(), transA ? m : k,
       wideB.data(), transB ? k : n, 0.0f, c, ldc);
}

void gemmBf16PackedF32(bool transA, bool transB, int64_t m, int64_t n,
                       int64_t k, const float *a, int64_t lda, const float *b,
                       int64_t ldb, float *c, int64_t ldc, bool roundResult) {
  multiplyBlocked(transA, transB, m, n, k, a, lda, b, ldb,
                  {c, ldc, nullptr, 0, roundResult});
}

void gemmBf16PortableF32(bool transA, bool transB, int64_t m, int64_t n,
                         int64_t k, const float *a, int64_t lda, const float *b,
                         int64_t ldb, float *c, int64_t ldc, bool roundResult) {
  // Rounded copies, packed to their used extent (lda may be wider).
  auto round = [](const float *src, int64_t ld, int64_t rows, int64_t cols) {
    return compactCopy<uint16_t>(src, ld, rows, cols, bf16Bits);
  };
  std::vector<uint16_t> bitsA =
      transA ? round(a, lda, k, m) : round(a, lda, m, k);
  std::vector<uint16_t> bitsB =
      transB ? round(b, ldb, n, k) : round(b, ldb, k, n);
  gemmBf16Portable(transA, transB, m, n, k, bitsA.data(), transA ? m : k,
                   bitsB.data(), transB ? k : n, c, ldc);
  if (roundResult)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] = bf16Value(bf16Bits(c[i * ldc + j]));
}

} // namespace detail

bool hasBf16DotProduct() {
#if STARCH_GEMM_BF16_PACKED
  // Every CPU with AVX512-BF16 has the others so far; the kernels use all.
  static const bool has = (__builtin_cpu_init(), true) &&
                          __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512bf16");
  return has;
#else
  return false;
#endif
}

void gemmBf16(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
              const uint16_t *a, int64_t lda, const uint16_t *b, int64_t ldb,
              float *c, int64_t ldc) {
  if (emptyProduct(m, n, k, c, ldc))
    return;
  if (hasBf16DotProduct())
    detail::gemmBf16Packed(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
  else
    detail::gemmBf16Portable(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
}

void gemmBf16(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
              const uint16_t *a, int64_t lda, const uint16_t *b, int64_t ldb,
              uint16_t *c, int64_t ldc) {
  if (emptyProduct(m, n, k, c, ldc))
    return;
  bool packed = hasBf16DotProduct();
  if (packed && k <= kDepth) // one depth block: the kernel rounds its tiles
    return multiplyBlocked(transA, transB, m, n, k, a, lda, b, ldb,
                           {nullptr, 0, c, ldc});
  // Otherwise f32 sums of a block of columns at a time, kept small.
  thread_local std::vector<float> sums;
  for (int64_t col0 = 0; col0 < n; col0 += kColBlock) {
    int64_t cols = std::min(kColBlock, n - col0);
    sums.resize(m * cols);
    const uint16_t *bColumns = transB ? b + col0 * ldb : b + col0;
    if (packed) {
      multiplyBlocked(transA, transB, m, cols, k, a, lda, bColumns, ldb,
                      {sums.data(), cols, c + col0, ldc});
      continue;
    }
    detail::gemmBf16Portable(transA, transB, m, cols, k, a, lda, bColumns, ldb,
                             sums.data(), cols);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < cols; ++j)
        c[i * ldc + col0 + j] = bf16Bits(sums[i * cols + j]);
  }
}

void gemmBf16(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
              const float *a, int64_t lda, const float *b, int64_t ldb,
              float *c, int64_t ldc, bool roundResult) {
  if (emptyProduct(m, n, k, c, ldc))
    return;
  if (hasBf16DotProduct())
    detail::gemmBf16PackedF32(transA, transB, m, n, k, a, lda, b, ldb, c, ldc,
                              roundResult);
  else
    detail::gemmBf16PortableF32(transA, transB, m, n, k, a, lda, b, ldb, c, ldc,
                                roundResult);
}

} // namespace starch::rt
