#pragma once

// The default handler of our dynamically typed actors: a message nobody handles is
// logged and answered with an error, never dropped in silence.

#include <caf/message_view.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>
#include <spdlog/spdlog.h>

namespace parley {

inline auto log_unexpected(spdlog::logger* log, const char* actor_name) {
  return [log, actor_name](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
    SPDLOG_LOGGER_WARN(log, "event=unexpected_message actor={} msg={}", actor_name,
                       to_string(x.content()));
    return caf::sec::unexpected_message;
  };
}

} // namespace parley
