// How a module reads an environment variable without reading the process environment itself:
// only src/config/ does that (config.h: ReadEnvVar), and hands a lookup to the commands that
// need one (connect, license), so tests can give them any environment.
#pragma once

#include <functional>
#include <string>

namespace isartor {

// The value of the variable `name`, or "" when it is unset. Must be thread-safe.
using EnvLookup = std::function<std::string(const std::string& name)>;

}  // namespace isartor
