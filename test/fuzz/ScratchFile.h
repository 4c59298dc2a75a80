//===- ScratchFile.h - Fuzz inputs as files ---------------------*- C++ -*-===//
//
// The readers under test take paths (they open, confine and size files
// themselves), so each fuzz input is written to a file in a folder private
// to the fuzzing process.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_TEST_FUZZ_SCRATCHFILE_H
#define STARCH_TEST_FUZZ_SCRATCHFILE_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace starch::fuzz {

/// A folder made once per process (under $TMPDIR, else /dev/shm or /tmp).
const std::string &scratchFolder();

/// Writes `size` bytes to scratchFolder()/`name` (replacing it) and returns
/// its path; aborts when the file cannot be written (a broken harness, not
/// a finding).
std::string writeScratchFile(const std::string &name, const uint8_t *data,
                             size_t size);

} // namespace starch::fuzz

#endif // STARCH_TEST_FUZZ_SCRATCHFILE_H
