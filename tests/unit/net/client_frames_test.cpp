#include "net/client_frames.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace parley::client_wire {
namespace {

boost::json::object parsed(const std::string& text) {
  return boost::json::parse(text).as_object();
}

TEST(ClientFramesTest, GroupSendNamesTheGroupInsteadOfARecipient) {
  auto frame = parsed(send("m1", target{"g-7", true}, "e2eg2:AAAA", "{}"));
  EXPECT_EQ(frame["op"], "send");
  EXPECT_EQ(frame["group"], "g-7");
  EXPECT_FALSE(frame.contains("to"));
  auto direct = parsed(send("m2", target{"bob", false}, "e2e2:AAAA", "{}"));
  EXPECT_EQ(direct["to"], "bob");
  EXPECT_FALSE(direct.contains("group"));
}

TEST(ClientFramesTest, GroupRequestsFollowTheProtocol) {
  EXPECT_EQ(parsed(group_create("q1", "friends", {"bob", "carol"})),
            parsed(R"({"op":"group_create","id":"q1","name":"friends","members":["bob","carol"]})"));
  EXPECT_EQ(parsed(group_change("group_add", "q2", "g-1", {"dave"})),
            parsed(R"({"op":"group_add","id":"q2","group":"g-1","users":["dave"]})"));
  EXPECT_EQ(parsed(group_change("group_remove", "q3", "g-1", {"dave"})),
            parsed(R"({"op":"group_remove","id":"q3","group":"g-1","users":["dave"]})"));
  EXPECT_EQ(parsed(group_leave("q4", "g-1")),
            parsed(R"({"op":"group_leave","id":"q4","group":"g-1"})"));
  EXPECT_EQ(parsed(group_info("q5", "g-1")),
            parsed(R"({"op":"group_info","id":"q5","group":"g-1"})"));
}

TEST(ClientFramesTest, GroupInfoAnswerIsDecoded) {
  auto frame = decode(
    R"({"op":"ok","id":"q5","group":"g-1","name":"friends","owner":"alice","members":["alice","bob"]})");
  auto* o = std::get_if<ok>(&frame);
  ASSERT_TRUE(o);
  ASSERT_TRUE(o->has_group);
  EXPECT_EQ(o->group.group, "g-1");
  EXPECT_EQ(o->group.name, "friends");
  EXPECT_EQ(o->group.owner, "alice");
  EXPECT_EQ(o->group.members, (std::vector<std::string>{"alice", "bob"}));
}

TEST(ClientFramesTest, GroupMessageAndReceiptCarryTheGroup) {
  auto msg = decode(
    R"({"op":"msg","id":"m1","from":"alice","to":"bob","group":"g-1","body":"e2eg2:x","meta":{},"ts":5})");
  ASSERT_TRUE(std::holds_alternative<incoming_message>(msg));
  EXPECT_EQ(std::get<incoming_message>(msg).group, "g-1");
  auto receipt = decode(
    R"({"op":"receipt","id":"m1","to":"carol","group":"g-1","status":"read","ts":6})");
  ASSERT_TRUE(std::holds_alternative<receipt_info>(receipt));
  EXPECT_EQ(std::get<receipt_info>(receipt).group, "g-1");
  EXPECT_EQ(std::get<receipt_info>(receipt).to, "carol");
}

TEST(ClientFramesTest, SendChecksTargetTextAndMeta) {
  auto code = [](const std::variant<std::string, client_error>& r) {
    auto* err = std::get_if<client_error>(&r);
    return err ? err->code : "";
  };
  EXPECT_EQ(code(checked_send(target{"Bob", false}, "x", "{}")), "bad_request");
  EXPECT_EQ(code(checked_send(target{"", true}, "x", "{}")), "bad_request");
  EXPECT_EQ(code(checked_send(target{"bob", false}, "\xff", "{}")), "bad_request");
  EXPECT_EQ(code(checked_send(target{"bob", false}, "x", "[]")), "bad_request");
  auto meta = checked_send(target{"g-1", true}, "x", R"({ "kind" : "text" })");
  EXPECT_EQ(std::get<std::string>(meta), R"({"kind":"text"})");
}

} // namespace
} // namespace parley::client_wire
