// remote_requests: requests to other nodes without a CAF timeout fail when their node
// leaves the cluster view, once, and an answer after that is ignored.

#include "actors/remote_requests.hpp"

#include <caf/actor_proxy.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/make_actor.hpp>
#include <caf/send.hpp>
#include <gtest/gtest.h>

namespace parley::testing {
namespace {

// Stands in for the proxy of an actor on another node; nothing is ever sent to it.
class foreign_proxy : public caf::actor_proxy {
public:
  using caf::actor_proxy::actor_proxy;
  void enqueue(caf::mailbox_element_ptr, caf::execution_unit*) override {}
  bool add_backlink(caf::abstract_actor*) override { return false; }
  bool remove_backlink(caf::abstract_actor*) override { return false; }
  void kill_proxy(caf::execution_unit*, caf::error) override {}
};

class RemoteRequestsTest : public ::testing::Test {
protected:
  ~RemoteRequestsTest() override { caf::anon_send_exit(service, caf::exit_reason::user_shutdown); }

  // A view of n1, whose one service runs in this process, and n2, whose store is a
  // proxy-like handle on another CAF node (a stand-in: only its node id matters).
  std::shared_ptr<const cluster_snapshot> view_with_n2(bool n2_up) {
    member_info n1;
    n1.id = "n1";
    n1.services = {{"store", service}};
    member_info n2;
    n2.id = "n2";
    n2.services = {{"store", remote_service}};
    return std::make_shared<const cluster_snapshot>(
      "n1", std::vector<member_status>{{n1, true, 0}, {n2, n2_up, 0}}, 2, 1);
  }

  caf::node_id elsewhere() { return remote_service.node(); }

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::actor service = sys.spawn([]() -> caf::behavior { return {[](int) {}}; });
  caf::actor remote_service = remote_handle();

  // A handle whose node id is another CAF node's, as a proxy's would be.
  caf::actor remote_handle() {
    auto node = *caf::make_node_id(4242, "0123456789abcdef0123456789abcdef01234567");
    caf::actor_config cfg;
    return caf::make_actor<foreign_proxy, caf::actor>(caf::actor_id{7}, node, &sys, cfg);
  }
  remote_requests pending;
  std::vector<std::string> failures;
};

TEST_F(RemoteRequestsTest, RequestsToANodeThatLeftFailOnceTheOthersWait) {
  auto here = pending.track(service.node(), [&](caf::error&) { failures.push_back("here"); });
  auto gone = pending.track(elsewhere(), [&](caf::error& err) {
    EXPECT_EQ(err, caf::sec::request_timeout);  // callers retry as after a timeout
    failures.push_back("gone");
  });
  auto unknown_node = *caf::make_node_id(99, "ffffffffffffffffffffffffffffffffffffffff");
  auto unknown = pending.track(unknown_node, [&](caf::error&) { failures.push_back("?"); });
  pending.fail_gone(*view_with_n2(true));
  EXPECT_TRUE(failures.empty());
  pending.fail_gone(*view_with_n2(false));
  EXPECT_EQ(failures, (std::vector<std::string>{"gone"}));
  EXPECT_TRUE(*gone);
  EXPECT_FALSE(*here);
  EXPECT_FALSE(*unknown) << "a node the view does not show down is waited for";
  EXPECT_EQ(pending.size(), 2u);
  pending.fail_gone(*view_with_n2(false));
  EXPECT_EQ(failures.size(), 1u) << "failed twice";
}

TEST_F(RemoteRequestsTest, AnAnswerSettlesTheRequestAndALateOneIsIgnored) {
  int answers = 0;
  auto done = pending.track(elsewhere(), [&](caf::error&) { failures.push_back("gone"); });
  auto settle = [&, flag = done.get()] { pending.settled(flag); };
  auto on_answer = once(done, [&](int64_t ts) { answers += ts > 0 ? 1 : 0; }, settle);
  pending.fail_gone(*view_with_n2(false));
  on_answer(7);  // the answer came after all (the link was still there): ignored
  EXPECT_EQ(answers, 0);
  EXPECT_EQ(failures.size(), 1u);

  auto next = pending.track(elsewhere(), [&](caf::error&) { failures.push_back("next"); });
  auto answer_next = once(next, [&](int64_t) { ++answers; },
                          [&, flag = next.get()] { pending.settled(flag); });
  answer_next(1);
  EXPECT_EQ(answers, 1);
  EXPECT_EQ(pending.size(), 0u) << "an answered request is kept";
  pending.fail_gone(*view_with_n2(false));
  EXPECT_EQ(failures.size(), 1u) << "an answered request failed";
}

} // namespace
} // namespace parley::testing
