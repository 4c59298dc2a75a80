//===- ProgramTables.cpp - Plain-data tables of generated programs --------===//
#include "runtime/train/ProgramTables.h"

#include <cstdio>
#include <cstdlib>

namespace starch::rt {

Shape shapeOf(const ShapeRow &row) {
  return Shape(row.dims, row.dims + row.rank);
}

std::vector<ParamSpec> paramSpecs(const ParamRow *rows, size_t count) {
  std::vector<ParamSpec> specs;
  specs.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const ParamRow &row = rows[i];
    ParamSpec spec{row.name, row.source, row.dtype, shapeOf(row.shape),
                   row.kind};
    spec.module = row.module;
    spec.shard.dim = row.shardDim;
    if (row.shardGroups)
      spec.shard.groups.assign(row.shardGroups,
                               row.shardGroups + row.shardGroupCount);
    spec.shard.groupSize = row.shardGroupSize;
    spec.stage = row.stage;
    if (row.tiedStages)
      spec.tiedStages.assign(row.tiedStages,
                             row.tiedStages + row.tiedStageCount);
    specs.push_back(std::move(spec));
  }
  return specs;
}

const uint8_t *storedTableBytes(size_t offset) {
  const uint8_t *base = programConstants();
  if (!base) {
    // loadProgramConstants runs before the first step; only a broken
    // program gets here.
    std::fprintf(stderr, "error: the program's constants file is not loaded "
                         "(its tables live there)\n");
    std::exit(1);
  }
  return base + offset;
}

} // namespace starch::rt
