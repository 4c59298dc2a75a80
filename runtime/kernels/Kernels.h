//===- Kernels.h - Every CPU kernel of the runtime --------------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_KERNELS_H
#define STARCH_RUNTIME_KERNELS_KERNELS_H

#include "runtime/kernels/Attention.h"
#include "runtime/kernels/AttentionGrad.h"
#include "runtime/kernels/Collective.h"
#include "runtime/kernels/Conv.h"
#include "runtime/kernels/DataMovement.h"
#include "runtime/kernels/Elementwise.h"
#include "runtime/kernels/Loss.h"
#include "runtime/kernels/LossBlock.h"
#include "runtime/kernels/Matmul.h"
#include "runtime/kernels/Norm.h"
#include "runtime/kernels/NormGrad.h"
#include "runtime/kernels/Optimizer.h"
#include "runtime/kernels/Parallel.h"
#include "runtime/kernels/Reduce.h"
#include "runtime/kernels/Resize.h"
#include "runtime/kernels/Rope.h"
#include "runtime/kernels/TokenDistribution.h"

#endif // STARCH_RUNTIME_KERNELS_KERNELS_H
