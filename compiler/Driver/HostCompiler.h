//===- HostCompiler.h - Building the generated program ----------*- C++ -*-===//
#ifndef STARCH_COMPILER_DRIVER_HOSTCOMPILER_H
#define STARCH_COMPILER_DRIVER_HOSTCOMPILER_H

#include <string>
#include <vector>

namespace starch::driver {

/// The command that compiles the generated C++ `source` into the executable
/// `output`, linked with this build's runtime.
std::vector<std::string> hostCompileCommand(const std::string &source,
                                            const std::string &output);

/// Runs `command`; prints it first when `verbose`. On failure `error` holds
/// the exit status and the compiler's diagnostics.
bool runCommand(const std::vector<std::string> &command, bool verbose,
                std::string &error);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_HOSTCOMPILER_H
