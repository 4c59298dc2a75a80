//===- GemmBf16.h - Matrix products of bf16 operands ------------*- C++ -*-===//
//
// bf16 x bf16 products for mixed-precision training: every product of two
// bf16 values is exact in f32 and the sums are f32, as in PyTorch's autocast.
// With AVX512-BF16 the operands are packed and multiplied by vdpbf16ps;
// elsewhere they are widened to f32 for sgemm (the same products, only the
// order of the sums differs).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_GEMMBF16_H
#define STARCH_RUNTIME_KERNELS_GEMMBF16_H

#include <cstdint>

namespace starch::rt {

/// Row-major C = op(A) op(B) on the calling thread, A and B bf16 bit
/// patterns, C written as f32 (overwritten, not accumulated); op transposes
/// when the flag is set (BLAS semantics: A is M x K, or K x M stored when
/// `transA`; B is K x N, or N x K stored when `transB`). The AVX512-BF16
/// path, as the instruction does, treats subnormal bf16 operands as zero and
/// flushes subnormal sums to zero (magnitudes below 2^-126).
void gemmBf16(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
              const uint16_t *a, int64_t lda, const uint16_t *b, int64_t ldb,
              float *c, int64_t ldc);
/// The same product with C rounded to bf16 (nearest even, NaN stays NaN,
/// as floatToBfloat16).
void gemmBf16(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
              const uint16_t *a, int64_t lda, const uint16_t *b, int64_t ldb,
              uint16_t *c, int64_t ldc);
/// The product of f32 operands rounded to bf16 (bf16Bits: nearest even, NaN
/// quieted) as they are packed, so that no rounded copy is made: bit for bit
/// the f32-output product of the rounded operands, with C then rounded to
/// bf16 values (kept in f32) when `roundResult`.
void gemmBf16(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
              const float *a, int64_t lda, const float *b, int64_t ldb,
              float *c, int64_t ldc, bool roundResult);

/// Whether gemmBf16 takes the AVX512-BF16 path on this CPU.
bool hasBf16DotProduct();

namespace detail {
/// gemmBf16's portable path (widen, then sgemm), callable on any CPU so that
/// tests can compare the two paths.
void gemmBf16Portable(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                      const uint16_t *a, int64_t lda, const uint16_t *b,
                      int64_t ldb, float *c, int64_t ldc);
/// gemmBf16's AVX512-BF16 path; only call it when hasBf16DotProduct(),
/// with m, n and k at least 1.
void gemmBf16Packed(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                    const uint16_t *a, int64_t lda, const uint16_t *b,
                    int64_t ldb, float *c, int64_t ldc);
/// The f32-operand gemmBf16 on each path (the portable one rounds copies).
void gemmBf16PortableF32(bool transA, bool transB, int64_t m, int64_t n,
                         int64_t k, const float *a, int64_t lda, const float *b,
                         int64_t ldb, float *c, int64_t ldc, bool roundResult);
void gemmBf16PackedF32(bool transA, bool transB, int64_t m, int64_t n,
                       int64_t k, const float *a, int64_t lda, const float *b,
                       int64_t ldb, float *c, int64_t ldc, bool roundResult);
} // namespace detail

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_GEMMBF16_H
