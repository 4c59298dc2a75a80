//===- ProgramConstants.cpp - Loading a program's constants file ----------===//
#include "runtime/train/ProgramConstants.h"

#include "runtime/io/ConstantData.h"

#include <climits>
#include <unistd.h>

namespace starch::rt {

namespace {

const uint8_t *loaded = nullptr;

/// The folder of the running executable, with a trailing '/'; "" if unknown
/// (then the file is looked up in the working directory).
std::string executableFolder() {
  char path[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length <= 0)
    return "";
  std::string text(path, static_cast<size_t>(length));
  size_t slash = text.rfind('/');
  return slash == std::string::npos ? "" : text.substr(0, slash + 1);
}

} // namespace

bool loadProgramConstants(const ProgramSpec &spec, std::string &error) {
  if (spec.constants.name.empty() || loaded)
    return true;
  void *payload = nullptr;
  if (!readConstantData(executableFolder() + spec.constants.name,
                        spec.constants.bytes, spec.constants.hash, payload,
                        error))
    return false;
  // Lives as long as the program: the generated functions' static tensors
  // view it.
  loaded = static_cast<const uint8_t *>(payload);
  return true;
}

const uint8_t *programConstants() { return loaded; }

} // namespace starch::rt
