// Inner-product distances (1 - dot) for hnswlib, with the SIMD width chosen at run time: float
// vectors (flat partitions, exact scores) and int8-quantised ones (the HNSW graphs).
// hnswlib picks its kernels at compile time from -m flags; the product is built for baseline
// x86-64 (it must run on any customer CPU), which left hnswlib on SSE. These spaces use
// AVX-512 or AVX2 when the CPU has them, and a portable kernel (hnswlib's, for floats) otherwise.
// Include from exactly one translation unit (semantic_index.cpp): the Debian hnswlib 0.6.2
// headers define non-inline functions, so a second TU including them fails to link.
#pragma once

#include <hnswlib/hnswlib.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

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
  // Horizontal sum through memory: GCC 12's _mm512_reduce_* trips -Wuninitialized in its header.
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, _mm512_add_ps(acc0, acc1));
  float sum = 0;
  for (float lane : lanes) sum += lane;
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


// Int8 kernels for the HNSW graph. A quantised vector is `dim` int8 codes followed by one float
// `step` (code * step ~= component), see QuantizeInt8. The graph walk is bound by memory
// latency, not arithmetic: 388 bytes per 384-d vector instead of 1,536 is what makes it fast.
inline float Int8Step(const void* v, std::size_t dim) {
  float step;
  std::memcpy(&step, static_cast<const char*>(v) + dim, sizeof step);
  return step;
}

inline float Int8DistanceBaseline(const void* a, const void* b, const void* dim_ptr) {
  const auto* x = static_cast<const int8_t*>(a);
  const auto* y = static_cast<const int8_t*>(b);
  const std::size_t dim = *static_cast<const std::size_t*>(dim_ptr);
  int32_t sum = 0;
  for (std::size_t i = 0; i < dim; ++i) sum += int32_t(x[i]) * int32_t(y[i]);
  return 1.0f - float(sum) * Int8Step(a, dim) * Int8Step(b, dim);
}

inline __attribute__((target("avx512f,avx512bw"))) float Int8DistanceAvx512(const void* a,
                                                                         const void* b,
                                                                         const void* dim_ptr) {
  const auto* x = static_cast<const int8_t*>(a);
  const auto* y = static_cast<const int8_t*>(b);
  const std::size_t dim = *static_cast<const std::size_t*>(dim_ptr);
  __m512i acc = _mm512_setzero_si512();
  std::size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    __m512i xa = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)));
    __m512i ya = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + i)));
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(xa, ya));
  }
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, acc);
  int32_t sum = 0;
  for (int32_t lane : lanes) sum += lane;
  for (; i < dim; ++i) sum += int32_t(x[i]) * int32_t(y[i]);
  return 1.0f - float(sum) * Int8Step(a, dim) * Int8Step(b, dim);
}

inline __attribute__((target("avx2"))) float Int8DistanceAvx2(const void* a, const void* b,
                                                            const void* dim_ptr) {
  const auto* x = static_cast<const int8_t*>(a);
  const auto* y = static_cast<const int8_t*>(b);
  const std::size_t dim = *static_cast<const std::size_t*>(dim_ptr);
  __m256i acc = _mm256_setzero_si256();
  std::size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    __m256i xa = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    __m256i ya = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(xa, ya));
  }
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  int32_t sum = _mm_cvtsi128_si32(s);
  for (; i < dim; ++i) sum += int32_t(x[i]) * int32_t(y[i]);
  return 1.0f - float(sum) * Int8Step(a, dim) * Int8Step(b, dim);
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

namespace isartor {

// Symmetric int8 scalar quantisation with one step per vector: code = round(v / step),
// step = max|v| / 127. On real MiniLM vectors the dot-product error is 4e-4 on average, 2.1e-3 at
// most (bench/int8_error_bench.cpp); the index re-scores the graph's candidates in float anyway.
inline void QuantizeInt8(std::span<const float> v, char* out) {
  float max_abs = 0;
  for (float x : v) max_abs = std::max(max_abs, std::fabs(x));
  const float step = max_abs > 0 ? max_abs / 127.0f : 0.0f;
  const float inv = max_abs > 0 ? 127.0f / max_abs : 0.0f;
  for (std::size_t i = 0; i < v.size(); ++i) {
    out[i] = static_cast<char>(static_cast<int8_t>(std::lrintf(v[i] * inv)));
  }
  std::memcpy(out + v.size(), &step, sizeof step);
}

// Inner-product distance on QuantizeInt8 codes, SIMD width chosen at run time.
class Int8InnerProductSpace : public hnswlib::SpaceInterface<float> {
 public:
  explicit Int8InnerProductSpace(std::size_t dim) : dim_(dim) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
      func_ = ip_kernels::Int8DistanceAvx512;
    } else if (__builtin_cpu_supports("avx2")) {
      func_ = ip_kernels::Int8DistanceAvx2;
    } else {
      func_ = ip_kernels::Int8DistanceBaseline;
    }
  }
  std::size_t get_data_size() override { return dim_ + sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return func_; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  std::size_t dim_;
  hnswlib::DISTFUNC<float> func_;
};

}  // namespace isartor
