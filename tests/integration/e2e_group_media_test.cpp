// Encrypted groups and files through parley::client on a real node. They need the
// node's group chats and media store (PROTOCOL.md sections 3 and 5); against a node
// without them each test says so and skips.

#include <future>
#include <thread>

#include "net/client_crypto.hpp"
#include "tests/integration/client_fixture.hpp"
#include "tests/integration/plaintext_checks.hpp"

namespace parley::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

template <class T>
std::optional<T> wait(std::future<T>& f, seconds timeout = seconds{10}) {
  if (f.wait_for(timeout) != std::future_status::ready)
    return std::nullopt;
  return f.get();
}

class E2eGroupMediaTest : public ClientTest {
protected:
  /// The new group's id, or empty (the test skips) when the node has no groups.
  std::string create_group(client& owner, const std::vector<std::string>& members) {
    std::promise<reply<group_info>> created;
    owner.group_create("friends", members,
                       [&](const reply<group_info>& r) { created.set_value(r); });
    auto future = created.get_future();
    auto answer = wait(future);
    if (!answer) {
      ADD_FAILURE() << "group_create was not answered";
      return {};
    }
    if (auto* err = std::get_if<client_error>(&*answer)) {
      ADD_FAILURE() << "group_create failed: " << err->code << " " << err->message;
      return {};
    }
    return std::get<group_info>(*answer).group;
  }
};

TEST_F(E2eGroupMediaTest, GroupMessageOpensForEveryMemberAndIsCiphertextOnDisk) {
  start_online("bob");
  start_online("carol");
  clients.clear();  // both offline: the group message waits in their mailboxes
  auto [alice, a] = start_online("alice");
  auto gid = create_group(*alice, {"bob", "carol"});
  ASSERT_FALSE(gid.empty());

  auto text = canary("group");
  auto id = alice->send_group(gid, text);
  ASSERT_TRUE(a->wait_for("ack " + id));
  EXPECT_EQ(files_holding(dir / "n1", text), 0) << "a group body is stored in clear";
  EXPECT_GE(files_holding(dir / "n1", "e2eg2:"), 1);

  for (const char* member : {"bob", "carol"}) {
    auto [c, r] = start(member);
    ASSERT_TRUE(r->wait_for("msg " + id)) << member;
    auto m = r->messages().back();
    EXPECT_EQ(m.group, gid);
    EXPECT_EQ(m.from, "alice");
    EXPECT_EQ(m.e2e_error, "") << member;
    EXPECT_EQ(m.body, text) << member;
    c->mark_delivered(m.from, m.id, m.group);
  }
  ASSERT_TRUE(a->wait_for("delivered " + id, 2));  // one receipt per member
}

TEST_F(E2eGroupMediaTest, RemovedMemberCannotReadLaterMessages) {
  auto [alice, a] = start_online("alice");
  auto [bob, b] = start_online("bob");
  auto gid = create_group(*alice, {"bob"});
  ASSERT_FALSE(gid.empty());
  std::promise<std::optional<client_error>> removed;
  alice->group_remove(gid, {"bob"}, [&](const std::optional<client_error>& e) {
    removed.set_value(e);
  });
  auto future = removed.get_future();
  auto outcome = wait(future);
  ASSERT_TRUE(outcome);
  ASSERT_FALSE(outcome->has_value()) << (*outcome)->message;
  auto id = alice->send_group(gid, "not for bob any more");
  ASSERT_TRUE(a->wait_for("ack " + id));
  std::this_thread::sleep_for(milliseconds{300});
  EXPECT_TRUE(b->lines("msg " + id).empty());
}

TEST_F(E2eGroupMediaTest, FileRoundTripToAnOfflineRecipient) {
  start_online("bob");
  clients.clear();
  auto [alice, a] = start_online("alice");
  auto marker = canary("file");
  std::string file = "\x89PNG\r\n\x1a\n";
  for (int i = 0; i < 200; ++i)
    file += marker;
  auto id = alice->send_file("bob", file, "image/png", "cat.png");
  ASSERT_TRUE(a->wait_for_either("ack " + id, "error "));
  auto errors = a->lines("error ");
  ASSERT_TRUE(errors.empty()) << errors.front();

  // The node holds the upload and the message, and neither in clear.
  EXPECT_EQ(files_holding(dir / "n1", marker), 0) << "a file or its body is stored in clear";

  auto [bob, b] = start("bob");
  ASSERT_TRUE(b->wait_for("msg " + id));
  auto m = b->messages().back();
  ASSERT_TRUE(m.media);
  EXPECT_EQ(m.media->name, "cat.png");
  EXPECT_EQ(m.media->mime, "image/png");
  EXPECT_EQ(m.media->size, file.size());
  std::promise<reply<std::string>> fetched;
  bob->fetch_media(*m.media, [&](const reply<std::string>& r) { fetched.set_value(r); });
  auto future = fetched.get_future();
  auto got = wait(future);
  ASSERT_TRUE(got);
  ASSERT_TRUE(std::holds_alternative<std::string>(*got))
    << std::get<client_error>(*got).code << ": " << std::get<client_error>(*got).message;
  EXPECT_EQ(std::get<std::string>(*got), file);
}

} // namespace
} // namespace parley::testing
