//===- CppLiterals.cpp - C++ literals of compile-time values --------------===//
#include "compiler/Execution/CppLiterals.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace starch::exec {

std::string listLiteral(llvm::ArrayRef<int64_t> values) {
  std::string text = "{";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(values, os);
  os << "}";
  return text;
}

std::string listLiteral(llvm::ArrayRef<double> values) {
  std::string text = "{";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(values, os,
                        [&](double value) { os << doubleLiteral(value); });
  os << "}";
  return text;
}

std::string doubleLiteral(double value) {
  if (std::isinf(value))
    return value > 0 ? "HUGE_VAL" : "-HUGE_VAL";
  if (std::isnan(value))
    return "NAN";
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.17g", value);
  if (text.find_first_of(".eE") == std::string::npos)
    text += ".0";
  return text;
}

} // namespace starch::exec
