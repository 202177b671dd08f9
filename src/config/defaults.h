// Defaults that a component's own Options share with the config table: one source for each
// value. Config's members (config.h) start from these, the table's default text is checked
// against the members (tests/unit/config/config_test.cpp), and the Options structs of the
// caches start from these too, so a component built without a Config behaves like the
// gateway's default.
#pragma once

#include <cstddef>

namespace isartor::defaults {

inline constexpr std::size_t kCacheMaxCapacity = 10000;
inline constexpr std::size_t kCacheMaxBytes = std::size_t{256} << 20;
inline constexpr int kCacheTtlSecs = 300;
inline constexpr double kSimilarityThreshold = 0.80;  // L1b recall; chosen from bench/results/semantic_cache.md
inline constexpr std::size_t kSemanticEfSearch = 32;  // ditto
inline constexpr double kSemanticVerifierThreshold = 0.70;  // ditto

}  // namespace isartor::defaults
