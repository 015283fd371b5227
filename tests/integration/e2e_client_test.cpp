// End-to-end encryption through parley::client on a real node: what the node carries
// and stores is ciphertext only, other clients can open it with the documented format,
// and a peer whose identity key changed is reported and refused until trusted.

#include <thread>

#include "net/client_content.hpp"
#include "net/client_crypto.hpp"
#include "tests/integration/client_fixture.hpp"
#include "tests/integration/plaintext_checks.hpp"
#include "tests/support/ws_test_client.hpp"

namespace parley::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class E2eClientTest : public ClientTest {};

TEST_F(E2eClientTest, WaitingMessagesAreStoredAsCiphertextOnly) {
  start_online("bob");
  clients.clear();  // bob is registered and offline: what alice sends waits on disk
  auto [alice, a] = start_online("alice");
  std::vector<std::string> texts, ids;
  for (int i = 0; i < 3; ++i) {
    texts.push_back(canary("waiting" + std::to_string(i)));
    ids.push_back(alice->send("bob", texts.back()));
  }
  ASSERT_TRUE(a->wait_for("ack ", 3));

  // Acked means committed to SQLite (WAL included): the ids are there, the texts not.
  auto data = dir / "n1";
  for (const auto& id : ids)
    EXPECT_GE(files_holding(data, id), 1) << "message " << id << " is not on disk at all";
  for (const auto& text : texts)
    EXPECT_EQ(files_holding(data, text), 0) << "a body is stored in clear";
  EXPECT_GE(files_holding(data, "e2e1:"), 1);

  auto [bob, b] = start("bob");
  ASSERT_TRUE(b->wait_for("msg ", 3));
  std::vector<std::string> received;
  for (const auto& m : b->messages()) {
    EXPECT_EQ(m.e2e_error, "");
    received.push_back(m.body);
  }
  EXPECT_EQ(received, texts);
}

// docs/protocol.md is enough to talk to the library: a hand-written client opens what
// it sends, and what it seals by hand is opened by the library.
TEST_F(E2eClientTest, BodiesFollowTheDocumentedFormat) {
  auto carol_keys = key_pair::generate();
  ws_test_client carol{node->client_port()};
  ASSERT_EQ(carol.login("carol", carol_keys)["op"], "welcome");
  auto [alice, a] = start_online("alice");

  auto text = canary("to-carol");
  alice->send("carol", text);
  auto msg = carol.recv_op("msg");
  ASSERT_TRUE(msg);
  std::string body{(*msg)["body"].as_string()};
  EXPECT_EQ(body.find(text), std::string::npos);
  identity_keys carol_identity{carol_keys.public_key, carol_keys.secret_key};
  e2e::own_keys carol_own{carol_identity};
  auto opened = e2e::open_direct(body, keys.at("alice").public_key, carol_own);
  ASSERT_TRUE(std::holds_alternative<std::string>(opened));
  EXPECT_EQ(std::get<std::string>(opened), e2e::encode_text(text));

  auto sealed = e2e::seal_direct(e2e::encode_text("hi alice"), keys.at("alice").public_key,
                                 carol_own);
  carol.send_text(R"({"op":"send","id":"c1","to":"alice","body":")"
                  + std::get<std::string>(sealed) + R"("})");
  ASSERT_TRUE(a->wait_for("msg c1"));
  EXPECT_EQ(a->messages().back().body, "hi alice");
  EXPECT_EQ(a->messages().back().e2e_error, "");
}

TEST_F(E2eClientTest, PlaintextBodyIsReportedNotShown) {
  auto carol_keys = key_pair::generate();
  ws_test_client carol{node->client_port()};
  ASSERT_EQ(carol.login("carol", carol_keys)["op"], "welcome");
  auto [alice, a] = start_online("alice");
  carol.send_text(R"({"op":"send","id":"p1","to":"alice","body":"trust me"})");
  carol.send_text(R"({"op":"send","id":"p2","to":"alice","body":"e2e1:AAAAAAAA"})");
  ASSERT_TRUE(a->wait_for("msg ", 2));
  auto got = a->messages();
  EXPECT_EQ(got[0].e2e_error, "not_encrypted");
  EXPECT_EQ(got[1].e2e_error, "undecryptable");
  for (const auto& m : got)
    EXPECT_EQ(m.body, "");
}

// bob asked for carol's key before she ever logged in; her first message must still
// open, not be refused with what the server said back then.
TEST_F(E2eClientTest, LookupThatFailedIsAskedAgainWhenThePeerWrites) {
  auto [bob, b] = start_online("bob");
  auto refused = bob->send("carol", "are you there?");
  ASSERT_TRUE(b->wait_for("error unknown_user " + refused));
  auto [carol, c] = start_online("carol");
  auto id = carol->send("bob", "now I am");
  ASSERT_TRUE(b->wait_for("msg " + id));
  EXPECT_EQ(b->messages().back().e2e_error, "");
  EXPECT_EQ(b->messages().back().body, "now I am");
  auto reply = bob->send("carol", "hello carol");
  EXPECT_TRUE(c->wait_for("msg " + reply));
}

// bob reinstalls (a fresh key) on a node that lost everything: the server accepts the
// new key, alice's client does not until she says so.
TEST_F(E2eClientTest, ChangedKeyIsReportedAndRefusedUntilTrusted) {
  auto [alice, a] = start_online("alice");
  auto [bob, b] = start_online("bob");
  alice->send("bob", "before");
  ASSERT_TRUE(b->wait_for("msg "));  // alice has pinned bob's key
  auto old_key = keys.at("bob").public_key;

  clients.pop_back();  // bob's device goes away
  node->kill9();
  ASSERT_TRUE(a->wait_for("disconnected "));
  node = std::make_unique<node_process>(node_process::options{"n2", dir / "n2", {}});
  alice->set_servers({node->client_url()});
  ASSERT_TRUE(a->wait_for("connected", 2));
  keys["bob"] = identity_keys::generate();
  pins.erase("bob");
  auto [bob2, b2] = start_online("bob");

  auto refused = alice->send("bob", "after the change");
  ASSERT_TRUE(a->wait_for("key_changed bob"));
  ASSERT_TRUE(a->wait_for("error key_changed " + refused));
  auto change = a->key_changes().front();
  EXPECT_EQ(change.old_key, old_key);
  EXPECT_EQ(change.new_key, keys.at("bob").public_key);

  // bob's messages need the new key: held, not shown, until alice trusts it.
  auto from_new_bob = bob2->send("alice", "it is really me");
  ASSERT_TRUE(b2->wait_for("ack " + from_new_bob));
  std::this_thread::sleep_for(milliseconds{300});
  EXPECT_EQ(a->lines("msg ").size(), 0u);

  std::promise<std::optional<client_error>> trusted;
  alice->trust_key("bob", change.new_key,
                   [&](const std::optional<client_error>& e) { trusted.set_value(e); });
  auto outcome = trusted.get_future();
  ASSERT_EQ(outcome.wait_for(seconds{5}), std::future_status::ready);
  EXPECT_FALSE(outcome.get().has_value());
  ASSERT_TRUE(a->wait_for("msg " + from_new_bob));
  EXPECT_EQ(a->messages().back().body, "it is really me");

  auto accepted = alice->send("bob", "welcome back");
  ASSERT_TRUE(b2->wait_for("msg " + accepted));
  EXPECT_EQ(b2->messages().back().body, "welcome back");
}

} // namespace
} // namespace parley::testing
