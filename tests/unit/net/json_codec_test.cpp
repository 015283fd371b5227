#include "net/json_codec.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace parley::json {
namespace {

template <class T>
T expect_frame(const std::string& text) {
  auto f = decode_client_frame(text);
  if (auto* r = std::get_if<rejected_frame>(&f))
    ADD_FAILURE() << text << " -> " << r->message;
  EXPECT_TRUE(std::holds_alternative<T>(f)) << text;
  return std::holds_alternative<T>(f) ? std::get<T>(f) : T{};
}

rejected_frame expect_rejected(const std::string& text) {
  auto f = decode_client_frame(text);
  EXPECT_TRUE(std::holds_alternative<rejected_frame>(f)) << text;
  return std::holds_alternative<rejected_frame>(f) ? std::get<rejected_frame>(f)
                                                   : rejected_frame{};
}

TEST(JsonCodecTest, DecodesSend) {
  auto s = expect_frame<send_request>(
    R"({"op":"send","id":"m1","to":"bob","body":"hi \"there\"","meta":{"k":[1,2]}})");
  EXPECT_EQ(s.id, "m1");
  EXPECT_EQ(s.to, "bob");
  EXPECT_EQ(s.body, "hi \"there\"");
  EXPECT_EQ(boost::json::parse(s.meta), boost::json::parse(R"({"k":[1,2]})"));
  auto plain = expect_frame<send_request>(R"({"op":"send","id":"m2","to":"bob","body":""})");
  EXPECT_EQ(plain.meta, "{}");
}

TEST(JsonCodecTest, DecodesGroupOps) {
  auto c = expect_frame<group_create_request>(
    R"({"op":"group_create","id":"q4","name":"trip","members":["bob","carol"]})");
  EXPECT_EQ(c.name, "trip");
  EXPECT_EQ(c.members, (std::vector<std::string>{"bob", "carol"}));
  auto add = expect_frame<group_request>(
    R"({"op":"group_add","id":"q5","group":"g-0123abcd","users":["dave"]})");
  EXPECT_EQ(add.op, group_op::add);
  EXPECT_EQ(add.group, "g-0123abcd");
  EXPECT_EQ(add.users, (std::vector<std::string>{"dave"}));
  EXPECT_EQ(expect_frame<group_request>(R"({"op":"group_leave","id":"q6","group":"g-1"})").op,
            group_op::leave);
  EXPECT_EQ(expect_frame<group_request>(R"({"op":"group_info","id":"q7","group":"g-1"})").op,
            group_op::info);
  auto send = expect_frame<send_request>(R"({"op":"send","id":"m","group":"g-1","body":"x"})");
  EXPECT_EQ(send.group, "g-1");
}

TEST(JsonCodecTest, RejectsBadGroupOps) {
  EXPECT_EQ(expect_rejected(R"({"op":"group_create","id":"q","members":[]})").code,
            errc::bad_request);
  EXPECT_EQ(expect_rejected(R"({"op":"group_create","id":"q","name":""})").code,
            errc::bad_request);
  EXPECT_EQ(expect_rejected(R"({"op":"group_add","id":"q","group":"g-1","users":[]})").code,
            errc::bad_request);
  EXPECT_EQ(expect_rejected(R"({"op":"group_info","id":"q","group":"G-1"})").code,
            errc::bad_request);
  EXPECT_EQ(expect_rejected(R"({"op":"group_dance","id":"q","group":"g-1"})").id, "q");
  EXPECT_EQ(expect_rejected(R"({"op":"send","id":"m","group":"bob!","body":"x"})").code,
            errc::bad_request);
  std::string crowd = R"({"op":"group_add","id":"q","group":"g-1","users":[)";
  for (int i = 0; i < 1025; ++i)
    crowd += (i ? ",\"u" : "\"u") + std::to_string(i) + "\"";
  crowd += "]}";
  EXPECT_EQ(expect_rejected(crowd).code, errc::too_large);
}

// A full group listed whole, its creator among the members, fits in one group_create.
TEST(JsonCodecTest, AGroupCreateMayListAFullGroupCreatorIncluded) {
  auto members = [](int n) {
    std::string list = "[\"alice\"";
    for (int i = 1; i < n; ++i)
      list += ",\"u" + std::to_string(i) + "\"";
    return list + "]";
  };
  auto full = expect_frame<group_create_request>(
    R"({"op":"group_create","id":"q","name":"all","members":)" + members(1024) + "}");
  EXPECT_EQ(full.members.size(), 1024u);
  EXPECT_EQ(expect_rejected(R"({"op":"group_create","id":"q","name":"all","members":)"
                            + members(1025) + "}")
              .code,
            errc::too_large);
}

TEST(JsonCodecTest, EncodesGroupAnswers) {
  auto created = boost::json::parse(encode(group_frame{"q4", "g-1", false, {}, {}, {}}));
  EXPECT_EQ(created, boost::json::parse(R"({"op":"ok","id":"q4","group":"g-1"})"));
  auto info = boost::json::parse(
    encode(group_frame{"q7", "g-1", true, "trip", "alice", {"alice", "bob"}}));
  EXPECT_EQ(info, boost::json::parse(R"({"op":"ok","id":"q7","group":"g-1","name":"trip",)"
                                     R"("owner":"alice","members":["alice","bob"]})"));
}

TEST(JsonCodecTest, RejectsBadSendsWithTheirId) {
  auto r = expect_rejected(R"({"op":"send","id":"m1","to":"Bob","body":"x"})");
  EXPECT_EQ(r.code, errc::bad_request);
  EXPECT_EQ(r.id, "m1");
  EXPECT_EQ(expect_rejected(R"({"op":"send","id":"m1","to":"bob"})").code, errc::bad_request);
  EXPECT_EQ(expect_rejected(R"({"op":"send","id":"m1","to":"bob","body":5})").code,
            errc::bad_request);
  EXPECT_EQ(expect_rejected(R"({"op":"send","id":"bad id","to":"bob","body":"x"})").id, "");
  EXPECT_EQ(expect_rejected(R"({"op":"send","id":"","to":"bob","body":"x"})").code,
            errc::bad_request);
  EXPECT_EQ(expect_rejected(R"({"op":"ping","id":""})").code, errc::bad_request);
  EXPECT_EQ(expect_rejected(R"({"op":"key","id":"q","user":""})").code, errc::bad_request);
  EXPECT_EQ(expect_rejected(R"({"op":"group_info","id":"q","group":""})").code,
            errc::bad_request);
  // An optional target given as "" is absent, like null.
  EXPECT_EQ(expect_frame<send_request>(R"({"op":"send","id":"m","to":"bob","group":"","body":"x"})")
              .to,
            "bob");
  EXPECT_EQ(expect_frame<confirm_request>(R"({"op":"delivered","from":"bob","id":"m","group":""})")
              .from,
            "bob");
  std::string big_body = R"({"op":"send","id":"m1","to":"bob","body":")"
                         + std::string(64 * 1024 + 1, 'a') + "\"}";
  EXPECT_EQ(expect_rejected(big_body).code, errc::too_large);
  std::string big_meta = R"({"op":"send","id":"m1","to":"bob","body":"x","meta":{"a":")"
                         + std::string(4 * 1024, 'a') + "\"}}";
  EXPECT_EQ(expect_rejected(big_meta).code, errc::too_large);
}

TEST(JsonCodecTest, RejectsMalformedAndUnknown) {
  EXPECT_EQ(expect_rejected("{not json").code, errc::bad_request);
  EXPECT_EQ(expect_rejected("[1,2]").code, errc::bad_request);
  EXPECT_EQ(expect_rejected(R"({"op":"fly","id":"q"})").id, "q");
  EXPECT_EQ(expect_rejected(R"({"op":"presence","id":"q"})").code, errc::bad_request);
}

TEST(JsonCodecTest, DecodesTheOtherRequests) {
  auto d = expect_frame<confirm_request>(R"({"op":"read","from":"alice","id":"m1"})");
  EXPECT_EQ(d.status, receipt_status::read);
  EXPECT_EQ(expect_frame<presence_request>(R"({"op":"presence","id":"q1","user":"bob"})").user,
            "bob");
  EXPECT_EQ(expect_frame<subscribe_request>(R"({"op":"subscribe","id":"q2","users":["a","b"]})")
              .users.size(),
            2u);
  EXPECT_EQ(expect_frame<key_request>(R"({"op":"key","id":"q3","user":"bob"})").user, "bob");
  EXPECT_EQ(expect_frame<ping_request>(R"({"op":"ping","id":"p"})").id, "p");
}

TEST(JsonCodecTest, DecodesHello) {
  std::string key(44, 'A');  // base64 of 32 zero bytes is 43 chars + '='
  key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  std::string sig = std::string(86, 'A') + "==";
  auto h = expect_frame<hello_frame>(R"({"op":"hello","user":"alice","key":")" + key
                                     + R"(","sig":")" + sig + R"(","device":{"os":"x"}})");
  EXPECT_EQ(h.key.size(), 32u);
  EXPECT_EQ(h.sig.size(), 64u);
  auto t = expect_frame<hello_frame>(R"({"op":"hello","user":"alice","token":"v1.x"})");
  EXPECT_EQ(t.token, "v1.x");
  EXPECT_TRUE(t.sig.empty());
  // A signature beside a token is read too, for the node to check.
  auto both = expect_frame<hello_frame>(R"({"op":"hello","user":"alice","token":"v1.x","key":")"
                                        + key + R"(","sig":")" + sig + R"("})");
  EXPECT_EQ(both.sig.size(), 64u);
  auto nulls = expect_frame<hello_frame>(
    R"({"op":"hello","user":"alice","token":"v1.x","key":null,"sig":null})");
  EXPECT_TRUE(nulls.sig.empty());
  expect_rejected(R"({"op":"hello","user":"alice","token":"v1.x","key":"","sig":""})");
  expect_rejected(R"({"op":"hello","user":"alice","key":"short","sig":"x"})");
}

TEST(JsonCodecTest, EncodesFramesAsValidJson) {
  mailbox_item m;
  m.peer = "alice";
  m.id = "m1";
  m.body = "line\nbreak \"quoted\" \x01 ünï";
  m.meta = R"({"a":1})";
  m.ts = 42;
  auto msg = boost::json::parse(encode(item_frame{"bob", m})).as_object();
  EXPECT_EQ(msg["op"], "msg");
  EXPECT_EQ(msg["from"], "alice");
  EXPECT_EQ(msg["to"], "bob");
  EXPECT_TRUE(msg["group"].is_null());
  EXPECT_EQ(msg["body"].as_string(), m.body);
  EXPECT_EQ(msg["meta"].as_object()["a"], 1);
  EXPECT_EQ(msg["ts"], 42);

  mailbox_item r;
  r.kind = item_kind::receipt;
  r.peer = "bob";
  r.id = "m1";
  r.status = receipt_status::read;
  r.ts = 7;
  auto receipt = boost::json::parse(encode(item_frame{"alice", r})).as_object();
  EXPECT_EQ(receipt["op"], "receipt");
  EXPECT_EQ(receipt["to"], "bob");
  EXPECT_EQ(receipt["status"], "read");

  auto err = boost::json::parse(encode(error_frame{"q", errc::unknown_user, "who"})).as_object();
  EXPECT_EQ(err["code"], "unknown_user");
  EXPECT_EQ(err["id"], "q");
  auto pushed = boost::json::parse(encode(presence_frame{{}, "bob", true, 5})).as_object();
  EXPECT_EQ(pushed["op"], "presence");
  EXPECT_FALSE(pushed.contains("id"));
}

} // namespace
} // namespace parley::json
