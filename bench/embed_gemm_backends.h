// GEMM backends that the product does not use, kept for the measured comparison in
// bench/results/embedding.md (the product uses oneDNN, src/embed/gemm_onednn.cpp).
#pragma once

#include <memory>

#include "embed/gemm.h"

namespace isartor::embed::bench {

// OpenBLAS cblas_sgemm (Debian's DYNAMIC_ARCH build), weights transposed once at load,
// single-threaded; bias/GELU/residual in our own vectorised loops.
std::unique_ptr<GemmBackend> MakeOpenBlasBackend();
// Eigen 3.4 matrix products with weights transposed once at load; compiled with the flags
// of the translation unit (baseline x86-64, or x86-64-v3 in the _v3 bench binary).
std::unique_ptr<GemmBackend> MakeEigenBackend();

}  // namespace isartor::embed::bench
