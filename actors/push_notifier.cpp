#include "actors/push_notifier.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "runtime/logging.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

namespace {

using self_ptr = caf::stateful_actor<push_notifier_state>*;

// Starts POSTs while the queue allows; each outcome comes back as pushed_atom.
void pump(self_ptr self) {
  auto& st = self->state;
  while (auto notice = st.queue.next()) {
    auto user = notice->user;
    st.transport->post(*notice, [home = caf::actor_cast<caf::actor>(self),
                                 user](push_result r) {
      caf::anon_send(home, pushed_atom_v, user, r.ok, std::move(r.detail));
    });
  }
}

void schedule_tick(self_ptr self, std::chrono::milliseconds window) {
  auto& st = self->state;
  if (st.tick_scheduled || st.queue.users() == 0)
    return;
  st.tick_scheduled = true;
  self->delayed_send(self, window, caf::tick_atom_v);
}

void offer(self_ptr self, push_notice& notice, std::chrono::milliseconds window) {
  auto& st = self->state;
  auto user = notice.user;
  switch (st.queue.offer(std::move(notice), self->clock().now())) {
    case push_queue::offer_result::queued:
      SPDLOG_LOGGER_DEBUG(logs::push(), "event=push_queued user={}", user);
      break;
    case push_queue::offer_result::merged:
    case push_queue::offer_result::rate_limited:
      st.metrics->push_rate_limited.inc();
      break;
    case push_queue::offer_result::dropped:
      st.metrics->push_dropped.inc();
      SPDLOG_LOGGER_DEBUG(logs::push(), "event=push_dropped user={} pending={}", user,
                          st.queue.pending());
      break;
  }
  schedule_tick(self, window);
  pump(self);
}

void gateway_state(self_ptr self, bool failing, const std::string& detail) {
  auto& st = self->state;
  if (st.gateway_failing == failing)
    return;
  st.gateway_failing = failing;
  if (failing)
    SPDLOG_LOGGER_WARN(logs::push(), "event=push_gateway_failing detail={}", detail);
  else
    SPDLOG_LOGGER_INFO(logs::push(), "event=push_gateway_ok detail={}", detail);
}

void finished(self_ptr self, const std::string& user, bool ok, const std::string& detail) {
  auto& st = self->state;
  auto out = st.queue.finished(user, ok, self->clock().now());
  if (!out)
    return;
  gateway_state(self, !ok, detail);
  switch (out->what) {
    case push_queue::outcome::sent:
      st.metrics->push_sent.inc();
      SPDLOG_LOGGER_DEBUG(logs::push(), "event=push_sent user={} attempts={}", user,
                          out->attempts);
      break;
    case push_queue::outcome::retry:
      st.metrics->push_retries.inc();
      SPDLOG_LOGGER_DEBUG(logs::push(), "event=push_retry user={} attempts={} in_ms={} "
                          "detail={}", user, out->attempts, out->delay.count(), detail);
      self->delayed_send(self, out->delay, retry_atom_v, user);
      break;
    case push_queue::outcome::failed:
      st.metrics->push_failed.inc();
      SPDLOG_LOGGER_DEBUG(logs::push(), "event=push_failed user={} attempts={} detail={}",
                          user, out->attempts, detail);
      break;
  }
  pump(self);
}

} // namespace

caf::behavior push_notifier(caf::stateful_actor<push_notifier_state>* self,
                            std::shared_ptr<push_transport> transport,
                            push_settings settings, node_metrics* metrics) {
  auto& st = self->state;
  st.transport = std::move(transport);
  st.queue = push_queue{settings};
  st.metrics = metrics;
  self->set_default_handler(log_unexpected(logs::push(), "notifier"));
  auto window = settings.window;
  return {
    [self, window](notify_atom, push_notice& notice) { offer(self, notice, window); },
    [self](pushed_atom, const std::string& user, bool ok, const std::string& detail) {
      finished(self, user, ok, detail);
    },
    [self](retry_atom, const std::string& user) {
      self->state.queue.retry_due(user);
      pump(self);
    },
    [self, window](caf::tick_atom) {
      auto& st = self->state;
      st.tick_scheduled = false;
      st.queue.forget_quiet(self->clock().now());
      schedule_tick(self, window);
    },
  };
}

caf::actor start_push_notifier(caf::local_actor* sup, std::shared_ptr<push_transport> transport,
                               const push_settings& settings, node_metrics* metrics) {
  auto handle = sup->spawn<caf::linked>(push_notifier, std::move(transport), settings, metrics);
  register_as(sup->system(), notifier_name::value, handle);
  return handle;
}

} // namespace parley
