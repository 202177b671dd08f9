// The HTTP/1.1 request head (and body framing) as the server reads it: Beast's parser with our
// limits (http/request_limits.h), fed in chunks the way a socket delivers them, with pipelined
// requests read one after the other from one buffer.
// Properties: no accepted head is larger than kMaxRequestHeadBytes; no accepted body is larger
// than the body limit; the fields the server and the handler read are all readable.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <cstring>

#include "fuzz_util.h"
#include "http/request_limits.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace isartor;
using isartor::fuzz::Input;

namespace {

// A SyncReadStream over the fuzz input that returns at most `step` bytes per read.
class ChunkStream {
 public:
  ChunkStream(std::string_view bytes, size_t step) : bytes_(bytes), step_(step) {}
  using executor_type = asio::any_io_executor;

  template <class Buffers>
  size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    if (pos_ >= bytes_.size()) {
      ec = http::error::end_of_stream;
      return 0;
    }
    size_t n = std::min(step_, bytes_.size() - pos_);
    n = asio::buffer_copy(buffers, asio::buffer(bytes_.data() + pos_, n));
    pos_ += n;
    ec = {};
    return n;
  }
  template <class Buffers>
  size_t read_some(const Buffers& buffers) {
    boost::system::error_code ec;
    return read_some(buffers, ec);
  }
  size_t consumed() const { return pos_; }

 private:
  std::string_view bytes_;
  size_t step_;
  size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  const size_t step = 1 + in.Byte() * 7;
  constexpr size_t kBodyLimit = 4096;
  ChunkStream stream(in.Rest(), step);
  beast::flat_buffer buffer;
  for (int message = 0; message < 32; ++message) {
    RequestParser parser;
    ApplyRequestLimits(parser, kBodyLimit);
    const size_t start = stream.consumed() - buffer.size();
    boost::system::error_code ec;
    http::read_header(stream, buffer, parser, ec);
    if (ec) break;
    const size_t head = stream.consumed() - buffer.size() - start;
    FUZZ_CHECK(head <= kMaxRequestHeadBytes);
    const auto& req = parser.get();
    (void)req.method();
    std::string target(req.target());
    (void)target.substr(0, target.find('?'));
    for (const auto& field : req) {
      (void)field.name_string().size();
      (void)field.value().size();
    }
    (void)req.keep_alive();
    (void)beast::iequals(req[http::field::expect], "100-continue");
    (void)req[http::field::authorization].size();
    auto length = parser.content_length();
    if (length && *length > kBodyLimit) break;  // the server answers 413 here
    http::read(stream, buffer, parser, ec);
    if (ec) break;
    const auto request = parser.release();
    FUZZ_CHECK(request.body().size() <= kBodyLimit);
    if (!request.keep_alive()) break;
  }
  return 0;
}
