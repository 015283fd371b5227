#include "actors/fanout.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/earliest_commit.hpp"
#include "actors/mailbox_router.hpp"
#include "runtime/answered_promise.hpp"
#include "runtime/logging.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

struct fanout_state {
  static inline const char* name = "fanout";
  mailbox_router router{4096};
};

namespace {

using self_ptr = caf::stateful_actor<fanout_state>*;

caf::result<int64_t> deliver_many(self_ptr self, const std::vector<std::string>& users,
                                  mailbox_item& item) {
  auto promise = answer_even_if_stopped(self->make_response_promise<int64_t>());
  earliest_commit join{users.size(), item.ts,
                       [promise](caf::expected<int64_t> ts) { answer(promise, ts); }};
  // One message for all: its payload is shared, not copied per mailbox.
  auto msg = caf::make_message(deliver_atom_v, std::move(item));
  for (const auto& user : users)
    request_mailbox(
      self, self->state.router, user, msg, [join](int64_t ts) { join.stored(ts); },
      [self, join, user](caf::error& err) {
        // Every member was a registered user when added and accounts are never deleted:
        // a mailbox that does not know its owner yet (a node that lost its data, before
        // the user's record came back) did not commit, and the send must not be acked.
        SPDLOG_LOGGER_DEBUG(logs::group(), "event=fanout_failed user={} err={}", user,
                            self->system().render(err));
        join.failed(caf::make_error(errc::unavailable, "a member's mailbox did not commit"));
      });
  return promise.later();
}

} // namespace

caf::behavior fanout(caf::stateful_actor<fanout_state>* self, const cluster_view* cluster,
                     const local_virtual_actors* local) {
  self->state.router.use(cluster, local);
  self->set_default_handler(log_unexpected(logs::group(), "fanout"));
  return {
    [self](deliver_many_atom, const std::vector<std::string>& users, mailbox_item& item) {
      return deliver_many(self, users, item);
    },
  };
}

caf::actor start_fanout(caf::local_actor* sup, const cluster_view* cluster,
                        const local_virtual_actors* local) {
  auto handle = sup->spawn<caf::linked>(fanout, cluster, local);
  register_as(sup->system(), fanout_name::value, handle);
  return handle;
}

} // namespace parley
