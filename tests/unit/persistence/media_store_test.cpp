// The media blob store on a real temporary directory: exact bytes under the sharded
// path, the stored type, atomic writes with no leftovers, expiry and listing.

#include "persistence/media_store.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "runtime/errors.hpp"
#include "runtime/media_id.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley {
namespace {

namespace fs = std::filesystem;

constexpr int64_t day_ms = 24LL * 3600 * 1000;

std::string file_bytes(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every file under `root`, relative to it.
std::vector<std::string> files_under(const fs::path& root) {
  std::vector<std::string> out;
  for (auto& e : fs::recursive_directory_iterator{root})
    if (e.is_regular_file())
      out.push_back(fs::relative(e.path(), root).string());
  std::sort(out.begin(), out.end());
  return out;
}

class MediaStoreTest : public ::testing::Test {
protected:
  void SetUp() override { reopen(); }

  void reopen() {
    auto opened = media_store::open(dir / "media");
    ASSERT_TRUE(opened) << to_string(opened.error());
    store.emplace(std::move(*opened));
  }

  // Stores `bytes` under their own hash; returns the id.
  std::string put(const std::string& bytes, const std::string& type = "image/png",
                  int64_t uploaded = 1000) {
    auto id = media_id_of(bytes);
    auto res = store->put(id, type, bytes, uploaded);
    EXPECT_TRUE(res) << to_string(res.error());
    return id;
  }

  testing::temp_dir dir;
  std::optional<media_store> store;
};

TEST_F(MediaStoreTest, BlobIsTheExactBytesUnderTheShardedPath) {
  std::string bytes{"\x89PNG\r\n\x1a\n\0binary\0", 16};
  auto id = put(bytes);
  auto expected = dir / "media" / id.substr(0, 2) / id.substr(2, 2) / id;
  EXPECT_EQ(store->path_of(id), expected);
  EXPECT_EQ(file_bytes(expected), bytes);
}

TEST_F(MediaStoreTest, ReadBackGivesBytesTypeSizeAndUploadTime) {
  std::string bytes(100000, 'x');
  auto id = put(bytes, "image/webp", 4242);
  auto meta = store->stat(id);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->content_type, "image/webp");
  EXPECT_EQ(meta->size, 100000);
  EXPECT_EQ(meta->uploaded, 4242);
  auto all = store->read(id, 0, 1 << 20);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, bytes);
}

TEST_F(MediaStoreTest, ReadsSlicesByOffsetAndStopsAtTheEnd) {
  auto id = put("0123456789");
  EXPECT_EQ(*store->read(id, 3, 4), "3456");
  EXPECT_EQ(*store->read(id, 8, 100), "89");
  EXPECT_EQ(*store->read(id, 10, 100), "");
}

TEST_F(MediaStoreTest, MissingObjectIsNotFound) {
  auto id = media_id_of("never stored");
  EXPECT_FALSE(store->contains(id));
  auto meta = store->stat(id);
  ASSERT_FALSE(meta);
  EXPECT_EQ(code_of(meta.error()), errc::not_found);
  auto bytes = store->read(id, 0, 10);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(code_of(bytes.error()), errc::not_found);
}

TEST_F(MediaStoreTest, SecondPutKeepsTheBytesAndMovesTheUploadTimeForward) {
  auto id = put("same bytes", "image/gif", 1000);
  auto again = store->put(id, "image/jpeg", "same bytes", 5000);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->second);  // nothing written
  EXPECT_EQ(again->first.content_type, "image/gif");
  EXPECT_EQ(store->stat(id)->uploaded, 5000);
  // An older upload time (a copy from another node) never moves it back.
  ASSERT_TRUE(store->put(id, "image/gif", "same bytes", 2000));
  EXPECT_EQ(store->stat(id)->uploaded, 5000);
}

TEST_F(MediaStoreTest, LeavesOnlyTheBlobAndItsSidecar) {
  auto id = put("payload");
  auto shard = id.substr(0, 2) + "/" + id.substr(2, 2) + "/";
  EXPECT_EQ(files_under(dir / "media"),
            (std::vector<std::string>{shard + id, shard + id + ".meta"}));
}

TEST_F(MediaStoreTest, OpenRemovesTempFilesAndSidecarsWithoutBlob) {
  auto kept = put("kept");
  auto lost = put("interrupted");
  auto lost_dir = store->path_of(lost).parent_path();
  // A crash mid-write leaves a temp file; one between the two renames leaves a sidecar.
  std::ofstream{lost_dir / (".tmp-" + lost + "-7")} << "half a blob";
  fs::remove(store->path_of(lost));
  reopen();
  EXPECT_EQ(store->cleaned_on_open(), 2u);
  EXPECT_TRUE(store->contains(kept));
  EXPECT_FALSE(store->contains(lost));
  auto shard = kept.substr(0, 2) + "/" + kept.substr(2, 2) + "/";
  auto left = files_under(dir / "media");
  EXPECT_EQ(left, (std::vector<std::string>{shard + kept, shard + kept + ".meta"}));
}

TEST_F(MediaStoreTest, ListsEveryObjectWithItsMetadata) {
  auto a = put("first", "image/png", 10);
  auto b = put("second", "application/octet-stream", 20);
  auto all = store->list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  std::map<std::string, media_meta> by_id;
  for (auto& e : *all)
    by_id[e.id] = e.meta;
  EXPECT_EQ(by_id[a].content_type, "image/png");
  EXPECT_EQ(by_id[a].size, 5);
  EXPECT_EQ(by_id[b].uploaded, 20);
}

TEST_F(MediaStoreTest, SweepRemovesObjectsOlderThanTheTtlOnly) {
  auto old_one = put("old", "image/png", 0);
  auto young = put("young", "image/png", 20 * day_ms);
  auto removed = store->sweep(30 * day_ms, 30 * day_ms);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 1u);
  EXPECT_FALSE(store->contains(old_one));
  EXPECT_FALSE(fs::exists(store->path_of(old_one).string() + ".meta"));
  EXPECT_TRUE(store->contains(young));
}

TEST_F(MediaStoreTest, EraseRemovesBlobAndSidecar) {
  auto id = put("to erase");
  ASSERT_FALSE(store->erase(id));
  EXPECT_FALSE(store->contains(id));
  EXPECT_FALSE(fs::exists(store->path_of(id).string() + ".meta"));
  EXPECT_FALSE(store->erase(id));  // twice is fine
}

TEST_F(MediaStoreTest, RejectsANameThatIsNotAHash) {
  auto res = store->put("../../etc/passwd", "image/png", "x", 1);
  ASSERT_FALSE(res);
  EXPECT_EQ(code_of(res.error()), errc::bad_request);
}

// Ids reach the store from other nodes too: a path, or a short name, is not found.
TEST_F(MediaStoreTest, LooksUpNothingByANameThatIsNotAHash) {
  {
    std::ofstream outside{dir / "secret"};
    outside << "not media";
  }
  for (std::string id : {"../secret", "../../secret", "", "a", "/etc/passwd"}) {
    EXPECT_FALSE(store->contains(id)) << id;
    auto meta = store->stat(id);
    ASSERT_FALSE(meta) << id;
    EXPECT_EQ(code_of(meta.error()), errc::not_found) << id;
    EXPECT_FALSE(store->read(id, 0, 100)) << id;
  }
}

TEST_F(MediaStoreTest, BlobWithoutSidecarIsServedAsOpaqueBytes) {
  auto id = put("sidecar lost", "image/png");
  fs::remove(store->path_of(id).string() + ".meta");
  auto meta = store->stat(id);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->content_type, "application/octet-stream");
  EXPECT_GT(meta->uploaded, 0);
}

} // namespace
} // namespace parley
