// The matrix-product interface of the encoder: a fully connected layer whose weights are
// prepared (copied and reordered for the library) once, at load.
#pragma once

#include <memory>
#include <string_view>

#include "common/result.h"

namespace isartor::embed {

// What happens after y = x * W^T + b.
enum class Epilogue {
  kBias,            // y = x W^T + b
  kBiasGeluErf,     // y = gelu_erf(x W^T + b)
  kBiasAccumulate,  // y = x W^T + b + y   (residual connection, y read before written)
};

// Immutable after creation. Run() is thread-safe: concurrent calls with different x/y buffers
// are allowed (each call brings its own per-call state).
class Linear {
 public:
  virtual ~Linear() = default;
  // x: rows x in, y: rows x out, both row-major and dense; rows >= 1.
  // Fails (kInternal) only if the library itself fails, e.g. out of memory.
  virtual Status Run(const float* x, int rows, float* y) const = 0;
};

class GemmBackend {
 public:
  virtual ~GemmBackend() = default;
  virtual std::string_view name() const = 0;
  // w: out x in row-major (the PyTorch nn.Linear layout), b: out. Both are copied; they need
  // not outlive the call. kInternal if the library refuses the shape.
  virtual Result<std::unique_ptr<Linear>> MakeLinear(const float* w, const float* b, int in,
                                                     int out, Epilogue epilogue) = 0;
};

// The product's backend: oneDNN matmul with weights reordered at load, bias and GELU/residual
// fused as post-ops, ISA chosen by oneDNN at run time (SSE4.1 ... AVX-512). Computations run
// single-threaded in the calling thread (parallelism comes from the Embedder's workers).
// kInternal if oneDNN cannot create its CPU engine.
Result<std::unique_ptr<GemmBackend>> MakeOneDnnBackend();

}  // namespace isartor::embed
