// The default handler of our actors: a stray message is logged, a request among them
// answered with an error, and neither the receiver nor the sender stops.

#include "runtime/unexpected_message.hpp"

#include "runtime/logging.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

caf::behavior strict(caf::event_based_actor* self) {
  self->set_default_handler(log_unexpected(logs::store(), "strict"));
  return {
    [](caf::ping_atom) { return caf::pong_atom_v; },
  };
}

// Tells `target` something it does not handle, as a plain message.
caf::behavior teller(caf::event_based_actor* self, caf::actor target) {
  return {
    [self, target](caf::ok_atom) { self->send(target, std::string{"stray"}); },
  };
}

class UnexpectedMessageTest : public ActorTest {
protected:
  bool alive(const caf::actor& a) {
    sched.run();
    return !a->getf(caf::abstract_actor::is_terminated_flag);
  }
};

TEST_F(UnexpectedMessageTest, AStrayMessageStopsNeitherItsReceiverNorItsSender) {
  auto receiver = sys.spawn(strict);
  auto sender = sys.spawn(teller, receiver);
  spawned.push_back(receiver);
  spawned.push_back(sender);
  caf::anon_send(sender, caf::ok_atom_v);
  sched.run();
  EXPECT_TRUE(alive(receiver));
  EXPECT_TRUE(alive(sender));
  EXPECT_EQ(ask<caf::pong_atom>(receiver, caf::ping_atom_v), caf::pong_atom_v);
}

TEST_F(UnexpectedMessageTest, AStrayRequestIsAnsweredWithAnError) {
  auto receiver = sys.spawn(strict);
  spawned.push_back(receiver);
  auto err = ask_error(receiver, std::string{"stray"});
  EXPECT_EQ(err, caf::sec::unexpected_message);
  EXPECT_TRUE(alive(receiver));
}

} // namespace
} // namespace parley::testing
