//===- ExecutionInterface.cpp - How a starch op executes ------------------===//
#include "compiler/Execution/ExecutionInterface.h"

#include "compiler/Execution/ExecutionInterface.cpp.inc"
