//===- HostCompiler.cpp - Building the generated program ------------------===//
#include "compiler/Driver/HostCompiler.h"

#include "compiler/Driver/Toolchain.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

namespace starch::driver {

bool haveCudaToolchain() { return toolchain::kCudaCompiler[0] != 0; }

std::vector<std::string> hostCompileCommand(const std::string &source,
                                            const std::string &output,
                                            bool cuda) {
  // The generated code only sequences calls into the precompiled (-O3)
  // kernels: -O1 without exception tables compiles it 3x faster than -O2
  // for the same step time, and without inlining (of the runtime's small
  // header helpers into functions of thousands of calls) 3x faster again at
  // 8B (docs/codegen.md); kernels report errors by Status, never by
  // throwing.
  std::vector<std::string> command = {
      cuda ? toolchain::kCudaCompiler : toolchain::kHostCompiler, "-std=c++17",
      cuda ? "-O2" : "-O1"};
  if (!cuda) {
    command.push_back("-fno-exceptions");
    command.push_back("-fno-inline");
  }
  auto append = [&](llvm::StringRef list) {
    llvm::SmallVector<llvm::StringRef> items;
    list.split(items, ';', -1, false);
    for (llvm::StringRef item : items)
      command.push_back(item.str());
  };
  if (cuda)
    append(toolchain::kCudaFlags);
  command.push_back(std::string("-I") + toolchain::kSourceDir);
  command.push_back(source);
  command.push_back("-o");
  command.push_back(output);
  size_t firstInput = command.size();
  append(cuda ? toolchain::kCudaLinkInputs : toolchain::kCpuLinkInputs);
  // nvcc only takes files it knows by their suffix; versioned shared
  // libraries ("libonnx_proto.so.1") go straight to the linker.
  if (cuda)
    for (size_t i = firstInput; i < command.size(); ++i)
      if (llvm::StringRef(command[i]).contains(".so."))
        command[i] = "-Xlinker=" + command[i];
  command.push_back(cuda ? "-lpthread" : "-pthread");
  return command;
}

bool runCommand(const std::vector<std::string> &command, bool verbose,
                std::string &error) {
  if (verbose) {
    for (size_t i = 0; i < command.size(); ++i)
      llvm::errs() << (i ? " " : "") << command[i];
    llvm::errs() << "\n";
  }
  llvm::SmallString<128> log;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("starchc-host", "log", log)) {
    error = "cannot create a temporary file: " + ec.message();
    return false;
  }
  std::vector<llvm::StringRef> args(command.begin(), command.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                log.str()};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(command[0], args, std::nullopt,
                                         redirects, 0, 0, &message);
  std::string output;
  if (auto buffer = llvm::MemoryBuffer::getFile(log))
    output = (*buffer)->getBuffer().str();
  llvm::sys::fs::remove(log);
  if (verbose && !output.empty())
    llvm::errs() << output;
  if (status != 0) {
    error = command[0] + " failed (" +
            (message.empty() ? "exit status " + std::to_string(status)
                             : message) +
            ")";
    if (!output.empty())
      error += ":\n" + output.substr(0, 4000);
    return false;
  }
  return true;
}

} // namespace starch::driver
