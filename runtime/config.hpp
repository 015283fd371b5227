#pragma once

// Node configuration: the flags of PROTOCOL.md section 1, parsed once at start into plain
// structs. Each subsystem receives only its own struct.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace parley {

struct endpoint {
  std::string host;
  uint16_t port = 0;

  std::string to_string() const;
  friend bool operator==(const endpoint& a, const endpoint& b) {
    return a.host == b.host && a.port == b.port;
  }
};

/// Parses "HOST:PORT" (port 0..65535). Returns nothing on any malformed input.
std::optional<endpoint> parse_endpoint(const std::string& text);

/// An http:// or https:// URL, split for a client that connects to it.
struct http_url {
  bool tls = false;     // https
  std::string host;     // a name or an IP address (IPv6 without brackets)
  uint16_t port = 80;   // 80 or 443 unless given
  std::string target;   // path and query, "/" when absent

  std::string to_string() const;
};

/// Parses "http[s]://HOST[:PORT][/PATH]". No user info, no fragment, port 1..65535.
std::optional<http_url> parse_http_url(const std::string& text);

enum class sync_mode { normal, full };

struct store_settings {
  std::filesystem::path database;  // DATA/parley.db
  sync_mode sync = sync_mode::normal;
  // Under steady writes the background checkpoint never catches up with the last
  // commit, and SQLite starts the WAL over only once one has: the WAL grew by tens of
  // MB a second. Past this many frames (about 134 MB, 7 s at 5,000 msg/s) the store
  // copies what the background left itself, and the next commit starts the WAL over.
  // That holds commits (1-2 ms, docs/benchmarks.md "Session 10"), so it comes rarely,
  // and only right after a background pass that ended with the database file synced
  // (at most one a second), which leaves the least to copy and sync. Past twice as many
  // (the background is stuck, or its syncs failed), it does not wait.
  int wal_restart_frames = 131072;
};

struct cluster_settings {
  std::string node_id;
  endpoint listen{"127.0.0.1", 7090};
  std::vector<endpoint> seeds;
  unsigned replicas = 2;
  std::optional<std::filesystem::path> tls_dir;
};

struct node_settings {
  std::string id;
  std::filesystem::path data_dir;
  endpoint client{"127.0.0.1", 7070};
  endpoint admin{"127.0.0.1", 7080};
  cluster_settings cluster;
  store_settings store;
  std::optional<std::filesystem::path> secret_file;
  std::optional<http_url> push_webhook;
  bool fault_injection = false;
  /// A WebSocket client silent this long is closed (pinged at half of it).
  std::chrono::seconds client_idle_timeout{60};
};

struct flag_result {
  std::optional<node_settings> settings;
  std::string error;  // one line for stderr when settings is empty
  bool help = false;  // --help was asked for
};

/// Parses and validates the command line (without argv[0]). Checks syntax only;
/// the data directory is checked by `prepare_data_dir`.
flag_result parse_node_flags(const std::vector<std::string>& args);

/// Creates the data directory if needed and checks that it is writable.
/// Returns an error line, or an empty string when the directory is usable.
std::string prepare_data_dir(const std::filesystem::path& dir);

/// The usage text printed by --help.
const char* node_usage();

/// True for a user or node id matching ^[a-z0-9_.-]{1,32}$.
bool is_valid_id(const std::string& id);

/// True for a group id matching ^g-[a-z0-9]{1,32}$ (nodes make "g-" and 16 hex digits).
bool is_valid_group_id(const std::string& gid);

} // namespace parley
