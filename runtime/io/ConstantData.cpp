//===- ConstantData.cpp - Reading a generated program's constants ---------===//
#include "runtime/io/ConstantData.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace starch::rt {

bool readConstantData(const std::string &path, uint64_t bytes, uint64_t hash,
                      void *&payload, std::string &error) {
  payload = nullptr;
  std::unique_ptr<std::FILE, int (*)(std::FILE *)> file(
      std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) {
    error = "cannot open the program's constants file '" + path +
            "' (starchc writes it beside the program; keep them together)";
    return false;
  }
  char header[kConstantDataHeaderBytes];
  uint64_t size = 0, fileHash = 0;
  if (std::fread(header, 1, sizeof(header), file.get()) != sizeof(header) ||
      std::memcmp(header, kConstantDataMagic, sizeof(kConstantDataMagic)) !=
          0) {
    error = "'" + path + "' is not a Starch constants file";
    return false;
  }
  std::memcpy(&size, header + 16, sizeof(size));
  std::memcpy(&fileHash, header + 24, sizeof(fileHash));
  if (size != bytes || fileHash != hash) {
    error = "'" + path + "' holds the constants of another compilation (" +
            std::to_string(size) + " bytes, expected " + std::to_string(bytes) +
            "); recompile the program";
    return false;
  }
  size_t allocated =
      (bytes + kConstantAlignment) / kConstantAlignment * kConstantAlignment;
  std::unique_ptr<void, void (*)(void *)> data(
      std::aligned_alloc(kConstantAlignment, allocated), std::free);
  if (!data) {
    error = "cannot allocate " + std::to_string(bytes) +
            " bytes for the constants of '" + path + "'";
    return false;
  }
  if (std::fread(data.get(), 1, bytes, file.get()) != bytes ||
      constantDataHash(data.get(), bytes) != hash) {
    error = "'" + path + "' is truncated or damaged; recompile the program";
    return false;
  }
  payload = data.release();
  return true;
}

} // namespace starch::rt
