#include <Eigen/Core>

#include "embed/kernels.h"
#include "embed_gemm_backends.h"

namespace isartor::embed::bench {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class EigenLinear : public Linear {
 public:
  EigenLinear(const float* w, const float* b, int in, int out, Epilogue e)
      : wt_(Eigen::Map<const RowMajor>(w, out, in).transpose()),
        b_(Eigen::Map<const Eigen::RowVectorXf>(b, out)), e_(e) {}
  Status Run(const float* x, int rows, float* y) const override {
    Eigen::Map<const RowMajor> xm(x, rows, wt_.rows());
    Eigen::Map<RowMajor> ym(y, rows, wt_.cols());
    if (e_ == Epilogue::kBiasAccumulate) {
      ym.noalias() += xm * wt_;
    } else {
      ym.noalias() = xm * wt_;
    }
    ym.rowwise() += b_;
    if (e_ == Epilogue::kBiasGeluErf) kernels::GeluErf(y, static_cast<long>(rows) * wt_.cols());
    return Status::Ok();
  }

 private:
  RowMajor wt_;  // in x out
  Eigen::RowVectorXf b_;
  Epilogue e_;
};

class EigenBackend : public GemmBackend {
 public:
  std::string_view name() const override {
#ifdef __AVX2__
    return "eigen-x86-64-v3";
#else
    return "eigen-baseline";
#endif
  }
  Result<std::unique_ptr<Linear>> MakeLinear(const float* w, const float* b, int in, int out,
                                             Epilogue e) override {
    return std::unique_ptr<Linear>(std::make_unique<EigenLinear>(w, b, in, out, e));
  }
};

}  // namespace

std::unique_ptr<GemmBackend> MakeEigenBackend() { return std::make_unique<EigenBackend>(); }

}  // namespace isartor::embed::bench
