#include "release/release_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "audit/ed25519.h"
#include "release/bundle_files.h"
#include "release/bundle_verify.h"

namespace isartor::release {

namespace {

Status WriteKeyFile(const std::string& path, const std::string& data, mode_t mode,
                    bool overwrite) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create " + path + ": " + std::strerror(errno));
  }
  ::fchmod(fd, mode);  // an existing file or the umask must not widen access to the key
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
    std::cerr << "release keygen: cannot create " << out_dir << ": " << ec.message() << "\n";
    return 1;
  }
  auto signer = audit::Ed25519Signer::Generate();
  if (!signer.ok()) {
    std::cerr << "release keygen: " << signer.error().message << "\n";
    return 1;
  }
  auto priv = (*signer)->PrivateKeyPem();
  auto pub = (*signer)->PublicKeyPem();
  if (!priv.ok() || !pub.ok()) {
    std::cerr << "release keygen: cannot encode the key pair\n";
    return 1;
  }
  const auto dir = std::filesystem::path(out_dir);
  const std::string priv_path = (dir / "release_ed25519.pem").string();
  const std::string pub_path = (dir / "release_ed25519.pub.pem").string();
  for (const auto& [path, data, mode] :
       {std::tuple{priv_path, *priv, mode_t{0600}}, std::tuple{pub_path, *pub, mode_t{0644}}}) {
    if (Status s = WriteKeyFile(path, data, mode, force); !s.ok()) {
      std::cerr << "release keygen: " << s.error().message
                << (force ? "" : " (use --force to overwrite)") << "\n";
      return 1;
    }
  }
  std::cout << "wrote " << priv_path << " (private, 0600) and " << pub_path << " (key id "
            << (*signer)->KeyId() << ")\n";
  return 0;
}

int RunSign(const std::string& dir, const std::string& key_path) {
  auto signer = audit::Ed25519Signer::FromPemFile(key_path);
  if (!signer.ok()) {
    std::cerr << "release sign: signing key: " << signer.error().message << "\n";
    return 1;
  }
  auto n = SignBundleDir(dir, **signer);
  if (!n.ok()) {
    std::cerr << "release sign: " << n.error().message << "\n";
    return 1;
  }
  std::cout << "signed " << *n << " files in " << dir << " with key " << (*signer)->KeyId()
            << "\n";
  return 0;
}

int RunVerify(const std::string& path, const std::string& key_path) {
  auto key = audit::Ed25519Verifier::FromPemFile(key_path);
  if (!key.ok()) {
    std::cerr << "release verify: public key: " << key.error().message << "\n";
    return kReleaseVerifyCannotRun;
  }
  auto bundle = ReadBundle(path);
  if (!bundle.ok()) {
    if (bundle.error().code == ErrorCode::kNotFound) {
      std::cerr << "release verify: " << bundle.error().message << "\n";
      return kReleaseVerifyCannotRun;
    }
    std::cout << "  " << bundle.error().message << "\nFAILED: the bundle cannot be read; do not "
              << "install it\n";
    return kReleaseVerifyFailed;
  }
  const BundleReport report = VerifyBundle(*bundle, **key);
  std::cout << report.Summary() << "\n";
  return report.ok() ? kReleaseVerifyOk : kReleaseVerifyFailed;
}

}  // namespace

void AddReleaseCommand(CLI::App& app) {
  CLI::App* release =
      app.add_subcommand("release", "Release bundles: signing key, signing, verification");
  release->require_subcommand(1);

  struct KeygenArgs {
    std::string out;
    bool force = false;
  };
  auto keygen_args = std::make_shared<KeygenArgs>();
  CLI::App* keygen = release->add_subcommand("keygen", "Write an Ed25519 release signing key");
  keygen->add_option("--out", keygen_args->out, "Directory for the key files")->required();
  keygen->add_flag("--force", keygen_args->force, "Overwrite existing key files");
  keygen->callback([keygen_args] {
    if (const int code = RunKeygen(keygen_args->out, keygen_args->force); code != 0) {
      throw CLI::RuntimeError(code);
    }
  });

  struct SignArgs {
    std::string dir, key;
  };
  auto sign_args = std::make_shared<SignArgs>();
  CLI::App* sign = release->add_subcommand(
      "sign", "Write SHA256SUMS over a bundle folder and its Ed25519 signature SHA256SUMS.sig");
  sign->add_option("dir", sign_args->dir, "The bundle folder")->required();
  sign->add_option("--signing-key", sign_args->key, "PEM Ed25519 private key")->required();
  sign->callback([sign_args] {
    if (const int code = RunSign(sign_args->dir, sign_args->key); code != 0) {
      throw CLI::RuntimeError(code);
    }
  });

  struct VerifyArgs {
    std::string path, key;
  };
  auto verify_args = std::make_shared<VerifyArgs>();
  CLI::App* verify = release->add_subcommand(
      "verify", "Check the signature over SHA256SUMS and every file of a bundle");
  verify->add_option("bundle", verify_args->path, "Unpacked bundle folder or the .tar.gz")
      ->required();
  verify->add_option("--public-key", verify_args->key, "PEM Ed25519 public key")->required();
  verify->callback([verify_args] {
    if (const int code = RunVerify(verify_args->path, verify_args->key); code != 0) {
      throw CLI::RuntimeError(code);
    }
  });
}

}  // namespace isartor::release
