//===- OnnxEdits.cpp - Structured edits of ONNX models --------------------===//
#include "test/fuzz/OnnxEdits.h"

#include "compiler/Import/OnnxImporter.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace starch::fuzz {
namespace {

using Random = std::minstd_rand;

size_t pick(Random &random, size_t count) { return random() % count; }

/// Sizes at the edges of what shape arithmetic must survive.
int64_t interestingInt(Random &random) {
  static const int64_t values[] = {0,
                                   1,
                                   2,
                                   3,
                                   -1,
                                   -2,
                                   7,
                                   64,
                                   1 << 20,
                                   INT32_MAX,
                                   -INT32_MAX - 1,
                                   int64_t(1) << 31,
                                   int64_t(1) << 40,
                                   int64_t(1) << 62,
                                   std::numeric_limits<int64_t>::max(),
                                   std::numeric_limits<int64_t>::min()};
  return values[pick(random, std::size(values))];
}

float interestingFloat(Random &random) {
  static const float values[] = {0.0f,
                                 -0.0f,
                                 1.0f,
                                 -1.0f,
                                 1e-30f,
                                 1e30f,
                                 std::numeric_limits<float>::infinity(),
                                 std::numeric_limits<float>::quiet_NaN()};
  return values[pick(random, std::size(values))];
}

/// Every tensor name the graph defines, plus names it does not.
std::vector<std::string> valueNames(const onnx::GraphProto &graph) {
  std::vector<std::string> names = {"", "undefined_value"};
  for (const auto &input : graph.input())
    names.push_back(input.name());
  for (const auto &initializer : graph.initializer())
    names.push_back(initializer.name());
  for (const auto &node : graph.node())
    for (const auto &output : node.output())
      names.push_back(output);
  return names;
}

void editDims(onnx::TypeProto_Tensor &tensor, Random &random) {
  auto *shape = tensor.mutable_shape();
  switch (pick(random, 4)) {
  case 0: // drop a dim or the whole shape (rank changes, unknown rank)
    if (shape->dim_size())
      shape->mutable_dim()->RemoveLast();
    else
      tensor.clear_shape();
    return;
  case 1:
    shape->add_dim()->set_dim_value(interestingInt(random));
    return;
  case 2:
    if (shape->dim_size())
      shape->mutable_dim(pick(random, shape->dim_size()))
          ->set_dim_param("symbolic");
    return;
  default:
    if (shape->dim_size())
      shape->mutable_dim(pick(random, shape->dim_size()))
          ->set_dim_value(interestingInt(random));
  }
}

void editValueInfo(onnx::GraphProto &graph, Random &random) {
  std::vector<onnx::ValueInfoProto *> infos;
  for (auto &info : *graph.mutable_input())
    infos.push_back(&info);
  for (auto &info : *graph.mutable_output())
    infos.push_back(&info);
  for (auto &info : *graph.mutable_value_info())
    infos.push_back(&info);
  if (infos.empty())
    return;
  onnx::ValueInfoProto &info = *infos[pick(random, infos.size())];
  auto *tensor = info.mutable_type()->mutable_tensor_type();
  if (pick(random, 4) == 0)
    tensor->set_elem_type(static_cast<int>(pick(random, 25)));
  else
    editDims(*tensor, random);
}

void editAttribute(onnx::NodeProto &node, Random &random) {
  if (node.attribute_size() == 0 || pick(random, 4) == 0) {
    // Attributes the node may not expect, under names ops commonly read.
    static const char *names[] = {
        "axis",      "axes",    "perm",  "kernel_shape",
        "strides",   "pads",    "group", "num_outputs",
        "split",     "epsilon", "alpha", "keepdims",
        "dilations", "to",      "value", "transB"};
    auto *attribute = node.add_attribute();
    attribute->set_name(names[pick(random, std::size(names))]);
    if (pick(random, 2)) {
      attribute->set_type(onnx::AttributeProto::INT);
      attribute->set_i(interestingInt(random));
    } else {
      attribute->set_type(onnx::AttributeProto::INTS);
      for (size_t i = 0, n = pick(random, 5); i < n; ++i)
        attribute->add_ints(interestingInt(random));
    }
    return;
  }
  int index = static_cast<int>(pick(random, node.attribute_size()));
  auto &attribute = *node.mutable_attribute(index);
  switch (pick(random, 6)) {
  case 0:
    attribute.set_i(interestingInt(random));
    return;
  case 1:
    if (attribute.ints_size())
      attribute.set_ints(pick(random, attribute.ints_size()),
                         interestingInt(random));
    else
      attribute.add_ints(interestingInt(random));
    return;
  case 2:
    if (attribute.ints_size() && pick(random, 2))
      attribute.mutable_ints()->RemoveLast();
    else
      attribute.add_ints(interestingInt(random));
    return;
  case 3:
    attribute.set_f(interestingFloat(random));
    return;
  case 4: // the declared type no longer matches the field that is set
    attribute.set_type(
        static_cast<onnx::AttributeProto::AttributeType>(pick(random, 15)));
    return;
  default: // a required attribute missing
    node.mutable_attribute()->DeleteSubrange(index, 1);
  }
}

void editInputs(onnx::GraphProto &graph, onnx::NodeProto &node,
                Random &random) {
  std::vector<std::string> names = valueNames(graph);
  switch (pick(random, 4)) {
  case 0:
    if (node.input_size())
      node.set_input(pick(random, node.input_size()),
                     names[pick(random, names.size())]);
    return;
  case 1:
    node.add_input(names[pick(random, names.size())]);
    return;
  case 2:
    if (node.input_size())
      node.mutable_input()->RemoveLast();
    return;
  default: // a cycle or a redefinition
    if (node.output_size())
      node.set_output(pick(random, node.output_size()),
                      names[pick(random, names.size())]);
  }
}

void editInitializer(onnx::GraphProto &graph, Random &random) {
  if (graph.initializer_size() == 0)
    return;
  auto &tensor =
      *graph.mutable_initializer(pick(random, graph.initializer_size()));
  switch (pick(random, 6)) {
  case 0:
    if (tensor.dims_size())
      tensor.set_dims(pick(random, tensor.dims_size()), interestingInt(random));
    else
      tensor.add_dims(interestingInt(random));
    return;
  case 1:
    tensor.add_dims(interestingInt(random));
    return;
  case 2:
    tensor.set_data_type(static_cast<int>(pick(random, 25)));
    return;
  case 3:
    if (!tensor.raw_data().empty())
      tensor.mutable_raw_data()->resize(pick(random, tensor.raw_data().size()));
    else
      tensor.clear_float_data();
    return;
  case 4: { // external data, inside the folder or not
    static const char *locations[] = {
        "weights.bin", "../weights.bin", "/", "/proc/self/environ", "", "."};
    tensor.set_data_location(onnx::TensorProto::EXTERNAL);
    auto *entry = tensor.add_external_data();
    entry->set_key(pick(random, 3) ? "location" : "offset");
    entry->set_value(pick(random, 2) ? locations[pick(random, 6)]
                                     : std::to_string(interestingInt(random)));
    return;
  }
  default:
    tensor.set_name(valueNames(graph)[pick(random, valueNames(graph).size())]);
  }
}

void editNodes(onnx::GraphProto &graph, Random &random) {
  if (graph.node_size() == 0)
    return;
  int index = static_cast<int>(pick(random, graph.node_size()));
  onnx::NodeProto &node = *graph.mutable_node(index);
  switch (pick(random, 6)) {
  case 0:
  case 1:
    editAttribute(node, random);
    return;
  case 2:
  case 3:
    editInputs(graph, node, random);
    return;
  case 4: { // another op on the same operands and attributes
    static const std::vector<std::string> ops = import::supportedOnnxOps();
    node.set_op_type(ops[pick(random, ops.size())]);
    return;
  }
  default: // order: a use before its definition
    graph.mutable_node()->SwapElements(index, pick(random, graph.node_size()));
  }
}

} // namespace

void editModel(onnx::ModelProto &model, Random &random) {
  onnx::GraphProto &graph = *model.mutable_graph();
  switch (pick(random, 8)) {
  case 0:
  case 1:
  case 2:
    editNodes(graph, random);
    return;
  case 3:
  case 4:
    editValueInfo(graph, random);
    return;
  case 5:
    editInitializer(graph, random);
    return;
  case 6:
    if (model.opset_import_size())
      model.mutable_opset_import(0)->set_version(
          static_cast<int64_t>(pick(random, 26)));
    return;
  default:
    if (graph.node_size() > 1)
      graph.mutable_node()->DeleteSubrange(
          static_cast<int>(pick(random, graph.node_size())), 1);
  }
}

} // namespace starch::fuzz
