//===- ParseToolFlags.h - Flags of the Starch tools -------------*- C++ -*-===//
//
// LLVM's parser prints several lines for a bad flag (and suggestions from
// libLLVM's own options) and exits with status 1. Starch's tools treat a bad
// flag like any other user error: one line, exit status 2.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_TOOLS_PARSETOOLFLAGS_H
#define STARCH_TOOLS_PARSETOOLFLAGS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <string>

namespace starch::tools {

/// Parses argv with `cl::ParseCommandLineOptions`; on a bad flag prints its
/// first complaint as "error: ..." and exits with status 2.
inline void parseToolFlags(int argc, const char *const *argv,
                           llvm::StringRef overview) {
  std::string complaints;
  llvm::raw_string_ostream stream(complaints);
  if (llvm::cl::ParseCommandLineOptions(argc, argv, overview, &stream))
    return;
  // "starchc: Unknown command line argument ..." without the tool's name.
  llvm::StringRef line = llvm::StringRef(complaints).split('\n').first;
  if (auto [name, rest] = line.split(": "); !rest.empty())
    line = rest;
  llvm::errs() << "error: " << line.trim() << "\n";
  std::exit(2);
}

} // namespace starch::tools

#endif // STARCH_TOOLS_PARSETOOLFLAGS_H
