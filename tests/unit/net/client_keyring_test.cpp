#include "net/client_keyring.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

const std::string k1(32, '1');
const std::string k2(32, '2');
const std::string k3(32, '3');

TEST(KeyringTest, FirstKeyIsPinnedAndUsable) {
  keyring ring;
  EXPECT_EQ(ring.usable("bob"), nullptr);
  EXPECT_EQ(ring.learn("bob", k1), keyring::verdict::first_use);
  ASSERT_NE(ring.usable("bob"), nullptr);
  EXPECT_EQ(*ring.usable("bob"), k1);
  EXPECT_EQ(ring.learn("bob", k1), keyring::verdict::same);
}

TEST(KeyringTest, ChangedKeyIsNeverUsedUntilTrusted) {
  keyring ring;
  ring.load({{"bob", k1}});
  EXPECT_EQ(ring.usable("bob"), nullptr);  // pinned, but not confirmed in this login
  EXPECT_EQ(ring.learn("bob", k2), keyring::verdict::changed);
  EXPECT_EQ(ring.usable("bob"), nullptr);
  EXPECT_EQ(*ring.pinned("bob"), k1);
  EXPECT_EQ(*ring.changed("bob"), k2);
  EXPECT_EQ(ring.learn("bob", k2), keyring::verdict::changed);  // asking again changes nothing
  EXPECT_EQ(ring.usable("bob"), nullptr);

  EXPECT_TRUE(ring.trust("bob", k2));
  EXPECT_EQ(*ring.usable("bob"), k2);
  EXPECT_EQ(ring.changed("bob"), nullptr);
}

TEST(KeyringTest, TrustNeedsTheKeyThatWasShown) {
  keyring ring;
  ring.load({{"bob", k1}});
  EXPECT_FALSE(ring.trust("bob", k2));  // nothing changed yet
  ring.learn("bob", k2);
  ring.learn("bob", k3);  // moved on again before the user decided
  EXPECT_FALSE(ring.trust("bob", k2));
  EXPECT_TRUE(ring.trust("bob", k3));
  EXPECT_EQ(*ring.usable("bob"), k3);
}

TEST(KeyringTest, ReturningToThePinnedKeyClearsTheChange) {
  keyring ring;
  ring.load({{"bob", k1}});
  ring.learn("bob", k2);
  EXPECT_EQ(ring.learn("bob", k1), keyring::verdict::same);
  EXPECT_EQ(ring.changed("bob"), nullptr);
  EXPECT_EQ(*ring.usable("bob"), k1);
}

TEST(KeyringTest, EveryLoginConfirmsKeysAgain) {
  keyring ring;
  ring.pin_own("alice", k3);
  ring.learn("bob", k1);
  ring.forget_confirmations();
  EXPECT_EQ(ring.usable("bob"), nullptr);
  EXPECT_EQ(*ring.usable("alice"), k3);  // our own key needs no server
}

} // namespace
} // namespace parley
