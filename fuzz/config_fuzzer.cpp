// The config loader: a TOML file plus ISARTOR__* environment variables.
// Input: TOML text, then a line "%%", then environment lines NAME=VALUE (the ISARTOR__ prefix is
// added). Properties: every failure says why; a config that loads renders, and the rendered
// KEY=value lines load again into the same rendering (the effective config is a fixed point).
#include <unistd.h>

#include <fstream>
#include <map>
#include <string>

#include "config/config.h"
#include "fuzz_util.h"

using namespace isartor;

namespace {

std::map<std::string, std::string> ParseEnvLines(std::string_view text, bool add_prefix) {
  std::map<std::string, std::string> env;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string name(line.substr(0, eq));
    if (add_prefix) name = "ISARTOR__" + name;
    env[name] = std::string(line.substr(eq + 1));
  }
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path =
      "/dev/shm/isartor-config-fuzz-" + std::to_string(getpid()) + ".toml";
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find("\n%%\n");
  const std::string_view toml = input.substr(0, split);
  const std::string_view env_text =
      split == std::string_view::npos ? std::string_view() : input.substr(split + 4);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(toml.data(), static_cast<std::streamsize>(toml.size()));
  }
  ConfigSources sources;
  sources.toml_path = path;
  sources.env = ParseEnvLines(env_text, /*add_prefix=*/true);
  auto config = LoadConfig(sources);
  if (!config.ok()) {
    FUZZ_CHECK(!config.error().message.empty());
    return 0;
  }
  const std::string rendered = RenderEffectiveConfig(*config);
  (void)config->EffectiveL3Url();
  (void)config->ResolveModel("some-model");

  ConfigSources again;
  again.env = ParseEnvLines(rendered, /*add_prefix=*/false);
  auto reloaded = LoadConfig(again);
  if (!reloaded.ok()) {
    std::fprintf(stderr, "rendered config does not load again:\n%s\n%s\n", rendered.c_str(),
                 reloaded.error().message.c_str());
  }
  FUZZ_CHECK(reloaded.ok());
  FUZZ_CHECK(RenderEffectiveConfig(*reloaded) == rendered);
  return 0;
}
