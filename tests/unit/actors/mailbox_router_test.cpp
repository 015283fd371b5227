// mailbox_router: what a router reads from the index of actors running on this node.

#include "actors/mailbox_router.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <gtest/gtest.h>

namespace parley::testing {
namespace {

// The router builds child ids from the prefix (no allocation per send); the supervisor
// registers children under child_id(). Both must name the same child.
TEST(MailboxRouterTest, ChildPrefixesSpellTheChildIds) {
  for (const auto* kind : {&mailbox_actors, &group_actors})
    for (const std::string key : {"bob", "a-user-id-longer-than-sso-buffers", "g-1"})
      EXPECT_EQ(kind->child_prefix + key, kind->child_id(key));
}

TEST(MailboxRouterTest, AMailboxRunningHereIsFoundInTheIndex) {
  local_virtual_actors local;
  auto snap = cluster_snapshot::single(member_info{"n1", {}, {}, {}, {}, 0, 0}, 2);
  cluster_view view{snap};
  mailbox_router router;
  router.use(&view, &local);
  EXPECT_FALSE(router.running_here("a-user-id-longer-than-sso-buffers"));
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto mb = sys.spawn([]() -> caf::behavior { return {[](int) {}}; });
  local.mailboxes.set(mailbox_child_id("a-user-id-longer-than-sso-buffers"), mb);
  EXPECT_EQ(router.running_here("a-user-id-longer-than-sso-buffers"), mb);
  EXPECT_FALSE(router.running_here("bob"));
  local.mailboxes.set(mailbox_child_id("a-user-id-longer-than-sso-buffers"), {});
  caf::anon_send_exit(mb, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace parley::testing
