// The mailbox and user tables on a real SQLite file.

#include "persistence/mailbox_store.hpp"

#include <gtest/gtest.h>

#include "persistence/user_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley {
namespace {

class MailboxStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto opened = sqlite_db::open(dir / "test.db", sync_mode::normal);
    ASSERT_TRUE(opened);
    db = std::move(*opened);
    auto s = mailbox_store::open(*db);
    ASSERT_TRUE(s);
    store.emplace(std::move(*s));
  }

  mailbox_row row(const std::string& owner, const std::string& peer, const std::string& id,
                  int64_t ts, int kind = 0) {
    mailbox_row r;
    r.owner = owner;
    r.kind = kind;
    r.peer = peer;
    r.msg_id = id;
    r.status = kind == 0 ? 0 : 1;
    r.ts = ts;
    r.body = kind == 0 ? "body of " + id : "";
    r.meta = "{}";
    return r;
  }

  caf::expected<mailbox_store::append_result> append(const mailbox_row& r) {
    if (r.kind == 0)
      return store->append_message(r);
    auto seq = store->append_receipt(r);
    if (!seq)
      return std::move(seq.error());
    return mailbox_store::append_result{*seq, r.ts, r.status, false};
  }

  testing::temp_dir dir;
  std::unique_ptr<sqlite_db> db;
  std::optional<mailbox_store> store;
};

TEST_F(MailboxStoreTest, AppendDedupsMessagesButNotReceipts) {
  auto a = append(row("bob", "alice", "m1", 100));
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->duplicate);
  auto b = append(row("bob", "alice", "m1", 200));
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->duplicate);
  EXPECT_EQ(b->seq, a->seq);
  EXPECT_EQ(b->ts, 100);
  EXPECT_FALSE(append(row("carol", "alice", "m1", 300))->duplicate);
  EXPECT_FALSE(append(row("alice", "bob", "m1", 300, 1))->duplicate);
  EXPECT_FALSE(append(row("alice", "bob", "m1", 301, 1))->duplicate);
}

TEST_F(MailboxStoreTest, LoadReturnsWaitingInOrderAndDeliveredTombstonesWithoutBodies) {
  auto m1 = append(row("bob", "alice", "m1", 1));
  append(row("bob", "carol", "m3", 3));  // stored before m2, from another sender
  append(row("bob", "alice", "m2", 2));
  append(row("other", "alice", "m9", 4));
  ASSERT_FALSE(store->set_status(m1->seq, 1));
  auto loaded = store->load("bob", 100);
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->waiting.size(), 2u);
  EXPECT_EQ(loaded->waiting[0].msg_id, "m3");  // arrival order, not sender order
  EXPECT_EQ(loaded->waiting[1].msg_id, "m2");
  EXPECT_EQ(loaded->waiting[1].body, "body of m2");
  ASSERT_EQ(loaded->delivered.size(), 1u);
  EXPECT_EQ(loaded->delivered[0].msg_id, "m1");
  EXPECT_TRUE(loaded->delivered[0].body.empty());  // erased on delivery
}

TEST_F(MailboxStoreTest, ReadMessagesAndErasedReceiptsLeaveTheQueue) {
  auto m1 = append(row("bob", "alice", "m1", 1));
  auto r1 = append(row("bob", "carol", "x", 2, 1));
  ASSERT_FALSE(store->set_status(m1->seq, 2));
  ASSERT_FALSE(store->erase_receipt(r1->seq));
  auto loaded = store->load("bob", 100);
  EXPECT_TRUE(loaded->waiting.empty());
  EXPECT_TRUE(loaded->delivered.empty());
  // The tombstone still dedups.
  EXPECT_TRUE(append(row("bob", "alice", "m1", 5))->duplicate);
  auto found = store->find("bob", "alice", "", "m1");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->status, 2);
}

TEST_F(MailboxStoreTest, ExpireDropsOldTombstonesAndVeryOldMessages) {
  auto old_done = append(row("bob", "alice", "a", 10));
  store->set_status(old_done->seq, 1);
  append(row("bob", "alice", "b", 20));   // waiting, 30-day expiry not reached
  append(row("bob", "alice", "c", 5));    // waiting, expired
  append(row("bob", "alice", "d", 1000)); // young
  append(row("bob", "carol", "old-receipt", 4, 1));
  append(row("bob", "carol", "new-receipt", 50, 1));
  auto deleted = store->expire(/*dedup*/ 100, /*expiry*/ 8, 1000);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 3);
  auto loaded = store->load("bob", 100);
  std::vector<std::string> ids;
  for (auto& r : loaded->waiting)
    ids.push_back(r.msg_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "d", "new-receipt"}));
  EXPECT_FALSE(append(row("bob", "alice", "a", 2000))->duplicate);
}

TEST_F(MailboxStoreTest, DataSurvivesReopening) {
  append(row("bob", "alice", "m1", 1));
  store.reset();
  db.reset();
  auto reopened = sqlite_db::open(dir / "test.db", sync_mode::full);
  ASSERT_TRUE(reopened);
  auto again = mailbox_store::open(**reopened);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->load("bob", 10)->waiting.size(), 1u);
}

TEST(UserStoreTest, PutTouchLoadAndExists) {
  testing::temp_dir dir;
  auto db = sqlite_db::open(dir / "u.db", sync_mode::normal);
  ASSERT_TRUE(db);
  auto users = user_store::open(**db);
  ASSERT_TRUE(users);
  ASSERT_FALSE(users->put({"alice", std::string(32, '\x01'), 5, 5}));
  ASSERT_FALSE(users->touch("alice", 50));
  ASSERT_FALSE(users->touch("alice", 10));  // never lowered
  auto all = users->load_all();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].last_seen, 50);
  EXPECT_EQ((*all)[0].key, std::string(32, '\x01'));
  EXPECT_TRUE(*users->exists("alice"));
  EXPECT_FALSE(*users->exists("bob"));
}

} // namespace
} // namespace parley
