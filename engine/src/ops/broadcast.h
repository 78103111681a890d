// Broadcasting helpers shared by the op families (private to engine/src).
#pragma once

#include <vector>

#include "gan/kernels/copy.h"
#include "gan/kernels/elementwise.h"
#include "gan/tensor.h"

namespace gan::ops::detail {

// NumPy broadcasting of two shapes; the error names the op and both shapes.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

// Strides of each input in the output's index space (0 on broadcast dims).
kernels::BroadcastParams broadcast_params(const char* op, const Shape& out, const std::vector<Shape>& inputs);

// StridedCopyParams that copy a contiguous tensor of `in` shape broadcast to `out`.
kernels::StridedCopyParams expand_params(const char* op, const Shape& in, const Shape& out);

// Validates device and dtype agreement of two operands; messages name op and both shapes.
void check_binary(const char* op, const Tensor& a, const Tensor& b);

}  // namespace gan::ops::detail
