#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <string>
#include <vector>

#include "embed/gemm.h"

namespace isartor::embed {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Dt = memory::data_type;

class OneDnnLinear : public Linear {
 public:
  OneDnnLinear(const dnnl::engine& engine, dnnl::matmul::primitive_desc pd, memory weights,
               memory bias, int in, int out)
      : engine_(engine), pd_(std::move(pd)), primitive_(pd_), weights_(std::move(weights)),
        bias_(std::move(bias)), in_(in), out_(out) {}

  Status Run(const float* x, int rows, float* y) const override {
    try {
      // oneDNN's OpenMP runtime would otherwise start a team per call; the Embedder's workers
      // are the parallelism, so each product runs in the caller's thread.
      omp_set_num_threads(1);
      dnnl::stream stream(engine_);
      memory src({{rows, in_}, Dt::f32, Tag::ab}, engine_, const_cast<float*>(x));
      memory dst({{rows, out_}, Dt::f32, Tag::ab}, engine_, y);
      // User-managed scratchpad: concurrent calls must not share the library's buffer.
      thread_local std::vector<char> scratch;
      const size_t need = pd_.scratchpad_desc().get_size();
      if (scratch.size() < need) scratch.resize(need);
      memory pad(pd_.scratchpad_desc(), engine_, scratch.data());
      primitive_.execute(stream, {{DNNL_ARG_SRC, src},
                                  {DNNL_ARG_WEIGHTS, weights_},
                                  {DNNL_ARG_BIAS, bias_},
                                  {DNNL_ARG_DST, dst},
                                  {DNNL_ARG_SCRATCHPAD, pad}});
      stream.wait();
      return Status::Ok();
    } catch (const dnnl::error& e) {
      return MakeError(ErrorCode::kInternal, std::string("oneDNN matmul failed: ") + e.what());
    }
  }

 private:
  dnnl::engine engine_;
  dnnl::matmul::primitive_desc pd_;
  dnnl::matmul primitive_;
  memory weights_, bias_;
  int in_, out_;
};

class OneDnnBackend : public GemmBackend {
 public:
  OneDnnBackend() : engine_(dnnl::engine::kind::cpu, 0) {}
  std::string_view name() const override { return "onednn"; }

  Result<std::unique_ptr<Linear>> MakeLinear(const float* w, const float* b, int in, int out,
                                             Epilogue epilogue) override {
    try {
      // oneDNN sizes its parallel work when the primitive is created: created with the
      // default thread count it would wake an OpenMP team on every call.
      omp_set_num_threads(1);
      // Rows are a run-time dimension so one primitive serves every batch size.
      memory::desc src({DNNL_RUNTIME_DIM_VAL, in}, Dt::f32, Tag::ab);
      memory::desc dst({DNNL_RUNTIME_DIM_VAL, out}, Dt::f32, Tag::ab);
      memory::desc weights_any({in, out}, Dt::f32, Tag::any);
      memory::desc bias_md({1, out}, Dt::f32, Tag::ab);
      dnnl::post_ops ops;
      if (epilogue == Epilogue::kBiasGeluErf) {
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_gelu_erf, 0.f, 0.f);
      } else if (epilogue == Epilogue::kBiasAccumulate) {
        ops.append_sum(1.f);
      }
      dnnl::primitive_attr attr;
      attr.set_post_ops(ops);
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, weights_any, bias_md, dst), attr,
                                      engine_);
      // PyTorch's [out x in] row-major is the [in x out] matrix W^T with strides {1, in}.
      memory user_w({{in, out}, Dt::f32, memory::dims{1, in}}, engine_, const_cast<float*>(w));
      memory weights(pd.weights_desc(), engine_);
      dnnl::stream stream(engine_);
      dnnl::reorder(user_w, weights).execute(stream, user_w, weights);
      memory bias(bias_md, engine_);
      std::copy(b, b + out, static_cast<float*>(bias.get_data_handle()));
      stream.wait();
      return std::unique_ptr<Linear>(std::make_unique<OneDnnLinear>(
          engine_, std::move(pd), std::move(weights), std::move(bias), in, out));
    } catch (const dnnl::error& e) {
      return MakeError(ErrorCode::kInternal, std::string("oneDNN refused a ") +
                                                 std::to_string(in) + "x" + std::to_string(out) +
                                                 " matmul: " + e.what());
    }
  }

 private:
  dnnl::engine engine_;
};

}  // namespace

Result<std::unique_ptr<GemmBackend>> MakeOneDnnBackend() {
  try {
    return std::unique_ptr<GemmBackend>(std::make_unique<OneDnnBackend>());
  } catch (const dnnl::error& e) {
    return MakeError(ErrorCode::kInternal, std::string("oneDNN CPU engine: ") + e.what());
  }
}

}  // namespace isartor::embed
