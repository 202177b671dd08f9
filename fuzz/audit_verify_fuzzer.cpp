// Audit-log verification of arbitrary bytes: the log, optionally split into a rotated file and
// the active file at the first line "--", checked against a fixed test key (the seeds are
// real logs signed with it: fuzz/make_seeds.cpp). Also the writer's reader of an existing
// log's tail (ReadChainTail), which a restart runs on whatever is on disk.
// Properties: a readable file and key always give a report, never an Error; a clean chain
// accounts for every seq it spans; the writer's tail agrees with the verifier on where a clean
// single-file chain ends.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "audit/audit_verify.h"
#include "audit/log_tail.h"
#include "fuzz_keys.h"
#include "fuzz_util.h"

using namespace isartor;

namespace {

void Write(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    std::string d = "/dev/shm/isartor-audit-fuzz-" + std::to_string(getpid());
    mkdir(d.c_str(), 0700);
    Write(d + "/pub.pem", fuzz::kAuditTestPrivateKeyPem);  // a private PEM verifies too
    return d;
  }();
  const std::string key = dir + "/pub.pem";
  const std::string rotated = dir + "/audit.log.000001";
  const std::string active = dir + "/audit.log";
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find("\n--\n");
  std::vector<std::string> paths;
  if (split == std::string_view::npos) {
    Write(active, input);
    paths = {active};
  } else {
    Write(rotated, input.substr(0, split + 1));
    Write(active, input.substr(split + 4));
    paths = {active, rotated};
  }

  auto report = audit::VerifyAuditLog(paths, key);
  FUZZ_CHECK(report.ok());
  FUZZ_CHECK(!report->Summary().empty());
  const uint64_t lines = report->events + report->checkpoints;
  if (!report->failure && lines > 0) {
    FUZZ_CHECK(report->last_seq - report->first_seq + 1 == lines);
  }
  if (!report->failure) FUZZ_CHECK(report->unsigned_trailing_events <= report->events);

  auto tail = audit::ReadChainTail(active);
  if (paths.size() == 1 && !report->failure && lines > 0 && !report->partial_last_line) {
    FUZZ_CHECK(tail.ok());
    FUZZ_CHECK(!tail->empty && tail->last_seq == report->last_seq);
    if (report->starts_at_genesis) FUZZ_CHECK(tail->event_count == report->events);
  }
  return 0;
}
