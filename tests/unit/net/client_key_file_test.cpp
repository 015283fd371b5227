#include "net/client_key_file.hpp"

#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/temp_dir.hpp"

namespace parley {
namespace {

const std::string k1(32, '1');
const std::string k2(32, '2');
const std::string k3(32, '3');

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
