// The media actor on CAF's deterministic scheduler, with its files in a temporary
// directory: uploads, downloads, slices from other nodes, expiry at start.

#include "actors/media_state.hpp"

#include <filesystem>

#include "persistence/media_store.hpp"
#include "runtime/clock.hpp"
#include "runtime/media_id.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

constexpr int64_t day_ms = 24LL * 3600 * 1000;

class MediaActorTest : public ActorTest {
protected:
  caf::actor start_media_actor() {
    media_settings s;
    s.root = dir / "media";
    s.detached = false;
    auto m = sys.spawn(media, s, static_cast<const cluster_view*>(nullptr), &metrics);
    spawned.push_back(m);
    sched.run();
    return m;
  }

  static media_chunk slice(const std::string& whole, const std::string& type, int64_t offset,
                           int64_t len, uint64_t transfer = 1) {
    media_chunk c;
    c.from = "n2";
    c.transfer = transfer;
    c.info = media_info{media_id_of(whole), type, static_cast<int64_t>(whole.size()), 1000};
    c.offset = offset;
    c.bytes = whole.substr(static_cast<size_t>(offset), static_cast<size_t>(len));
    return c;
  }
};

TEST_F(MediaActorTest, UploadIsStoredUnderItsHashAndServedBack) {
  auto m = start_media_actor();
  std::string bytes{"\x89PNG\0\x01\x02", 7};
  auto info = ask<media_info>(m, media_put_atom_v, std::string{"image/png"}, bytes);
  EXPECT_EQ(info.media, media_id_of(bytes));
  EXPECT_EQ(info.size, 7);
  EXPECT_TRUE(std::filesystem::exists(dir / "media" / info.media.substr(0, 2)
                                      / info.media.substr(2, 2) / info.media));
  auto piece = ask<media_piece>(m, media_get_atom_v, info.media);
  EXPECT_EQ(piece.bytes, bytes);
  EXPECT_EQ(piece.info.content_type, "image/png");
  EXPECT_EQ(metrics.media_uploads.value(), 1u);
  EXPECT_EQ(metrics.media_downloads.value(), 1u);
  EXPECT_EQ(metrics.media_bytes_stored.value(), 7u);
}

TEST_F(MediaActorTest, UnknownObjectIsNotFound) {
  auto m = start_media_actor();
  auto err = ask_error(m, media_get_atom_v, media_id_of("nothing"));
  EXPECT_EQ(code_of(err), errc::not_found);
  EXPECT_FALSE(ask<bool>(m, media_has_atom_v, media_id_of("nothing")));
}

TEST_F(MediaActorTest, SlicesInOrderCommitTheObjectWithTheLastOne) {
  auto m = start_media_actor();
  std::string whole = "0123456789abcdefghij";
  EXPECT_FALSE(ask<bool>(m, media_chunk_atom_v, slice(whole, "image/gif", 0, 8)));
  EXPECT_FALSE(ask<bool>(m, media_has_atom_v, media_id_of(whole)));
  EXPECT_FALSE(ask<bool>(m, media_chunk_atom_v, slice(whole, "image/gif", 8, 8)));
  EXPECT_TRUE(ask<bool>(m, media_chunk_atom_v, slice(whole, "image/gif", 16, 4)));
  EXPECT_TRUE(ask<bool>(m, media_has_atom_v, media_id_of(whole)));
  auto piece = ask<media_piece>(m, media_read_atom_v, media_id_of(whole), int64_t{5},
                                int64_t{3});
  EXPECT_EQ(piece.bytes, "567");
  EXPECT_EQ(piece.info.size, 20);
  EXPECT_EQ(piece.info.content_type, "image/gif");
}

TEST_F(MediaActorTest, ASliceOutOfOrderIsRefused) {
  auto m = start_media_actor();
  std::string whole = "0123456789";
  EXPECT_FALSE(ask<bool>(m, media_chunk_atom_v, slice(whole, "image/png", 0, 4)));
  auto err = ask_error(m, media_chunk_atom_v, slice(whole, "image/png", 6, 4));
  EXPECT_EQ(code_of(err), errc::bad_request);
}

TEST_F(MediaActorTest, BytesThatDoNotMatchTheirHashAreNeverStored) {
  auto m = start_media_actor();
  auto c = slice("the real bytes", "image/png", 0, 14);
  c.bytes = "forged bytes!!";
  auto err = ask_error(m, media_chunk_atom_v, c);
  EXPECT_EQ(code_of(err), errc::bad_request);
  EXPECT_FALSE(ask<bool>(m, media_has_atom_v, c.info.media));
}

TEST_F(MediaActorTest, AnObjectAlreadyHereIsCommittedByItsFirstSlice) {
  auto m = start_media_actor();
  std::string whole(3000, 'z');
  ask<media_info>(m, media_put_atom_v, std::string{"image/webp"}, whole);
  EXPECT_TRUE(ask<bool>(m, media_chunk_atom_v, slice(whole, "image/webp", 0, 1000, 7)));
}

TEST_F(MediaActorTest, ReadsAreCappedAtOneSlice) {
  auto m = start_media_actor();
  std::string whole(static_cast<size_t>(media_chunk_bytes) + 10, 'q');
  ask<media_info>(m, media_put_atom_v, std::string{"application/octet-stream"}, whole);
  auto piece = ask<media_piece>(m, media_read_atom_v, media_id_of(whole), int64_t{0},
                                int64_t{1} << 30);
  EXPECT_EQ(static_cast<int64_t>(piece.bytes.size()), media_chunk_bytes);
}

TEST_F(MediaActorTest, ObjectsOlderThanThirtyDaysAreRemovedAtStart) {
  std::string old_bytes = "uploaded long ago", young_bytes = "uploaded last week";
  {
    auto store = media_store::open(dir / "media");
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->put(media_id_of(old_bytes), "image/png", old_bytes,
                           now_ms() - 31 * day_ms));
    ASSERT_TRUE(store->put(media_id_of(young_bytes), "image/png", young_bytes,
                           now_ms() - 7 * day_ms));
  }
  auto m = start_media_actor();
  EXPECT_FALSE(ask<bool>(m, media_has_atom_v, media_id_of(old_bytes)));
  EXPECT_TRUE(ask<bool>(m, media_has_atom_v, media_id_of(young_bytes)));
}

} // namespace
} // namespace parley::testing
