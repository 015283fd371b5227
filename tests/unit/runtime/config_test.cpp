#include "runtime/config.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

flag_result parse(std::vector<std::string> args) {
  return parse_node_flags(args);
}

TEST(ConfigTest, RequiredFlagsAndDefaults) {
  auto r = parse({"--id=n1", "--data=/tmp/x"});
  ASSERT_TRUE(r.settings) << r.error;
  EXPECT_EQ(r.settings->id, "n1");
  EXPECT_EQ(r.settings->client, (endpoint{"127.0.0.1", 7070}));
  EXPECT_EQ(r.settings->admin, (endpoint{"127.0.0.1", 7080}));
  EXPECT_EQ(r.settings->cluster.listen, (endpoint{"127.0.0.1", 7090}));
  EXPECT_EQ(r.settings->cluster.replicas, 2u);
  EXPECT_EQ(r.settings->store.sync, sync_mode::normal);
  EXPECT_FALSE(r.settings->fault_injection);
  EXPECT_EQ(r.settings->client_idle_timeout, std::chrono::seconds{60});
}

TEST(ConfigTest, ParsesEveryFlag) {
  auto r = parse({"--id=n2", "--data=d", "--client=0.0.0.0:0", "--admin=127.0.0.1:1",
                  "--cluster=127.0.0.1:2", "--join=127.0.0.1:3,127.0.0.2:4", "--replicas=3",
                  "--sync=full", "--push-webhook=http://127.0.0.1:9/push",
                  "--enable-fault-injection", "--client-idle-timeout=5"});
  ASSERT_TRUE(r.settings) << r.error;
  EXPECT_EQ(r.settings->client.port, 0);
  ASSERT_EQ(r.settings->cluster.seeds.size(), 2u);
  EXPECT_EQ(r.settings->cluster.seeds[1], (endpoint{"127.0.0.2", 4}));
  EXPECT_EQ(r.settings->cluster.replicas, 3u);
  EXPECT_EQ(r.settings->store.sync, sync_mode::full);
  ASSERT_TRUE(r.settings->push_webhook);
  EXPECT_EQ(r.settings->push_webhook->to_string(), "http://127.0.0.1:9/push");
  EXPECT_TRUE(r.settings->fault_injection);
  EXPECT_EQ(r.settings->client_idle_timeout, std::chrono::seconds{5});
}

TEST(ConfigTest, RejectsBadFlagsWithOneLine) {
  for (auto args : std::vector<std::vector<std::string>>{
         {"--data=d"},
         {"--id=n1"},
         {"--id=N1", "--data=d"},
         {"--id=n1", "--data=d", "--client=nohost"},
         {"--id=n1", "--data=d", "--client=h:70000"},
         {"--id=n1", "--data=d", "--replicas=0"},
         {"--id=n1", "--data=d", "--sync=sometimes"},
         {"--id=n1", "--data=d", "--join=h:0"},
         {"--id=n1", "--data=d", "--secret-file=/nonexistent/secret"},
         {"--id=n1", "--data=d", "--tls-dir=/nonexistent"},
         {"--id=n1", "--data=d", "--push-webhook=ftp://x"},
         {"--id=n1", "--data=d", "--push-webhook=http://"},
         {"--id=n1", "--data=d", "--push-webhook=http://h:0/"},
         {"--id=n1", "--data=d", "--client-idle-timeout=0"},
         {"--id=n1", "--data=d", "--client-idle-timeout=3601"},
         {"--id=n1", "--data=d", "--client-idle-timeout=1m"},
         {"--id=n1", "--data=d", "--bogus=1"},
         {"--id=n1", "--data=d", "stray"},
       }) {
    auto r = parse(args);
    EXPECT_FALSE(r.settings) << args.back();
    EXPECT_FALSE(r.error.empty());
    EXPECT_EQ(r.error.find('\n'), std::string::npos);
  }
}

TEST(ConfigTest, WebhookUrlsSplitIntoHostPortAndTarget) {
  auto plain = parse_http_url("http://push.example:8080/v1/notify?k=1");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->host, "push.example");
  EXPECT_EQ(plain->port, 8080);
  EXPECT_EQ(plain->target, "/v1/notify?k=1");
  auto tls = parse_http_url("https://push.example");
  ASSERT_TRUE(tls);
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, 443);
  EXPECT_EQ(tls->target, "/");
  auto v6 = parse_http_url("http://[::1]:9000/p");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  EXPECT_EQ(v6->to_string(), "http://[::1]:9000/p");
  for (auto bad : {"http://", "http://:80/", "http://h:x/", "http://h:70000/",
                   "http://user@h/", "http://::1/", "http://h/a b", "http://h/#f"})
    EXPECT_FALSE(parse_http_url(bad)) << bad;
}

TEST(ConfigTest, UserIds) {
  EXPECT_TRUE(is_valid_id("alice"));
  EXPECT_TRUE(is_valid_id("a.b-c_9"));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id("Alice"));
  EXPECT_FALSE(is_valid_id(std::string(33, 'a')));
  EXPECT_FALSE(is_valid_id("a b"));
}

} // namespace
} // namespace parley
