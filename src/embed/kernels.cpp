#include "embed/kernels.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

// One body per kernel, force-inlined into three wrappers compiled for different ISAs; a pointer
// chosen once from CPUID picks the wrapper. The bodies have internal linkage, so no ISA-specific
// code can leak into another translation unit (the ODR trap of compiling templates twice).
#define KERNEL_BODY static inline __attribute__((always_inline))
#define TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma,avx2")))
#define TARGET_AVX2 __attribute__((target("avx2,fma")))

namespace isartor::embed::kernels {
namespace {

enum class Isa { kBaseline, kAvx2, kAvx512 };

Isa DetectIsa() {
  __builtin_cpu_init();
  // Diagnostic cap, read once at start (tests run the fixture on every code path this way):
  // ISARTOR_EMBED_MAX_ISA=baseline|avx2 (oneDNN's own cap is ONEDNN_MAX_CPU_ISA).
  const char* cap = std::getenv("ISARTOR_EMBED_MAX_ISA");
  const std::string_view max_isa = cap != nullptr ? cap : "";
  if (max_isa == "baseline") return Isa::kBaseline;
  if (max_isa != "avx2" && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma")) {
    return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
  return Isa::kBaseline;
}

const Isa kIsa = DetectIsa();

// exp(x) for x <= 0 (softmax after subtracting the max): Cody-Waite range reduction and a
// degree-6 polynomial, relative error ~2e-7; unlike std::exp it vectorises.
KERNEL_BODY float ExpNonPositive(float x) {
  x = x < -87.0f ? -87.0f : x;
  // Round to nearest by adding 1.5 * 2^23 (exact for |x * log2 e| < 2^22, no libm call).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

KERNEL_BODY void LayerNormBody(float* x, int rows, int dim, const float* gamma,
                               const float* beta, float eps) {
  for (int r = 0; r < rows; ++r) {
    float* row = x + static_cast<long>(r) * dim;
    float sum = 0.f;
    for (int i = 0; i < dim; ++i) sum += row[i];
    const float mean = sum / static_cast<float>(dim);
    float var = 0.f;
    for (int i = 0; i < dim; ++i) var += (row[i] - mean) * (row[i] - mean);
    const float inv = 1.0f / std::sqrt(var / static_cast<float>(dim) + eps);
    for (int i = 0; i < dim; ++i) row[i] = (row[i] - mean) * inv * gamma[i] + beta[i];
  }
}

KERNEL_BODY void AttentionBody(const float* qkv, int seq_len, int hidden, int heads, float* ctx,
                               float* scratch) {
  const int hd = hidden / heads;
  const long stride = 3L * hidden;
  float* kt = scratch;                                    // hd x seq_len: keys of one head
  float* scores = scratch + static_cast<long>(hd) * seq_len;  // seq_len
  for (int h = 0; h < heads; ++h) {
    for (int j = 0; j < seq_len; ++j) {
      const float* k = qkv + j * stride + hidden + h * hd;
      for (int d = 0; d < hd; ++d) kt[static_cast<long>(d) * seq_len + j] = k[d];
    }
    for (int i = 0; i < seq_len; ++i) {
      const float* q = qkv + i * stride + h * hd;
      for (int j = 0; j < seq_len; ++j) scores[j] = 0.f;
      for (int d = 0; d < hd; ++d) {
        const float qd = q[d];
        const float* krow = kt + static_cast<long>(d) * seq_len;
        for (int j = 0; j < seq_len; ++j) scores[j] += qd * krow[j];
      }
      float max = scores[0];
      for (int j = 1; j < seq_len; ++j) max = scores[j] > max ? scores[j] : max;
      float sum = 0.f;
      for (int j = 0; j < seq_len; ++j) {
        scores[j] = ExpNonPositive(scores[j] - max);
        sum += scores[j];
      }
      const float inv = 1.0f / sum;
      float* out = ctx + static_cast<long>(i) * hidden + h * hd;
      for (int d = 0; d < hd; ++d) out[d] = 0.f;
      for (int j = 0; j < seq_len; ++j) {
        const float p = scores[j] * inv;
        const float* v = qkv + j * stride + 2 * hidden + h * hd;
        for (int d = 0; d < hd; ++d) out[d] += p * v[d];
      }
    }
  }
}

// gelu(x) = 0.5 x (1 + erf(x / sqrt 2)), erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7),
// branch-free so it vectorises.
KERNEL_BODY void GeluErfBody(float* x, long n) {
  for (long i = 0; i < n; ++i) {
    const float z = x[i] * 0.70710678118654752f;
    const float a = z < 0.f ? -z : z;
    const float t = 1.0f / (1.0f + 0.3275911f * a);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    const float erf_abs = 1.0f - p * t * ExpNonPositive(-a * a);
    const float erf = z < 0.f ? -erf_abs : erf_abs;
    x[i] = 0.5f * x[i] * (1.0f + erf);
  }
}

// Tiled attention for head_dim 32 (MiniLM): a tile of kRows query rows against kCols keys
// keeps its scores in registers across the 32-long dot products, and P*V keeps kRows output
// rows in registers across the keys, so each loaded key/value row is used kRows times.
constexpr int kHd = 32, kRows = 4, kCols = 16;

KERNEL_BODY int PaddedLen(int n) { return (n + kCols - 1) / kCols * kCols; }

// 16 floats as one value: one zmm on AVX-512, two ymm on AVX2, four xmm on baseline.
typedef float V16 __attribute__((vector_size(64)));
static_assert(kCols == 16);

KERNEL_BODY V16 LoadV16(const float* p) {
  V16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
KERNEL_BODY void StoreV16(float* p, V16 v) { std::memcpy(p, &v, sizeof(v)); }

// Row of np = PaddedLen(n) scores -> softmax probabilities over the first n (rest set to 0).
// Lane-wise partial max/sum keep the reductions vectorised.
KERNEL_BODY void SoftmaxPadded(float* row, int n, int np) {
  for (int j = n; j < np; ++j) row[j] = -1e30f;
  V16 vmax = LoadV16(row);
  for (int j = kCols; j < np; j += kCols) {
    const V16 x = LoadV16(row + j);
    vmax = x > vmax ? x : vmax;
  }
  float max = vmax[0];
  for (int t = 1; t < kCols; ++t) max = vmax[t] > max ? vmax[t] : max;
  V16 vsum = {};
  for (int j = 0; j < np; j += kCols) {
    V16 x = LoadV16(row + j);
    for (int t = 0; t < kCols; ++t) x[t] = ExpNonPositive(x[t] - max);
    StoreV16(row + j, x);
    vsum += x;
  }
  for (int j = n; j < np; ++j) vsum[j - (np - kCols)] -= row[j];
  float sum = 0.f;
  for (int t = 0; t < kCols; ++t) sum += vsum[t];
  const float inv = 1.0f / sum;
  for (int j = 0; j < np; ++j) row[j] = j < n ? row[j] * inv : 0.f;
}

KERNEL_BODY void Attention32Body(const float* qkv, int n, int hidden, int heads, float* ctx,
                                 float* scratch) {
  const long stride = 3L * hidden;
  const int np = PaddedLen(n);
  float* kt = scratch;                        // kHd x np, keys of one head, zero-padded
  float* sc = scratch + static_cast<long>(kHd) * np;  // kRows x np scores / probabilities
  for (int h = 0; h < heads; ++h) {
    const float* qh = qkv + h * kHd;
    const float* kh = qkv + hidden + h * kHd;
    const float* vh = qkv + 2 * hidden + h * kHd;
    for (int d = 0; d < kHd; ++d) {
      float* row = kt + static_cast<long>(d) * np;
      for (int j = 0; j < n; ++j) row[j] = kh[j * stride + d];
      for (int j = n; j < np; ++j) row[j] = 0.f;
    }
    for (int i0 = 0; i0 < n; i0 += kRows) {
      const int rows = n - i0 < kRows ? n - i0 : kRows;
      const float* q[kRows];
      for (int r = 0; r < kRows; ++r) q[r] = qh + (i0 + (r < rows ? r : rows - 1)) * stride;
      for (int jb = 0; jb < np; jb += kCols) {
        // Four score vectors stay in registers across the 32-long dot products.
        V16 a0 = {}, a1 = {}, a2 = {}, a3 = {};
        for (int d = 0; d < kHd; ++d) {
          const V16 k = LoadV16(kt + static_cast<long>(d) * np + jb);
          a0 += q[0][d] * k;
          a1 += q[1][d] * k;
          a2 += q[2][d] * k;
          a3 += q[3][d] * k;
        }
        StoreV16(sc + 0 * np + jb, a0);
        StoreV16(sc + 1 * np + jb, a1);
        StoreV16(sc + 2 * np + jb, a2);
        StoreV16(sc + 3 * np + jb, a3);
      }
      for (int r = 0; r < kRows; ++r) SoftmaxPadded(sc + r * np, n, np);
      float out[kRows][kHd] = {};
      for (int j = 0; j < n; ++j) {
        const float* v = vh + j * stride;
        for (int r = 0; r < kRows; ++r) {
          const float p = sc[r * np + j];
          for (int t = 0; t < kHd; ++t) out[r][t] += p * v[t];
        }
      }
      for (int r = 0; r < rows; ++r) {
        float* o = ctx + static_cast<long>(i0 + r) * hidden + h * kHd;
        for (int t = 0; t < kHd; ++t) o[t] = out[r][t];
      }
    }
  }
}

KERNEL_BODY void MeanPoolNormalizeBody(const float* x, int rows, int dim, float* out) {
  for (int i = 0; i < dim; ++i) out[i] = 0.f;
  for (int r = 0; r < rows; ++r) {
    const float* row = x + static_cast<long>(r) * dim;
    for (int i = 0; i < dim; ++i) out[i] += row[i];
  }
  float norm2 = 0.f;
  for (int i = 0; i < dim; ++i) {
    out[i] /= static_cast<float>(rows);
    norm2 += out[i] * out[i];
  }
  // sentence-transformers' Normalize: x / max(||x||, 1e-12).
  const float norm = std::sqrt(norm2);
  const float inv = 1.0f / (norm > 1e-12f ? norm : 1e-12f);
  for (int i = 0; i < dim; ++i) out[i] *= inv;
}

TARGET_AVX512 void LayerNormAvx512(float* x, int r, int d, const float* g, const float* b,
                                   float e) {
  LayerNormBody(x, r, d, g, b, e);
}
TARGET_AVX2 void LayerNormAvx2(float* x, int r, int d, const float* g, const float* b, float e) {
  LayerNormBody(x, r, d, g, b, e);
}
void LayerNormBase(float* x, int r, int d, const float* g, const float* b, float e) {
  LayerNormBody(x, r, d, g, b, e);
}
TARGET_AVX512 void GeluAvx512(float* x, long n) { GeluErfBody(x, n); }
TARGET_AVX2 void GeluAvx2(float* x, long n) { GeluErfBody(x, n); }
void GeluBase(float* x, long n) { GeluErfBody(x, n); }
TARGET_AVX512 void AttentionAvx512(const float* qkv, int n, int h, int nh, float* c, float* s) {
  if (h == nh * kHd) return Attention32Body(qkv, n, h, nh, c, s);
  AttentionBody(qkv, n, h, nh, c, s);
}
TARGET_AVX2 void AttentionAvx2(const float* qkv, int n, int h, int nh, float* c, float* s) {
  if (h == nh * kHd) return Attention32Body(qkv, n, h, nh, c, s);
  AttentionBody(qkv, n, h, nh, c, s);
}
void AttentionBase(const float* qkv, int n, int h, int nh, float* c, float* s) {
  if (h == nh * kHd) return Attention32Body(qkv, n, h, nh, c, s);
  AttentionBody(qkv, n, h, nh, c, s);
}

}  // namespace

const char* KernelIsa() {
  switch (kIsa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    default:
      return "baseline";
  }
}

void LayerNorm(float* x, int rows, int dim, const float* gamma, const float* beta, float eps) {
  switch (kIsa) {
    case Isa::kAvx512:
      return LayerNormAvx512(x, rows, dim, gamma, beta, eps);
    case Isa::kAvx2:
      return LayerNormAvx2(x, rows, dim, gamma, beta, eps);
    default:
      return LayerNormBase(x, rows, dim, gamma, beta, eps);
  }
}

void Attention(const float* qkv, int seq_len, int hidden, int heads, float* ctx, float* scratch) {
  switch (kIsa) {
    case Isa::kAvx512:
      return AttentionAvx512(qkv, seq_len, hidden, heads, ctx, scratch);
    case Isa::kAvx2:
      return AttentionAvx2(qkv, seq_len, hidden, heads, ctx, scratch);
    default:
      return AttentionBase(qkv, seq_len, hidden, heads, ctx, scratch);
  }
}

int AttentionScratchFloats(int seq_len, int head_dim) {
  const int generic = (head_dim + 1) * seq_len;
  const int tiled = (kHd + kRows) * PaddedLen(seq_len);
  return generic > tiled ? generic : tiled;
}

void GeluErf(float* x, long n) {
  switch (kIsa) {
    case Isa::kAvx512:
      return GeluAvx512(x, n);
    case Isa::kAvx2:
      return GeluAvx2(x, n);
    default:
      return GeluBase(x, n);
  }
}

void MeanPoolNormalize(const float* x, int rows, int dim, float* out) {
  MeanPoolNormalizeBody(x, rows, dim, out);
}

}  // namespace isartor::embed::kernels
