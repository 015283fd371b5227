#pragma once

// The default handler of our dynamically typed actors: a message nobody handles is
// logged, never dropped in silence. A request is answered with an error; a plain message
// is not: CAF sends an error result back as a message of its own, and an actor that
// receives an error it did not ask for stops (its default error handler), so one stray
// message would take its sender down.

#include <caf/mailbox_element.hpp>
#include <caf/message_view.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>
#include <spdlog/spdlog.h>

namespace parley {

inline auto log_unexpected(spdlog::logger* log, const char* actor_name) {
  return [log, actor_name](caf::scheduled_actor* self,
                           caf::message_view& x) -> caf::result<caf::message> {
    SPDLOG_LOGGER_WARN(log, "event=unexpected_message actor={} msg={}", actor_name,
                       to_string(x.content()));
    auto* element = self->current_mailbox_element();
    if (element != nullptr && element->mid.is_request())
      return caf::sec::unexpected_message;
    return caf::message{};  // CAF answers nobody with an empty result
  };
}

} // namespace parley
