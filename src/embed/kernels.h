// Element-wise and attention kernels of the encoder (everything that is not a GEMM).
// Each is compiled for AVX-512, AVX2+FMA and baseline x86-64 and picks one at run time.
// All are pure functions of their arguments: thread-safe.
#pragma once

namespace isartor::embed::kernels {

// Which instruction set the kernels use on this CPU: "avx512", "avx2" or "baseline".
// Chosen once at start from CPUID, capped by ISARTOR_EMBED_MAX_ISA=baseline|avx2 if set.
const char* KernelIsa();

// In place, for each of `rows` rows of `dim` floats: (x - mean) / sqrt(var + eps) * g + b.
void LayerNorm(float* x, int rows, int dim, const float* gamma, const float* beta, float eps);

// Multi-head self-attention of one sequence without padding.
// qkv: seq_len rows of [q | k | v] (3*hidden floats each; q already scaled by 1/sqrt(head_dim)).
// ctx: seq_len rows of hidden floats (written). scratch: at least
// AttentionScratchFloats(seq_len, head_dim) floats.
void Attention(const float* qkv, int seq_len, int hidden, int heads, float* ctx, float* scratch);
int AttentionScratchFloats(int seq_len, int head_dim);

// In place: x = 0.5 x (1 + erf(x / sqrt 2)) (only for GEMM backends without a fused GELU).
void GeluErf(float* x, long n);

// out = mean of `rows` rows of `dim` floats, then scaled to unit L2 norm (left as is if 0).
void MeanPoolNormalize(const float* x, int rows, int dim, float* out);

}  // namespace isartor::embed::kernels
