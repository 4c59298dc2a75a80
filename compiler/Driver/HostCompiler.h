//===- HostCompiler.h - Building the generated program ----------*- C++ -*-===//
#ifndef STARCH_COMPILER_DRIVER_HOSTCOMPILER_H
#define STARCH_COMPILER_DRIVER_HOSTCOMPILER_H

#include <string>
#include <vector>

namespace starch::driver {

/// Whether this build can compile CUDA programs (nvcc and the CUDA runtime
/// library were found at configure time).
bool haveCudaToolchain();

/// The command that compiles the generated `source` (C++, or CUDA when
/// `cuda`) into the executable `output`, linked with this build's runtime.
std::vector<std::string> hostCompileCommand(const std::string &source,
                                            const std::string &output,
                                            bool cuda = false);

/// Runs `command`; prints it first when `verbose`. On failure `error` holds
/// the exit status and the compiler's diagnostics.
bool runCommand(const std::vector<std::string> &command, bool verbose,
                std::string &error);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_HOSTCOMPILER_H
