// Inner-product distance (1 - dot) for hnswlib, with the SIMD width chosen at run time.
// hnswlib picks its kernels at compile time from -m flags; the product is built for baseline
// x86-64 (it must run on any customer CPU), which left hnswlib on SSE. This space uses
// AVX-512 or AVX2+FMA when the CPU has them, and hnswlib's own kernel otherwise.
// Include from exactly one translation unit (semantic_index.cpp): the Debian hnswlib 0.6.2
// headers define non-inline functions, so a second TU including them fails to link.
#pragma once

#include <hnswlib/hnswlib.h>
#include <immintrin.h>

#include <cstddef>
#include <memory>

namespace isartor {
namespace ip_kernels {

inline __attribute__((target("avx512f"))) float IpDistanceAvx512(const void* a, const void* b,
                                                             const void* dim_ptr) {
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  const std::size_t dim = *static_cast<const std::size_t*>(dim_ptr);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16), acc1);
  }
  for (; i + 16 <= dim; i += 16) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc0);
  }
  float sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
  for (; i < dim; ++i) sum += x[i] * y[i];
  return 1.0f - sum;
}

inline __attribute__((target("avx2,fma"))) float IpDistanceAvx2(const void* a, const void* b,
                                                           const void* dim_ptr) {
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  const std::size_t dim = *static_cast<const std::size_t*>(dim_ptr);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), acc1);
  }
  __m256 acc = _mm256_add_ps(acc0, acc1);
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
  float sum = _mm_cvtss_f32(lo);
  for (; i < dim; ++i) sum += x[i] * y[i];
  return 1.0f - sum;
}

}  // namespace ip_kernels

class InnerProductSpaceDispatched : public hnswlib::SpaceInterface<float> {
 public:
  explicit InnerProductSpaceDispatched(std::size_t dim);
  std::size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return func_; }
  void* get_dist_func_param() override { return &dim_; }
  // "avx512", "avx2" or "baseline" (for benchmarks and logs).
  const char* isa() const { return isa_; }

 private:
  std::size_t dim_;
  hnswlib::DISTFUNC<float> func_;
  const char* isa_;
  hnswlib::InnerProductSpace fallback_;
};

inline InnerProductSpaceDispatched::InnerProductSpaceDispatched(std::size_t dim)
    : dim_(dim), fallback_(dim) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    func_ = ip_kernels::IpDistanceAvx512;
    isa_ = "avx512";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    func_ = ip_kernels::IpDistanceAvx2;
    isa_ = "avx2";
  } else {
    func_ = fallback_.get_dist_func();
    isa_ = "baseline";
  }
}

}  // namespace isartor
