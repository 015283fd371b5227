// The types that will cross nodes survive CAF's binary serialization.

#include "actors/messages.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "tests/unit/actors/actor_fixture.hpp"

namespace parley::testing {
namespace {

class MessagesTest : public ActorTest {
protected:
  template <class T>
  T round_trip(T value) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    EXPECT_FALSE(sink(value));
    T out{};
    caf::binary_deserializer source{sys, buf};
    EXPECT_FALSE(source(out));
    return out;
  }
};

TEST_F(MessagesTest, MailboxItemsRoundTrip) {
  mailbox_item m;
  m.seq = 42;
  m.kind = item_kind::receipt;
  m.peer = "bob";
  m.id = "m-1";
  m.group = "g-7";
  m.body = std::string("\0binary\xff", 8);
  m.meta = R"({"k":1})";
  m.ts = 1'700'000'000'000;
  m.status = receipt_status::read;
  auto back = round_trip(m);
  EXPECT_EQ(back.seq, 42);
  EXPECT_EQ(back.kind, item_kind::receipt);
  EXPECT_EQ(back.peer, "bob");
  EXPECT_EQ(back.group, "g-7");
  EXPECT_EQ(back.body, m.body);
  EXPECT_EQ(back.meta, m.meta);
  EXPECT_EQ(back.ts, m.ts);
  EXPECT_EQ(back.status, receipt_status::read);
}

TEST_F(MessagesTest, SnapshotsAndRecordsRoundTrip) {
  mailbox_snapshot snap;
  snap.known_user = true;
  snap.waiting.push_back(message_from("alice", "m1"));
  auto back = round_trip(snap);
  EXPECT_TRUE(back.known_user);
  ASSERT_EQ(back.waiting.size(), 1u);
  EXPECT_EQ(back.waiting[0].id, "m1");
  auto user = round_trip(user_record{"alice", std::string(32, 'k'), 1, 2});
  EXPECT_EQ(user.key, std::string(32, 'k'));
  EXPECT_EQ(user.last_seen, 2);
  auto c = round_trip(confirm_request{"alice", "m1", "", receipt_status::delivered});
  EXPECT_EQ(c.status, receipt_status::delivered);
}

TEST_F(MessagesTest, ErrorsRenderWithTheirWireNames) {
  EXPECT_NE(sys.render(caf::make_error(errc::unknown_user, "bob")).find("unknown_user"),
            std::string::npos);
  EXPECT_EQ(code_of(caf::make_error(errc::rate_limited)), errc::rate_limited);
  EXPECT_EQ(code_of(caf::make_error(caf::sec::request_timeout)), errc::internal);
}

} // namespace
} // namespace parley::testing
