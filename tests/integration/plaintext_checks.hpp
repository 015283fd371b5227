#pragma once

// Looking for leaked plaintext: texts that no node could make up, and a byte-for-byte
// search of every file under a node's data directory (SQLite files, WAL, media).

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <sodium.h>

#include "net/client_crypto.hpp"

namespace parley::testing {

/// "canary-<what>-<16 random hex digits>": found on disk, it can only be a leaked body.
inline std::string canary(const std::string& what) {
  std::string random(12, '\0');
  randombytes_buf(random.data(), random.size());
  return "canary-" + what + "-" + e2e::sha256_hex(random).substr(0, 16);
}

/// How many files under `dir` hold `needle`, byte for byte.
inline int files_holding(const std::filesystem::path& dir, const std::string& needle) {
  int found = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator{dir}) {
    if (!entry.is_regular_file())
      continue;
    std::ifstream in{entry.path(), std::ios::binary};
    std::string bytes{std::istreambuf_iterator<char>{in}, {}};
    if (bytes.find(needle) != std::string::npos)
      ++found;
  }
  return found;
}

} // namespace parley::testing
