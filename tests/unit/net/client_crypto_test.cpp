#include "net/client_crypto.hpp"

#include <gtest/gtest.h>

#include "net/json_codec.hpp"
#include "runtime/base64.hpp"

namespace parley::e2e {
namespace {

std::string plaintext_of(const reply<std::string>& r) {
  auto* text = std::get_if<std::string>(&r);
  return text ? *text : "<error " + std::get<client_error>(r).code + ">";
}

std::string code_of(const reply<std::string>& r) {
  auto* err = std::get_if<client_error>(&r);
  return err ? err->code : "<no error>";
}

// Who sealed a body for whom, and its message id.
const binding to_bob{"alice", "bob", "m1"};

binding in_group(const std::string& group) {
  return {"alice", group, "m1"};
}

// Flips one bit of the decoded payload at `at` and encodes it again.
std::string tampered(const std::string& body, std::string_view prefix, size_t at) {
  auto raw = *base64_decode(body.substr(prefix.size()));
  raw[at % raw.size()] ^= 0x01;
  return std::string{prefix} + base64_encode(raw);
}

class E2eTest : public ::testing::Test {
protected:
  identity_keys alice_id = identity_keys::generate();
  identity_keys bob_id = identity_keys::generate();
  identity_keys eve_id = identity_keys::generate();
  own_keys alice{alice_id};
  own_keys bob{bob_id};
  own_keys eve{eve_id};
};

// -- one-to-one -------------------------------------------------------------------------------

TEST_F(E2eTest, DirectBodyOpensForTheRecipientWithTheSendersKey) {
  auto sealed = seal_direct("hi bob", to_bob, bob_id.public_key, alice);
  auto body = std::get<std::string>(sealed);
  EXPECT_EQ(body.rfind("e2e2:", 0), 0u);
  EXPECT_EQ(body.find("hi bob"), std::string::npos);
  EXPECT_EQ(plaintext_of(open_direct(body, to_bob, alice_id.public_key, bob)), "hi bob");
}

TEST_F(E2eTest, SameTextSealsToDifferentBodies) {
  auto a = std::get<std::string>(seal_direct("same", to_bob, bob_id.public_key, alice));
  auto b = std::get<std::string>(seal_direct("same", to_bob, bob_id.public_key, alice));
  EXPECT_NE(a, b);  // a fresh random nonce each time
}

TEST_F(E2eTest, EveryTamperedByteOfADirectBodyIsDetected) {
  auto body = std::get<std::string>(seal_direct("pay 10", to_bob, bob_id.public_key, alice));
  auto raw_size = base64_decode(body.substr(5))->size();
  for (size_t at = 0; at < raw_size; ++at)
    EXPECT_EQ(
      code_of(open_direct(tampered(body, "e2e2:", at), to_bob, alice_id.public_key, bob)),
      "undecryptable")
      << "byte " << at;
}

TEST_F(E2eTest, DirectBodyDoesNotOpenWithAnotherKey) {
  auto body = std::get<std::string>(seal_direct("for bob", to_bob, bob_id.public_key, alice));
  // Not for eve, and not from eve: neither the reader nor the claimed sender may differ.
  EXPECT_EQ(code_of(open_direct(body, to_bob, alice_id.public_key, eve)), "undecryptable");
  EXPECT_EQ(code_of(open_direct(body, to_bob, eve_id.public_key, bob)), "undecryptable");
}

// Both ends of a pair share one crypto_box key: the body alone would open for alice too,
// if the server handed it back to her as a message from bob.
TEST_F(E2eTest, DirectBodySealedForBobDoesNotOpenAsFromBobToAlice) {
  auto body = std::get<std::string>(seal_direct("it's a deal", to_bob, bob_id.public_key, alice));
  EXPECT_EQ(code_of(open_direct(body, {"bob", "alice", "m1"}, bob_id.public_key, alice)),
            "misdirected");
  EXPECT_EQ(plaintext_of(open_direct(body, to_bob, alice_id.public_key, bob)), "it's a deal");
}

TEST_F(E2eTest, DirectBodyUnderAnotherIdOrNamesIsMisdirected) {
  auto body = std::get<std::string>(seal_direct("pay 10", to_bob, bob_id.public_key, alice));
  for (const binding& frame : {binding{"alice", "bob", "m2"}, binding{"alice", "bob", ""},
                               binding{"alice", "bob2", "m1"}, binding{"alice2", "bob", "m1"}})
    EXPECT_EQ(code_of(open_direct(body, frame, alice_id.public_key, bob)), "misdirected")
      << frame.from << " " << frame.to << " " << frame.id;
}

TEST_F(E2eTest, PlaintextAndGarbageBodiesAreNotOpened) {
  EXPECT_EQ(code_of(open_direct("hello", to_bob, alice_id.public_key, bob)), "undecryptable");
  EXPECT_EQ(code_of(open_direct("e2e2:!!!", to_bob, alice_id.public_key, bob)), "undecryptable");
  EXPECT_EQ(code_of(open_direct("e2e2:AAAA", to_bob, alice_id.public_key, bob)), "undecryptable");
}

TEST_F(E2eTest, DirectBodyStaysWithinTheBodyLimit) {
  auto largest = std::string(max_direct_plaintext(), 'x');
  auto body = std::get<std::string>(seal_direct(largest, to_bob, bob_id.public_key, alice));
  EXPECT_LE(body.size(), json::max_body);
  EXPECT_EQ(plaintext_of(open_direct(body, to_bob, alice_id.public_key, bob)), largest);
  EXPECT_EQ(code_of(seal_direct(largest + "x", to_bob, bob_id.public_key, alice)), "too_large");
  // The limit holds for the longest user ids and message id, which are sealed inside.
  binding longest{std::string(32, 'a'), std::string(32, 'b'), std::string(64, 'i')};
  auto longest_body =
    std::get<std::string>(seal_direct(largest, longest, bob_id.public_key, alice));
  EXPECT_LE(longest_body.size(), json::max_body);
}

TEST_F(E2eTest, KeyThatIsNotAPointIsRefused) {
  EXPECT_EQ(code_of(seal_direct("x", to_bob, std::string(31, 'k'), alice)), "bad_key");
  EXPECT_TRUE(x25519_public(std::string(32, '\0')).empty());
}

// -- groups -----------------------------------------------------------------------------------

class GroupE2eTest : public E2eTest {
protected:
  // `n` members: alice (the sender) first, then fresh identities.
  void make_members(size_t n) {
    ids.push_back(alice_id);
    while (ids.size() < n)
      ids.push_back(identity_keys::generate());
    for (const auto& id : ids)
      public_keys.push_back(id.public_key);
  }

  std::vector<identity_keys> ids;
  std::vector<std::string> public_keys;
};

TEST_F(GroupE2eTest, EveryMemberOpensTheGroupBody) {
  make_members(12);
  auto body =
    std::get<std::string>(seal_group("hello all", in_group("g-1"), public_keys, alice));
  EXPECT_EQ(body.rfind("e2eg2:", 0), 0u);
  for (const auto& id : ids) {
    own_keys member{id};
    EXPECT_EQ(plaintext_of(open_group(body, in_group("g-1"), alice_id.public_key, member)),
              "hello all");
  }
}

TEST_F(GroupE2eTest, NonMemberCannotOpenTheGroupBody) {
  make_members(5);
  auto body =
    std::get<std::string>(seal_group("members only", in_group("g-1"), public_keys, alice));
  EXPECT_EQ(code_of(open_group(body, in_group("g-1"), alice_id.public_key, eve)),
            "undecryptable");
}

// A member knows the message key; without the signature it could swap the content
// and pass it off as the sender's.
TEST_F(GroupE2eTest, MemberCannotForgeContentInTheSendersName) {
  make_members(3);
  auto body = std::get<std::string>(seal_group("original", in_group("g-1"), public_keys, alice));
  auto raw_size = base64_decode(body.substr(6))->size();
  own_keys member{ids[1]};
  for (size_t at : {size_t{0}, size_t{70}, size_t{100}, raw_size - 1})
    EXPECT_EQ(code_of(open_group(tampered(body, "e2eg2:", at), in_group("g-1"),
                                 alice_id.public_key, member)),
              "undecryptable")
      << "byte " << at;
}

TEST_F(GroupE2eTest, BodyIsBoundToItsGroupAndSender) {
  make_members(3);
  auto body = std::get<std::string>(seal_group("for g-1", in_group("g-1"), public_keys, alice));
  own_keys member{ids[1]};
  EXPECT_EQ(code_of(open_group(body, in_group("g-2"), alice_id.public_key, member)),
            "undecryptable");
  EXPECT_EQ(code_of(open_group(body, in_group("g-1"), eve_id.public_key, member)),
            "undecryptable");
}

// The server must not deliver a group body again under a new id, or as another user's
// (one who registered alice's key under another name).
TEST_F(GroupE2eTest, BodyIsBoundToItsMessageIdAndSenderName) {
  make_members(3);
  auto body = std::get<std::string>(seal_group("once", in_group("g-1"), public_keys, alice));
  own_keys member{ids[1]};
  EXPECT_EQ(plaintext_of(open_group(body, in_group("g-1"), alice_id.public_key, member)), "once");
  EXPECT_EQ(code_of(open_group(body, {"alice", "g-1", "m2"}, alice_id.public_key, member)),
            "undecryptable");
  EXPECT_EQ(code_of(open_group(body, {"mallory", "g-1", "m1"}, alice_id.public_key, member)),
            "undecryptable");
}

TEST_F(GroupE2eTest, ThousandAndTwentyFourMembersFitWithRoomForText) {
  make_members(1024);
  EXPECT_GE(max_group_plaintext(1024), 16000u);
  auto text = std::string(4000, 't');
  auto body = std::get<std::string>(seal_group(text, in_group("g-big"), public_keys, alice));
  EXPECT_LE(body.size(), json::max_body);
  own_keys last{ids.back()};
  EXPECT_EQ(plaintext_of(open_group(body, in_group("g-big"), alice_id.public_key, last)), text);
}

TEST_F(GroupE2eTest, BodyThatCannotFitIsRefused) {
  make_members(8);
  auto too_much = std::string(max_group_plaintext(8) + 1, 'x');
  EXPECT_EQ(code_of(seal_group(too_much, in_group("g-1"), public_keys, alice)), "too_large");
  auto fits =
    std::get<std::string>(seal_group(too_much.substr(1), in_group("g-1"), public_keys, alice));
  EXPECT_LE(fits.size(), json::max_body);
  EXPECT_EQ(code_of(seal_group("x", in_group("g-1"), {}, alice)), "bad_request");
}

TEST_F(E2eTest, FingerprintIsStableAndTellsKeysApart) {
  auto f = fingerprint(alice_id.public_key);
  EXPECT_EQ(f, fingerprint(alice_id.public_key));
  EXPECT_NE(f, fingerprint(bob_id.public_key));
  EXPECT_EQ(f.size(), 39u);  // 8 groups of 4 hex digits
}

} // namespace
} // namespace parley::e2e
