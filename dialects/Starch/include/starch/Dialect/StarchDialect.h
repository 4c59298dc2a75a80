//===- StarchDialect.h - The starch dialect ---------------------*- C++ -*-===//
#ifndef STARCH_DIALECT_STARCHDIALECT_H
#define STARCH_DIALECT_STARCHDIALECT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Dialect.h"

#include "starch/Dialect/StarchOpsDialect.h.inc"

namespace starch {
/// Discardable attribute naming the transformer layer an op belongs to.
inline constexpr llvm::StringLiteral kLayerAttrName = "starch.layer";
/// The module (encoder, projector, LLM) of a multimodal program that an op
/// or parameter belongs to; set by starchc and starch-compose, kept by
/// passes as the layer tag is.
inline constexpr llvm::StringLiteral kModuleAttrName = "starch.module";
/// Argument and result attribute: the name the user knows a function's
/// value by ("input_ids", "loss", "grad.<param>").
inline constexpr llvm::StringLiteral kNameAttrName = "starch.name";
/// Argument attribute: starch-autodiff differentiates with respect to it.
inline constexpr llvm::StringLiteral kDifferentiableAttrName =
    "starch.differentiable";
/// Result attribute: the gradient function takes this result's cotangent
/// as an argument (a pipeline stage's outputs, starch-pipeline-split).
inline constexpr llvm::StringLiteral kCotangentInputAttrName =
    "starch.cotangent_input";
/// Function attribute of a gradient function: the function it
/// differentiates.
inline constexpr llvm::StringLiteral kGradientOfAttrName = "starch.gradient_of";
/// On a train step's param_grad_norms result: the parameter of each entry.
inline constexpr llvm::StringLiteral kParamsAttrName = "starch.params";
/// Discardable attribute naming the span an op runs in on a training
/// program's --trace timeline (a pipeline stage's "F3", "B3", "send F3").
inline constexpr llvm::StringLiteral kTraceAttrName = "starch.trace";
/// On a layer function (starch-outline-layers): its family
/// ("model.layers.*") and the tags of the layers that call it.
inline constexpr llvm::StringLiteral kFamilyAttrName = "starch.layer_family";
inline constexpr llvm::StringLiteral kCallersAttrName = "starch.layers";
/// On a part of a long function (starch-outline-layers): that function.
inline constexpr llvm::StringLiteral kSegmentOfAttrName = "starch.segment_of";
/// Module attribute (starch-lm-loss): the classes of the labels, the
/// vocabulary, which the program's data needed however the logits are split.
inline constexpr llvm::StringLiteral kVocabularySizeAttrName =
    "starch.vocabulary_size";
/// Module attribute naming the file that holds the parameters' data.
inline constexpr llvm::StringLiteral kWeightsAttrName = "starch.weights";
/// Module attribute: globs over parameters' framework names (`source`, else
/// the symbol) that starch-optimizer trains without weight decay; it marks
/// each such parameter with the same name as a unit attribute.
inline constexpr llvm::StringLiteral kNoWeightDecayAttrName =
    "starch.no_weight_decay";
/// Module attribute set by the importer: the initializers that look folded
/// by the exporter from parameters (Gemma's `1 + weight`), which train as
/// the folded values; starchc warns about them.
inline constexpr llvm::StringLiteral kFoldedWeightsAttrName =
    "starch.folded_weights";
/// Module attribute set by the importer: float constants without a
/// parameter's name that look folded from parameters (a class token
/// expanded over a static batch, a position table added to activations),
/// which no framework weight explained, each with why it looks so; starchc
/// warns that they stay constants.
inline constexpr llvm::StringLiteral kSuspectConstantsAttrName =
    "starch.suspect_constants";
} // namespace starch

#endif // STARCH_DIALECT_STARCHDIALECT_H
