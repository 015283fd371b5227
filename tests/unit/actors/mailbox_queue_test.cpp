#include "actors/mailbox_queue.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

mailbox_item message(int64_t seq, const std::string& peer, const std::string& id) {
  mailbox_item m;
  m.seq = seq;
  m.peer = peer;
  m.id = id;
  return m;
}

mailbox_item receipt(int64_t seq, const std::string& peer, const std::string& id) {
  auto r = message(seq, peer, id);
  r.kind = item_kind::receipt;
  r.status = receipt_status::delivered;
  return r;
}

using outcome = mailbox_queue::confirm_result;

mailbox_item at(mailbox_item item, int64_t ts) {
  item.ts = ts;
  return item;
}

TEST(MailboxQueueTest, ItemsComeInTheOrderTheyCameReceiptsAndMessagesMerged) {
  mailbox_queue q;
  q.append(at(message(3, "a", "x"), 100));
  q.append(at(receipt(3, "c", "r3"), 101));  // receipts are numbered on their own
  q.append(at(message(7, "b", "y"), 102));
  q.append(at(receipt(9, "c", "r9"), 102));  // the same millisecond: the receipt first
  std::vector<std::string> ids;
  q.for_each([&](const mailbox_item& item) { ids.push_back(item.id); });
  EXPECT_EQ(ids, (std::vector<std::string>{"x", "r3", "r9", "y"}));
  ids.clear();
  q.for_each([&](const mailbox_item& item) { ids.push_back(item.id); }, 1);
  EXPECT_EQ(ids, (std::vector<std::string>{"x", "r3"}));
  EXPECT_EQ(q.size(), 4u);
}

// A REST client that never confirms its oldest messages gets them in every answer; the
// receipts behind them must still reach it.
TEST(MailboxQueueTest, TheLimitIsPerKindSoUnconfirmedMessagesDoNotHoldBackReceipts) {
  mailbox_queue q;
  for (int i = 1; i <= 5; ++i)
    q.append(at(message(i, "a", "m" + std::to_string(i)), 100 + i));
  q.append(at(receipt(1, "c", "r1"), 200));
  q.append(at(receipt(2, "c", "r2"), 201));
  std::vector<std::string> ids;
  q.for_each([&](const mailbox_item& item) { ids.push_back(item.id); }, 2);
  EXPECT_EQ(ids, (std::vector<std::string>{"m1", "m2", "r1", "r2"}));
}

TEST(MailboxQueueTest, ConfirmationsMoveForwardOnly) {
  mailbox_queue q;
  q.append(message(1, "alice", "m1"));
  auto d = q.confirm("alice", "", "m1", receipt_status::delivered);
  EXPECT_EQ(d.what, outcome::changed);
  EXPECT_EQ(d.seq, 1);
  EXPECT_EQ(d.before, receipt_status::sent);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.confirm("alice", "", "m1", receipt_status::delivered).what, outcome::unchanged);
  auto r = q.confirm("alice", "", "m1", receipt_status::read);
  EXPECT_EQ(r.what, outcome::changed);
  EXPECT_EQ(r.before, receipt_status::delivered);
  EXPECT_EQ(q.confirm("alice", "", "m1", receipt_status::read).what, outcome::unknown);
}

TEST(MailboxQueueTest, ReadStraightFromWaiting) {
  mailbox_queue q;
  q.append(message(1, "alice", "m1"));
  auto r = q.confirm("alice", "", "m1", receipt_status::read);
  EXPECT_EQ(r.what, outcome::changed);
  EXPECT_EQ(r.before, receipt_status::sent);
  EXPECT_EQ(q.confirm("alice", "", "m1", receipt_status::read).what, outcome::unknown);
}

TEST(MailboxQueueTest, SameIdFromAnotherSenderOrGroupIsAnotherMessage) {
  mailbox_queue q;
  q.append(message(1, "alice", "m1"));
  EXPECT_EQ(q.confirm("carol", "", "m1", receipt_status::delivered).what, outcome::unknown);
  EXPECT_EQ(q.confirm("alice", "g-1", "m1", receipt_status::delivered).what, outcome::unknown);
  EXPECT_EQ(q.size(), 1u);
}

TEST(MailboxQueueTest, EraseReceiptsTakesOnlyWaitingReceipts) {
  mailbox_queue q;
  q.append(receipt(1, "bob", "a"));
  q.append(message(2, "bob", "b"));
  EXPECT_EQ(q.erase_receipts({1, 2, 5}), (std::vector<int64_t>{1}));
  EXPECT_EQ(q.size(), 1u);
}

TEST(MailboxQueueTest, DeliveredStateIsBounded) {
  mailbox_queue q{2};
  for (int i = 0; i < 3; ++i) {
    q.append(message(i, "a", "m" + std::to_string(i)));
    q.confirm("a", "", "m" + std::to_string(i), receipt_status::delivered);
  }
  // The oldest fell out of memory: the store has to answer for it.
  EXPECT_EQ(q.confirm("a", "", "m0", receipt_status::read).what, outcome::unknown);
  EXPECT_EQ(q.confirm("a", "", "m2", receipt_status::read).what, outcome::changed);
}

TEST(MailboxQueueTest, AWaitingMessageIsFoundByItsIdentityUntilConfirmed) {
  mailbox_queue q;
  q.append(at(message(1, "alice", "m1"), 1000));
  ASSERT_NE(q.waiting_message("alice", "", "m1"), nullptr);
  EXPECT_EQ(q.waiting_message("alice", "", "m1")->ts, 1000);
  EXPECT_EQ(q.waiting_message("carol", "", "m1"), nullptr);
  EXPECT_EQ(q.waiting_message("alice", "g-1", "m1"), nullptr);
  q.confirm("alice", "", "m1", receipt_status::delivered);
  EXPECT_EQ(q.waiting_message("alice", "", "m1"), nullptr);
}

} // namespace
} // namespace parley
