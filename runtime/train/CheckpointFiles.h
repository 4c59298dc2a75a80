//===- CheckpointFiles.h - What every checkpoint file shares -----*- C++
//-*-===//
//
// The integrity rules both checkpoint formats (the single file, and the
// sharded index with its rank files) apply: a checksum per metadata field
// and per tensor, crash-safe writes (temporary file, fsync, rename, fsync
// of the folder), and the decimal metadata values a resume reads.
// Errors are thrown as std::runtime_error.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_CHECKPOINTFILES_H
#define STARCH_RUNTIME_TRAIN_CHECKPOINTFILES_H

#include "runtime/Tensor.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace starch::rt {

/// FNV-1a 64 of `size` bytes, continuing from `hash`.
uint64_t fnv1a64(const void *data, size_t size,
                 uint64_t hash = 0xcbf29ce484222325ULL);

/// Metadata key prefixes of the checksums: field "K" under
/// "checksum:field:K", tensor "T" under "checksum:tensor:T".
inline constexpr const char *kFieldChecksum = "checksum:field:";
inline constexpr const char *kTensorChecksum = "checksum:tensor:";

/// 16 hex digits of FNV-1a 64 over KEY, NUL, VALUE.
std::string fieldChecksum(const std::string &key, const std::string &value);

/// FNV-1a 64 over "NAME\0DTYPE\0DIMS\0" (DIMS like "16x16", empty for a
/// scalar), then the bytes.
std::string tensorChecksum(const std::string &name, const Tensor &tensor);

/// Adds the checksum of every field of `metadata` and of every tensor.
void addChecksums(std::map<std::string, std::string> &metadata,
                  const std::map<std::string, Tensor> &tensors);

/// Refuses a metadata field without its checksum, one that does not match
/// it, and a checksum whose field or tensor is gone; `path` names the file.
void verifyFields(const std::string &path,
                  const std::map<std::string, std::string> &metadata,
                  const std::vector<std::string> &tensorNames);

/// The metadata value of `key`, empty when absent.
std::string metadataValue(const std::map<std::string, std::string> &metadata,
                          const std::string &key);

/// A decimal metadata value no larger than `limit`, or a sentence naming
/// `path` and `key`.
uint64_t parseNumber(const std::map<std::string, std::string> &metadata,
                     const std::string &key, const std::string &path,
                     uint64_t limit);

/// mkdir -p, then checks that `dir` is a directory.
void makeDirectories(const std::string &dir);

/// Writes `tensors` as DIR/NAME through DIR/NAME.tmp, fsynced and renamed,
/// so a crash leaves the previous file or the new one, never half.
void writeAtomically(const std::string &dir, const std::string &name,
                     const std::map<std::string, Tensor> &tensors,
                     const std::map<std::string, std::string> &metadata);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_CHECKPOINTFILES_H
