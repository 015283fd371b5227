// parley-node: one member of a Parley cluster (PROTOCOL.md section 1).

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "net/auth.hpp"
#include "net/node_server.hpp"
#include "persistence/sqlite_db.hpp"
#include "runtime/config.hpp"
#include "runtime/data_dir_lock.hpp"
#include "runtime/logging.hpp"

namespace {

int usage_error(const std::string& line) {
  std::fprintf(stderr, "parley-node: %s\n", line.c_str());
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  // A peer that went away must not kill the node through a write; errors are handled.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args{argv + 1, argv + argc};
  auto flags = parley::parse_node_flags(args);
  if (flags.help) {
    std::fputs(parley::node_usage(), stdout);
    return 0;
  }
  if (!flags.settings)
    return usage_error(flags.error);
  auto& settings = *flags.settings;
  if (auto err = parley::prepare_data_dir(settings.data_dir); !err.empty())
    return usage_error(err);
  std::string error;
  auto lock = parley::data_dir_lock::take(settings.data_dir, error);
  if (!lock)
    return usage_error(error);
  // The store opens the database again inside the actor system; opening it here first
  // turns an unusable file into exit code 2 instead of a crashing store.
  if (auto db = parley::sqlite_db::open(settings.store.database, settings.store.sync); !db)
    return usage_error("--data: cannot open " + settings.store.database.string());
  std::optional<std::string> secret_file;
  if (settings.secret_file)
    secret_file = settings.secret_file->string();
  auto secret = parley::authority::load_or_create_secret(secret_file,
                                                         settings.data_dir.string(), error);
  if (!secret)
    return usage_error(error);
  parley::logs::setup();
  return parley::run_node(settings, *secret);
}
