// Embedding lookup: rows of a table by integer index.
//
// The gradient wrt the table is a scatter-add of the output gradient into the
// rows that were read (a private op around the embedding_bprop kernel); that
// scatter's own gradient is a lookup again, so both differentiate to any order.
// Indices get no gradient.
//
// | op                 | backward (g = incoming gradient)            | 2nd order |
// |--------------------|---------------------------------------------|-----------|
// | embedding          | embedding_backward(g, idx, num)             | yes       |
// | embedding_backward | embedding(idx, g)          (private)        | yes       |
#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/embedding.h"
#include "gan/ops.h"

namespace gan::ops {

using Grads = std::vector<Tensor>;

namespace {

// g [..., dim] summed into zeros([num, dim]) at the rows idx [...] names.
Tensor embedding_backward(const Tensor& g, const Tensor& idx, int64_t num) {
  const int64_t dim = g.size(-1);
  Tensor out = empty_like(g, {num, dim});
  kernels::EmbeddingParams p;
  p.num = num;
  p.dim = dim;
  p.count = idx.numel();
  check_same_device("embedding_backward", g, idx);
  dispatch_float_device("embedding_backward", g, [&]<class T>() {
    GAN_KERNEL(g, embedding_bprop<T>)(p, idx.data<int64_t>(), g.data<T>(), out.data<T>(), stream_of(g));
  });
  autograd::record(out, "embedding_backward", {g}, [idx](const Tensor& gg) { return Grads{embedding(idx, gg)}; });
  return out;
}

}  // namespace

Tensor embedding(const Tensor& idx, const Tensor& table) {
  const char* op = "embedding";
  check_dtype(op, "indices", idx, DType::i64);
  check_float(op, table);
  GAN_CHECK(table.dim() == 2, op, ": table must be [num, dim], got ", shape_str(table.shape()), " with indices ",
            shape_str(idx.shape()));
  check_same_device(op, idx, table);
  const int64_t num = table.size(0), dim = table.size(1), count = idx.numel();
  // CPU indices are validated here, before any kernel runs. CUDA indices are
  // not copied down for it (a synchronisation per call): the kernel checks
  // each as it reads it and a bad one is raised at the next read back
  // (gan/kernels/index_fault.h).
  if (idx.device().is_cpu()) {
    const int64_t* ip = idx.data<int64_t>();
    for (int64_t k = 0; k < count; ++k)
      GAN_CHECK(ip[k] >= 0 && ip[k] < num, op, ": index ", ip[k], " at position ", k, " out of range [0, ", num,
                ") for table ", shape_str(table.shape()));
  }
  Shape out_shape = idx.shape();
  out_shape.push_back(dim);
  Tensor out = empty_like(table, out_shape);
  kernels::EmbeddingParams p;
  p.num = num;
  p.dim = dim;
  p.count = count;
  dispatch_float_device(op, table, [&]<class T>() {
    GAN_KERNEL(table, embedding_fprop<T>)(p, idx.data<int64_t>(), table.data<T>(), out.data<T>(), stream_of(table));
  });
  autograd::record(out, op, {table}, [idx, num](const Tensor& g) { return Grads{embedding_backward(g, idx, num)}; });
  return out;
}

}  // namespace gan::ops
