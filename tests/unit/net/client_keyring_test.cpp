#include "net/client_keyring.hpp"

#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "net/client_key_file.hpp"
#include "tests/support/temp_dir.hpp"

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

TEST(KeyFileStoreTest, PinsSurviveAStoreRestartAndTheFileIsPrivate) {
  testing::temp_dir dir;
  auto path = (dir / "alice.pins").string();
  {
    key_file_store store{path};
    EXPECT_TRUE(store.load().empty());
    store.save("bob", k1);
    store.save("carol", k2);
    store.save("bob", k3);
  }  // the destructor writes what is waiting
  key_file_store again{path};
  auto keys = again.load();
  EXPECT_EQ(keys, (std::map<std::string, std::string>{{"bob", k3}, {"carol", k2}}));
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(again.last_error(), "");
}

TEST(KeyFileStoreTest, BrokenLinesAreSkipped) {
  testing::temp_dir dir;
  auto path = (dir / "pins").string();
  std::ofstream{path} << "bob MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE=\n"
                         "Not A User MTEx\ncarol short\n\n";
  key_file_store store{path};
  auto keys = store.load();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys.at("bob"), k1);
}

} // namespace
} // namespace parley
