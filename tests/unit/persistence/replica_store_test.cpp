// A mailbox's copies on a real SQLite file: changes by message identity, dump, and a
// merge that only ever moves a message forward.

#include "persistence/replica_store.hpp"

#include <gtest/gtest.h>

#include "persistence/mailbox_store.hpp"
#include "persistence/user_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley {
namespace {

class ReplicaStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto opened = sqlite_db::open(dir / "copy.db", sync_mode::normal);
    ASSERT_TRUE(opened);
    db = std::move(*opened);
    auto m = mailbox_store::open(*db);
    ASSERT_TRUE(m);
    mailboxes.emplace(std::move(*m));
    auto u = user_store::open(*db);
    ASSERT_TRUE(u);
    users.emplace(std::move(*u));
    auto c = replica_store::open(*db);
    ASSERT_TRUE(c);
    copies.emplace(std::move(*c));
  }

  static mailbox_row message(const std::string& id, int status = 0) {
    mailbox_row r;
    r.owner = "bob";
    r.peer = "alice";
    r.msg_id = id;
    r.status = status;
    r.ts = 1000;
    r.body = status == 0 ? "body of " + id : "";
    r.meta = status == 0 ? "{}" : "";
    return r;
  }

  static mailbox_row receipt(const std::string& id, int status) {
    auto r = message(id, status);
    r.kind = 1;
    r.body.clear();
    r.meta.clear();
    return r;
  }

  mailbox_dump dump() {
    auto d = copies->dump("bob");
    EXPECT_TRUE(d);
    return d ? *d : mailbox_dump{};
  }

  testing::temp_dir dir;
  std::unique_ptr<sqlite_db> db;
  std::optional<mailbox_store> mailboxes;
  std::optional<user_store> users;
  std::optional<replica_store> copies;
};

TEST_F(ReplicaStoreTest, DumpHoldsEveryRowOfTheOwnerInArrivalOrder) {
  ASSERT_TRUE(mailboxes->append_message(message("m1")));
  ASSERT_TRUE(mailboxes->append_message(message("m2")));
  auto other = message("x");
  other.owner = "carol";
  ASSERT_TRUE(mailboxes->append_message(other));
  ASSERT_TRUE(mailboxes->append_receipt(receipt("r1", 1)));
  auto d = dump();
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].msg_id, "m1");
  EXPECT_EQ(d.messages[1].msg_id, "m2");
  EXPECT_EQ(d.messages[0].body, "body of m1");
  ASSERT_EQ(d.receipts.size(), 1u);
  EXPECT_EQ(d.receipts[0].status, 1);
}

TEST_F(ReplicaStoreTest, MergeAddsWhatIsMissingAndNeverMovesBack) {
  ASSERT_TRUE(mailboxes->append_message(message("m1")));
  mailbox_dump copy;
  copy.messages = {message("m1", 1), message("m2")};
  copy.receipts = {receipt("r1", 2)};
  auto changed = copies->merge("bob", copy);
  ASSERT_TRUE(changed);
  EXPECT_EQ(*changed, 3);  // m1 raised, m2 and r1 added
  auto d = dump();
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].status, 1);
  EXPECT_EQ(d.messages[0].body, "");  // delivered: the body is gone here too
  // An older copy (m1 still waiting) changes nothing; merging again is a no-op.
  mailbox_dump older;
  older.messages = {message("m1", 0)};
  EXPECT_EQ(*copies->merge("bob", older), 0);
  EXPECT_EQ(*copies->merge("bob", copy), 0);
  EXPECT_EQ(dump().messages[0].status, 1);
  EXPECT_EQ(dump().receipts.size(), 1u);
}

TEST_F(ReplicaStoreTest, ChangesAddressMessagesByIdentity) {
  ASSERT_TRUE(mailboxes->append_message(message("m1")));
  ASSERT_TRUE(mailboxes->append_receipt(receipt("m0", 1)));
  ASSERT_FALSE(copies->raise_status("bob", "alice", "", "m1", 2));
  ASSERT_FALSE(copies->raise_status("bob", "alice", "", "m1", 1));  // never back
  ASSERT_FALSE(copies->erase_receipt("bob", "alice", "", "m0", 2));  // other status: kept
  auto d = dump();
  EXPECT_EQ(d.messages[0].status, 2);
  EXPECT_EQ(d.receipts.size(), 1u);
  ASSERT_FALSE(copies->erase_receipt("bob", "alice", "", "m0", 1));
  EXPECT_TRUE(dump().receipts.empty());
}

TEST_F(ReplicaStoreTest, OwnersListsMailboxesAndUsersAndDropForgetsTheRows) {
  ASSERT_TRUE(mailboxes->append_message(message("m1")));
  ASSERT_FALSE(users->put(user_row{"dave", std::string(32, 'k'), 1, 1}));
  auto owners = copies->owners();
  ASSERT_TRUE(owners);
  EXPECT_EQ(*owners, (std::vector<std::string>{"bob", "dave"}));
  ASSERT_FALSE(copies->drop("bob"));
  EXPECT_TRUE(dump().messages.empty());
  EXPECT_EQ(*copies->owners(), (std::vector<std::string>{"dave"}));  // users stay
}

} // namespace
} // namespace parley
