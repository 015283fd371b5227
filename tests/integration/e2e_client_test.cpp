// End-to-end encryption through parley::client on a real node: what the node carries
// and stores is ciphertext only, other clients can open it with the documented format,
// and a peer whose identity key changed is reported and refused until trusted.

#include <thread>
#include <tuple>

#include <boost/json.hpp>
#include <sodium.h>

#include "net/client_content.hpp"
#include "net/client_crypto.hpp"
#include "runtime/base64.hpp"
#include "tests/integration/client_fixture.hpp"
#include "tests/integration/plaintext_checks.hpp"
#include "tests/support/ws_test_client.hpp"

namespace parley::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class E2eClientTest : public ClientTest {
protected:
  /// bob online, his message to carol (who never signed in) refused with unknown_user.
  void bob_refused_by_unknown_carol(client*& bob, recorder*& b) {
    std::tie(bob, b) = start_online("bob");
    auto refused = bob->send("carol", "are you there?");
    ASSERT_TRUE(b->wait_for("error unknown_user " + refused));
  }
};

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
  EXPECT_GE(files_holding(data, "e2e2:"), 1);

  auto [bob, b] = start("bob");
  ASSERT_TRUE(b->wait_for("msg ", 3));
  std::vector<std::string> received;
  for (const auto& m : b->messages()) {
    EXPECT_EQ(m.e2e_error, "");
    received.push_back(m.body);
  }
  EXPECT_EQ(received, texts);
}

unsigned char* u(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

// The X25519 forms of Ed25519 keys, as docs/protocol.md says.
std::string x25519_secret(key_pair keys) {
  std::string x(crypto_box_SECRETKEYBYTES, '\0');
  if (crypto_sign_ed25519_sk_to_curve25519(u(x), u(keys.secret_key)) != 0)
    x.clear();
  return x;
}

std::string x25519_public(std::string ed25519) {
  std::string x(crypto_box_PUBLICKEYBYTES, '\0');
  if (crypto_sign_ed25519_pk_to_curve25519(u(x), u(ed25519)) != 0)
    x.clear();
  return x;
}

// One length byte, then the bytes.
std::string field(const std::string& text) {
  return static_cast<char>(text.size()) + text;
}

// docs/protocol.md is enough to talk to the library: a client written from it with plain
// libsodium opens what the library sends, and what it seals is opened by the library.
TEST_F(E2eClientTest, BodiesFollowTheDocumentedFormat) {
  auto carol_keys = key_pair::generate();
  ws_test_client carol{node->client_port()};
  ASSERT_EQ(carol.login("carol", carol_keys)["op"], "welcome");
  auto [alice, a] = start_online("alice");
  auto alice_x = x25519_public(keys.at("alice").public_key);
  auto carol_x = x25519_secret(carol_keys);

  auto text = canary("to-carol");
  auto id = alice->send("carol", text);
  auto msg = carol.recv_op("msg");
  ASSERT_TRUE(msg);
  std::string body{(*msg)["body"].as_string()};
  EXPECT_EQ(body.find(text), std::string::npos);
  ASSERT_EQ(body.rfind("e2e2:", 0), 0u);
  auto raw = *base64_decode(body.substr(5));
  ASSERT_GT(raw.size(), crypto_box_NONCEBYTES + crypto_box_MACBYTES);
  std::string inner(raw.size() - crypto_box_NONCEBYTES - crypto_box_MACBYTES, '\0');
  ASSERT_EQ(crypto_box_open_easy(u(inner), u(raw) + crypto_box_NONCEBYTES,
                                 raw.size() - crypto_box_NONCEBYTES, u(raw), u(alice_x),
                                 u(carol_x)),
            0);
  auto binding = field("alice") + field("carol") + field(id);
  ASSERT_EQ(inner.substr(0, binding.size()), binding);
  auto content = boost::json::parse(inner.substr(binding.size())).as_object();
  EXPECT_EQ(content["type"], "text");
  EXPECT_EQ(std::string{content["text"].as_string()}, text);

  std::string sealed_inner =
    field("carol") + field("alice") + field("c1") + R"({"type":"text","text":"hi alice"})";
  std::string sealed(crypto_box_NONCEBYTES + crypto_box_MACBYTES + sealed_inner.size(), '\0');
  randombytes_buf(sealed.data(), crypto_box_NONCEBYTES);
  ASSERT_EQ(crypto_box_easy(u(sealed) + crypto_box_NONCEBYTES, u(sealed_inner),
                            sealed_inner.size(), u(sealed), u(alice_x), u(carol_x)),
            0);
  carol.send_text(R"({"op":"send","id":"c1","to":"alice","body":"e2e2:)" + base64_encode(sealed)
                  + R"("})");
  ASSERT_TRUE(a->wait_for("msg c1"));
  EXPECT_EQ(a->messages().back().body, "hi alice");
  EXPECT_EQ(a->messages().back().e2e_error, "");
}

// carol plays the server's part: what alice sealed for her comes back to alice as carol's
// own message. Both ends share the pair key, so only the sealed names catch it.
TEST_F(E2eClientTest, ReflectedOrRenumberedBodyIsMisdirected) {
  auto carol_keys = key_pair::generate();
  ws_test_client carol{node->client_port()};
  ASSERT_EQ(carol.login("carol", carol_keys)["op"], "welcome");
  auto [alice, a] = start_online("alice");
  auto id = alice->send("carol", "I owe carol 10");
  auto msg = carol.recv_op("msg");
  ASSERT_TRUE(msg);
  std::string body{(*msg)["body"].as_string()};

  carol.send_text(R"({"op":"send","id":")" + id + R"(","to":"alice","body":")" + body + R"("})");
  ASSERT_TRUE(a->wait_for("msg " + id));
  EXPECT_EQ(a->messages().back().e2e_error, "misdirected");
  EXPECT_EQ(a->messages().back().body, "");

  // A body carol sealed herself, for another message id than the one it comes under.
  identity_keys carol_identity{carol_keys.public_key, carol_keys.secret_key};
  e2e::own_keys carol_own{carol_identity};
  auto sealed = std::get<std::string>(e2e::seal_direct(
    e2e::encode_text("once"), {"carol", "alice", "c1"}, keys.at("alice").public_key, carol_own));
  carol.send_text(R"({"op":"send","id":"c2","to":"alice","body":")" + sealed + R"("})");
  ASSERT_TRUE(a->wait_for("msg c2"));
  EXPECT_EQ(a->messages().back().e2e_error, "misdirected");
  EXPECT_EQ(a->messages().back().body, "");
}

TEST_F(E2eClientTest, PlaintextBodyIsReportedNotShown) {
  auto carol_keys = key_pair::generate();
  ws_test_client carol{node->client_port()};
  ASSERT_EQ(carol.login("carol", carol_keys)["op"], "welcome");
  auto [alice, a] = start_online("alice");
  carol.send_text(R"({"op":"send","id":"p1","to":"alice","body":"trust me"})");
  carol.send_text(R"({"op":"send","id":"p2","to":"alice","body":"e2e2:AAAAAAAA"})");
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
  client* bob = nullptr;
  recorder* b = nullptr;
  ASSERT_NO_FATAL_FAILURE(bob_refused_by_unknown_carol(bob, b));
  auto [carol, c] = start_online("carol");
  auto id = carol->send("bob", "now I am");
  ASSERT_TRUE(b->wait_for("msg " + id));
  EXPECT_EQ(b->messages().back().e2e_error, "");
  EXPECT_EQ(b->messages().back().body, "now I am");
  auto reply = bob->send("carol", "hello carol");
  EXPECT_TRUE(c->wait_for("msg " + reply));
}

// The README's first steps: bob writes to carol before she ever signed in. Once she
// has, bob's next message reaches her without a restart of bob's client.
TEST_F(E2eClientTest, APeerWhoSignsInLaterCanBeWrittenToWithoutARestart) {
  client* bob = nullptr;
  recorder* b = nullptr;
  ASSERT_NO_FATAL_FAILURE(bob_refused_by_unknown_carol(bob, b));
  auto [carol, c] = start_online("carol");
  auto id = bob->send("carol", "now you are");
  EXPECT_TRUE(c->wait_for("msg " + id));
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
