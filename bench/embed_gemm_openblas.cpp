#include <cblas.h>

#include <vector>

#include "embed/kernels.h"
#include "embed_gemm_backends.h"

extern "C" void openblas_set_num_threads(int);

namespace isartor::embed::bench {
namespace {

class BlasLinear : public Linear {
 public:
  BlasLinear(const float* w, const float* b, int in, int out, Epilogue e)
      : w_(w, w + static_cast<long>(in) * out), b_(b, b + out), in_(in), out_(out), e_(e) {}
  Status Run(const float* x, int rows, float* y) const override {
    // y = b (+ y), then y += x W^T: the bias rides in through beta = 1.
    for (int r = 0; r < rows; ++r) {
      float* row = y + static_cast<long>(r) * out_;
      if (e_ == Epilogue::kBiasAccumulate) {
        for (int i = 0; i < out_; ++i) row[i] += b_[i];
      } else {
        for (int i = 0; i < out_; ++i) row[i] = b_[i];
      }
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, out_, in_, 1.f, x, in_, w_.data(),
                in_, 1.f, y, out_);
    if (e_ == Epilogue::kBiasGeluErf) kernels::GeluErf(y, static_cast<long>(rows) * out_);
    return Status::Ok();
  }

 private:
  std::vector<float> w_, b_;
  int in_, out_;
  Epilogue e_;
};

class OpenBlasBackend : public GemmBackend {
 public:
  OpenBlasBackend() { openblas_set_num_threads(1); }
  std::string_view name() const override { return "openblas"; }
  Result<std::unique_ptr<Linear>> MakeLinear(const float* w, const float* b, int in, int out,
                                             Epilogue e) override {
    return std::unique_ptr<Linear>(std::make_unique<BlasLinear>(w, b, in, out, e));
  }
};

}  // namespace

std::unique_ptr<GemmBackend> MakeOpenBlasBackend() { return std::make_unique<OpenBlasBackend>(); }

}  // namespace isartor::embed::bench
