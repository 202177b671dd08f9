#include "audit/audit_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "audit/audit_verify.h"
#include "audit/ed25519.h"

namespace isartor::audit {

namespace {

// Writes `data` to a new file with `mode`; O_EXCL unless `overwrite`, so a key is never
// silently replaced.
Status WriteKeyFile(const std::string& path, const std::string& data, mode_t mode,
                    bool overwrite) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    return MakeError(ErrorCode::kUnavailable, "cannot create " + path + ": " +
                                                  std::strerror(errno));
  }
  ::fchmod(fd, mode);  // umask or an existing file must not widen access to the private key
  const ssize_t n = ::write(fd, data.data(), data.size());
  const bool ok = n == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return MakeError(ErrorCode::kUnavailable, "cannot write " + path);
  return Status::Ok();
}

int RunKeygen(const std::string& out_dir, bool force) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    std::cerr << "audit keygen: cannot create " << out_dir << ": " << ec.message() << "\n";
    return 1;
  }
  auto signer = Ed25519Signer::Generate();
  if (!signer.ok()) {
    std::cerr << "audit keygen: " << signer.error().message << "\n";
    return 1;
  }
  auto priv = (*signer)->PrivateKeyPem();
  auto pub = (*signer)->PublicKeyPem();
  if (!priv.ok() || !pub.ok()) {
    std::cerr << "audit keygen: cannot encode the key pair\n";
    return 1;
  }
  const std::string priv_path = (std::filesystem::path(out_dir) / "audit_ed25519.pem").string();
  const std::string pub_path =
      (std::filesystem::path(out_dir) / "audit_ed25519.pub.pem").string();
  for (const auto& [path, data, mode] :
       {std::tuple{priv_path, *priv, mode_t{0600}}, std::tuple{pub_path, *pub, mode_t{0644}}}) {
    Status s = WriteKeyFile(path, data, mode, force);
    if (!s.ok()) {
      std::cerr << "audit keygen: " << s.error().message
                << (force ? "" : " (use --force to overwrite)") << "\n";
      return 1;
    }
  }
  std::cout << "wrote " << priv_path << " (private, 0600) and " << pub_path << " (key id "
            << (*signer)->KeyId() << ")\n";
  return 0;
}

int RunVerify(const std::vector<std::string>& paths, const std::string& public_key,
              bool allow_unsigned_tail) {
  auto report = VerifyAuditLog(paths, public_key);
  if (!report.ok()) {
    std::cerr << "audit verify: " << report.error().message << "\n";
    return kVerifyExitCannotRun;
  }
  std::cout << report->Summary() << "\n";
  if (report->failure) return kVerifyExitTampered;
  if (report->unsigned_trailing_events > 0 && !allow_unsigned_tail) return kVerifyExitUnsignedTail;
  return kVerifyExitOk;
}

}  // namespace

void AddAuditCommand(CLI::App& app) {
  CLI::App* audit = app.add_subcommand("audit", "Signed audit log: key generation, verification");
  audit->require_subcommand(1);

  struct KeygenArgs {
    std::string out;
    bool force = false;
  };
  auto keygen_args = std::make_shared<KeygenArgs>();
  CLI::App* keygen = audit->add_subcommand("keygen", "Write an Ed25519 key pair for signing");
  keygen->add_option("--out", keygen_args->out, "Directory for the key files")->required();
  keygen->add_flag("--force", keygen_args->force, "Overwrite existing key files");
  keygen->callback([keygen_args] {
    const int code = RunKeygen(keygen_args->out, keygen_args->force);
    if (code != 0) throw CLI::RuntimeError(code);
  });

  struct VerifyArgs {
    std::vector<std::string> paths;
    std::string public_key;
    bool allow_unsigned_tail = false;
  };
  auto verify_args = std::make_shared<VerifyArgs>();
  CLI::App* verify = audit->add_subcommand(
      "verify", "Check the hash chain and every checkpoint signature of audit log files");
  verify->add_option("paths", verify_args->paths, "Log files (active and rotated, any order)")
      ->required();
  verify->add_option("--public-key", verify_args->public_key, "PEM Ed25519 public key")
      ->required();
  verify->add_flag("--allow-unsigned-tail", verify_args->allow_unsigned_tail,
                   "Exit 0 when only trailing events after the last checkpoint are unsigned");
  verify->callback([verify_args] {
    const int code =
        RunVerify(verify_args->paths, verify_args->public_key, verify_args->allow_unsigned_tail);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace isartor::audit
