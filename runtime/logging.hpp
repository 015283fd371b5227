#pragma once

// One named spdlog logger per subsystem. Lines start with a stable event name followed
// by key=value fields: SPDLOG_LOGGER_INFO(logs::net(), "event=listening client={}", ep);

#include <spdlog/spdlog.h>

namespace parley::logs {

/// Creates the subsystem loggers writing to stderr. The level comes from the
/// environment variable PARLEY_LOG (trace, debug, info, warn, error, off; default info).
/// Safe to call more than once.
void setup();

spdlog::logger* node();
spdlog::logger* net();
spdlog::logger* session();
spdlog::logger* mailbox();
spdlog::logger* directory();
spdlog::logger* store();
spdlog::logger* cluster();
spdlog::logger* supervisor();
spdlog::logger* group();
spdlog::logger* media();
spdlog::logger* push();

} // namespace parley::logs
