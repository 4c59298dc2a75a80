//===- CppText.cpp - Spelling IR types and names in generated C++ ---------===//
#include "compiler/Codegen/CppText.h"

#include "compiler/Execution/CppLiterals.h"
#include "compiler/Execution/ElementTypes.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

#include <optional>

using namespace mlir;

namespace starch::codegen {

using exec::listLiteral;

std::string dtypeName(Type element) {
  std::optional<rt::DType> dtype = exec::dtypeOf(element);
  return dtype ? std::string("DType::") + rt::dtypeName(*dtype) : "";
}

std::string typeArgs(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return dtypeName(tensor.getElementType()) + ", " +
         listLiteral(tensor.getShape());
}

/// A table row's ShapeRow (runtime/train/ProgramTables.h): rank, then dims.
std::string shapeRow(ArrayRef<int64_t> shape) {
  return "{" + std::to_string(shape.size()) + ", " + listLiteral(shape) + "}";
}

/// "f32[2x16x64]": a tensor's type in a comment.
std::string typeComment(RankedTensorType type) {
  std::string text = dtypeName(type.getElementType()).substr(7) + "[";
  for (auto [i, dim] : llvm::enumerate(type.getShape()))
    text += (i ? "x" : "") + std::to_string(dim);
  return text + "]";
}

/// A C++ string literal.
std::string quoted(StringRef text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

/// A C++ identifier from a symbol name.
std::string identifier(StringRef name) {
  std::string out;
  for (char c : name)
    out += llvm::isAlnum(c) ? c : '_';
  return out;
}

std::string layerList(ArrayAttr tags) {
  struct Range {
    std::string prefix, suffix;
    int64_t first, last;
  };
  std::string text;
  auto flush = [&](const Range &range) {
    text += (text.empty() ? "" : ", ") + range.prefix +
            std::to_string(range.first) +
            (range.last > range.first ? "-" + std::to_string(range.last)
                                      : std::string()) +
            range.suffix;
  };
  // In layer order (a backward runs from the last layer to the first).
  SmallVector<StringRef> sorted;
  for (Attribute attribute : tags)
    sorted.push_back(cast<StringAttr>(attribute).getValue());
  llvm::sort(sorted,
             [](StringRef a, StringRef b) { return a.compare_numeric(b) < 0; });
  std::optional<Range> open;
  for (StringRef tag : sorted) {
    // The layer number: the last dot-separated component made of digits.
    SmallVector<StringRef> parts;
    tag.split(parts, '.');
    std::optional<size_t> numberAt;
    for (size_t i = 0; i < parts.size(); ++i)
      if (!parts[i].empty() && llvm::all_of(parts[i], llvm::isDigit))
        numberAt = i;
    int64_t number = 0;
    if (!numberAt || parts[*numberAt].getAsInteger(10, number)) {
      if (open)
        flush(*open);
      open.reset();
      text += (text.empty() ? "" : ", ") + tag.str();
      continue;
    }
    size_t begin = parts[*numberAt].begin() - tag.begin();
    std::string prefix = tag.substr(0, begin).str();
    std::string suffix = tag.substr(begin + parts[*numberAt].size()).str();
    if (open && open->prefix == prefix && open->suffix == suffix &&
        open->last + 1 == number) {
      open->last = number;
      continue;
    }
    if (open)
      flush(*open);
    open = Range{prefix, suffix, number, number};
  }
  if (open)
    flush(*open);
  return text;
}

} // namespace starch::codegen
