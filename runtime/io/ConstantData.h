//===- ConstantData.h - The constants file of a generated program -*- C++
//-*-===//
//
// A generated program's constants (rotary tables, masks, folded tensors) live
// in one file beside the executable instead of C++ literals, which cost the
// host compiler far more than the data is worth. Layout: a 64-byte header
// (magic, payload size, FNV-1a hash of the payload, zero padding), then the
// payload, in which each constant starts at a multiple of 64 bytes. The
// program knows the payload's size and hash from its compilation and refuses
// a file that does not match (another compilation's constants).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_IO_CONSTANTDATA_H
#define STARCH_RUNTIME_IO_CONSTANTDATA_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace starch::rt {

inline constexpr char kConstantDataMagic[16] = "starch-consts-1";
inline constexpr size_t kConstantDataHeaderBytes = 64;
inline constexpr size_t kConstantAlignment = 64;

/// FNV-1a, 64 bits: detects a constants file of another compilation.
inline uint64_t constantDataHash(const void *data, size_t bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  const auto *p = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < bytes; ++i)
    hash = (hash ^ p[i]) * 0x100000001b3ull;
  return hash;
}

/// The file's 64-byte header for `payload`.
inline std::string constantDataHeader(const std::string &payload) {
  std::string header(kConstantDataHeaderBytes, '\0');
  uint64_t size = payload.size();
  uint64_t hash = constantDataHash(payload.data(), payload.size());
  std::memcpy(&header[0], kConstantDataMagic, sizeof(kConstantDataMagic));
  std::memcpy(&header[16], &size, sizeof(size));
  std::memcpy(&header[24], &hash, sizeof(hash));
  return header;
}

/// Reads the payload of the constants file at `path` into `payload` (64-byte
/// aligned, owned by the caller through free()), checking that it has
/// `bytes` bytes and hash `hash`. On failure, `error` says what is wrong
/// with the file, naming it.
bool readConstantData(const std::string &path, uint64_t bytes, uint64_t hash,
                      void *&payload, std::string &error);

} // namespace starch::rt

#endif // STARCH_RUNTIME_IO_CONSTANTDATA_H
