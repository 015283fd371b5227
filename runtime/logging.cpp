#include "runtime/logging.hpp"

#include <cstdlib>
#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>

namespace parley::logs {

namespace {

constexpr const char* subsystem_names[]
  = {"node",    "net",     "session", "mailbox", "directory", "store",
     "cluster", "supervisor", "group", "media", "push"};

spdlog::logger* get(const char* name) {
  setup();
  return spdlog::get(name).get();
}

} // namespace

void setup() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto level = spdlog::level::info;
    if (const char* env = std::getenv("PARLEY_LOG"))
      level = spdlog::level::from_str(env);
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    for (const char* name : subsystem_names) {
      auto logger = std::make_shared<spdlog::logger>(name, sink);
      logger->set_level(level);
      logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %L %n %v");
      logger->flush_on(spdlog::level::warn);
      spdlog::register_logger(logger);
    }
  });
}

// Each accessor caches its pointer: a registry lookup takes a mutex.
#define PARLEY_SUBSYSTEM_LOGGER(name)   \
  spdlog::logger* name() {              \
    static auto* logger = get(#name);   \
    return logger;                      \
  }

PARLEY_SUBSYSTEM_LOGGER(node)
PARLEY_SUBSYSTEM_LOGGER(net)
PARLEY_SUBSYSTEM_LOGGER(session)
PARLEY_SUBSYSTEM_LOGGER(mailbox)
PARLEY_SUBSYSTEM_LOGGER(directory)
PARLEY_SUBSYSTEM_LOGGER(store)
PARLEY_SUBSYSTEM_LOGGER(cluster)
PARLEY_SUBSYSTEM_LOGGER(supervisor)
PARLEY_SUBSYSTEM_LOGGER(group)
PARLEY_SUBSYSTEM_LOGGER(media)
PARLEY_SUBSYSTEM_LOGGER(push)

#undef PARLEY_SUBSYSTEM_LOGGER

} // namespace parley::logs
