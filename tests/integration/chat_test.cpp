// parley-chat against a real node: a conversation with receipts, key pinning across
// runs with its warning and /trust, groups and encrypted images, and its flags.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <string>

#include <sys/stat.h>

#include "net/client_content.hpp"
#include "net/client_crypto.hpp"
#include "net/client_media.hpp"
#include "runtime/base64.hpp"
#include "tests/integration/chat_process.hpp"
#include "tests/integration/client_fixture.hpp"
#include "tests/support/media_client.hpp"
#include "tests/support/ws_test_client.hpp"

namespace parley::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ChatTest : public ClientTest {};

// `owner` creates the group `name` with `members` ("bob, carol"); its id, or "" if not.
std::string create_group(chat_process& owner, const std::string& name,
                         const std::string& members) {
  owner.write_line("/group create " + name + " " + members);
  if (!owner.wait_output_any({"* created " + name + " as #", "! "}))
    return {};
  std::smatch created;
  auto out = owner.output();
  if (!std::regex_search(out, created, std::regex{"created " + name + " as #(\\S+);"}))
    return {};
  return created[1].str();
}

// bob and carol online, then alice, who has made the group "friends" of the three.
struct friends_group {
  friends_group(const std::filesystem::path& home, const std::string& url)
    : bob{home, url, "bob"}, carol{home, url, "carol"} {
    EXPECT_TRUE(bob.wait_output("* connected")) << bob.output();
    EXPECT_TRUE(carol.wait_output("* connected")) << carol.output();
    alice.emplace(home, url, "alice");
    gid = create_group(*alice, "friends", "bob, carol");
  }

  chat_process bob;
  chat_process carol;
  std::optional<chat_process> alice;  // started once bob and carol are online
  std::string gid;                    // "" if alice could not make it
};

// bob online, then alice, who has chosen to talk to bob.
struct alice_and_bob {
  alice_and_bob(const std::filesystem::path& home, const std::string& url)
    : bob{home, url, "bob"} {
    EXPECT_TRUE(bob.wait_output("* connected")) << bob.output();
    alice.emplace(home, url, "alice");
    alice->write_line("/to bob");
  }

  chat_process bob;
  std::optional<chat_process> alice;  // started once bob is online
};

TEST_F(ChatTest, ShowsMessagesAndReceipts) {
  auto home = dir / "home";
  alice_and_bob talk{home, node->client_url()};
  auto &alice = *talk.alice, &bob = talk.bob;
  alice.write_line("hello from alice");
  ASSERT_TRUE(bob.wait_output("alice: hello from alice")) << bob.output();
  ASSERT_TRUE(alice.wait_output("✓✓ delivered")) << alice.output();
  bob.write_line("/to alice");  // marks the waiting message read
  EXPECT_TRUE(alice.wait_output("✓✓ read")) << alice.output();
  EXPECT_NE(alice.output().find("✓ sent"), std::string::npos);

  alice.close_stdin();
  bob.close_stdin();
  EXPECT_EQ(alice.wait_exit(seconds{12}), 0);
  EXPECT_EQ(bob.wait_exit(seconds{12}), 0);
  struct stat st{};
  ASSERT_EQ(::stat((home / ".parley" / "alice.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 64);
}

// bob reinstalls (a new key file) and the node lost its data: alice's parley-chat remembers
// bob's old key in its pins file, warns with both fingerprints, refuses to send until
// /trust bob, and then goes on.
TEST_F(ChatTest, WarnsOfAChangedKeyAndSendsOnlyAfterTrust) {
  auto home = dir / "home";
  {
    alice_and_bob talk{home, node->client_url()};
    auto &alice = *talk.alice, &bob = talk.bob;
    alice.write_line("first");
    ASSERT_TRUE(bob.wait_output("alice: first")) << bob.output();
    alice.close_stdin();
    bob.close_stdin();
    ASSERT_EQ(alice.wait_exit(seconds{12}), 0);
    ASSERT_EQ(bob.wait_exit(seconds{12}), 0);
  }
  ASSERT_TRUE(std::filesystem::exists(home / ".parley" / "alice.pins"));
  std::filesystem::remove(home / ".parley" / "bob.key");
  std::filesystem::rename(home / "bob.out", home / "bob-first.out");
  std::filesystem::rename(home / "alice.out", home / "alice-first.out");
  node->kill9();
  node = std::make_unique<node_process>(node_process::options{"n2", dir / "n2", {}});

  alice_and_bob talk{home, node->client_url()};
  auto &alice = *talk.alice, &bob = talk.bob;
  alice.write_line("are you still you?");
  ASSERT_TRUE(alice.wait_output("WARNING: bob's identity key changed")) << alice.output();
  ASSERT_TRUE(alice.wait_output("! key_changed")) << alice.output();
  EXPECT_NE(alice.output().find("pinned: "), std::string::npos);
  EXPECT_NE(alice.output().find("now:    "), std::string::npos);
  alice.write_line("/trust bob");
  ASSERT_TRUE(alice.wait_output("* trusting bob's new key")) << alice.output();
  alice.write_line("after trust");
  ASSERT_TRUE(bob.wait_output("alice: after trust")) << bob.output();
  EXPECT_EQ(bob.output().find("are you still you?"), std::string::npos);
}

// Needs the node's group chats (PROTOCOL.md section 3); skips without them.
TEST_F(ChatTest, TalksInAGroup) {
  friends_group friends{dir / "home", node->client_url()};
  auto &alice = *friends.alice, &bob = friends.bob, &carol = friends.carol;
  const auto& gid = friends.gid;
  ASSERT_FALSE(gid.empty()) << alice.output();
  alice.write_line("/to #" + gid);
  alice.write_line("hello friends");
  EXPECT_TRUE(bob.wait_output("#" + gid + " alice: hello friends")) << bob.output();
  EXPECT_TRUE(carol.wait_output("#" + gid + " alice: hello friends")) << carol.output();
  EXPECT_TRUE(alice.wait_output("(bob in #" + gid + ")")) << alice.output();
  EXPECT_TRUE(alice.wait_output("(carol in #" + gid + ")")) << alice.output();
}

// An empty or blank line is nobody's message: nothing is sent and nothing is said.
TEST_F(ChatTest, BlankLinesAreNotSent) {
  auto home = dir / "home";
  alice_and_bob talk{home, node->client_url()};
  auto &alice = *talk.alice, &bob = talk.bob;
  alice.write_line("");
  alice.write_line("   ");
  alice.write_line(" \t \t");
  alice.write_line("a real one");
  ASSERT_TRUE(bob.wait_output("alice: a real one")) << bob.output();
  auto received = bob.output();
  EXPECT_EQ(received.find("alice: "), received.rfind("alice: ")) << received;
  ASSERT_TRUE(alice.wait_output("✓ sent")) << alice.output();
  alice.close_stdin();
  EXPECT_EQ(alice.wait_exit(seconds{12}), 0) << alice.output();
  auto out = alice.output();
  EXPECT_EQ(out.find("✓ sent"), out.rfind("✓ sent")) << out;
  EXPECT_EQ(out.find("! "), std::string::npos) << out;
}

// /to with something that names no one is refused when it is typed, with the reason, and
// the conversation stays as it was: a group's name instead of its id used to be taken
// and every message to it refused later.
TEST_F(ChatTest, ToRefusesWhatIsNeitherAUserNorAGroupAtOnce) {
  chat_process alice{dir / "home", node->client_url(), "alice"};
  ASSERT_TRUE(alice.wait_output("* connected")) << alice.output();
  alice.write_line("/to #friends");
  EXPECT_TRUE(alice.wait_output("! /to: '#friends' is not a group id")) << alice.output();
  alice.write_line("/to Bob");
  EXPECT_TRUE(alice.wait_output("! /to: 'Bob' is not a user id")) << alice.output();
  alice.write_line("/to #");
  EXPECT_TRUE(alice.wait_output("! /to: '#' is not a group id")) << alice.output();
  alice.write_line("hello?");
  EXPECT_TRUE(alice.wait_output("! choose a peer first")) << alice.output();
  EXPECT_EQ(alice.output().find("* talking to"), std::string::npos) << alice.output();
}

// /to asks the server: a user who never logged in, or a group that does not exist or
// that one is not in, is refused at once, before any message is written to it.
TEST_F(ChatTest, ToRefusesUsersAndGroupsTheServerDoesNotKnow) {
  friends_group friends{dir / "home", node->client_url()};
  ASSERT_FALSE(friends.gid.empty()) << friends.alice->output();
  chat_process dave{dir / "home", node->client_url(), "dave"};
  ASSERT_TRUE(dave.wait_output("* connected")) << dave.output();
  dave.write_line("/to nobody_here");
  EXPECT_TRUE(dave.wait_output("! /to: there is no user nobody_here")) << dave.output();
  dave.write_line("/to #g-00000000000000ff");
  EXPECT_TRUE(dave.wait_output("! /to: there is no group #g-00000000000000ff")) << dave.output();
  dave.write_line("/to #" + friends.gid);
  EXPECT_TRUE(dave.wait_output("! /to: you are not a member of #" + friends.gid)) << dave.output();
  dave.write_line("hello?");
  EXPECT_TRUE(dave.wait_output("! choose a peer first")) << dave.output();
  EXPECT_EQ(dave.output().find("* talking to"), std::string::npos) << dave.output();
  dave.write_line("/to alice");
  EXPECT_TRUE(dave.wait_output("* talking to alice")) << dave.output();
}

// The first run makes the key pair that is the user's identity: it says where it went and
// its fingerprint (what a peer's key-change warning shows), once; later runs say nothing.
TEST_F(ChatTest, TheFirstRunSaysWhereTheKeyPairWentAndItsFingerprint) {
  auto home = dir / "home";
  auto key_file = home / ".parley" / "alice.key";
  {
    chat_process alice{home, node->client_url(), "alice"};
    ASSERT_TRUE(alice.wait_output("* connected")) << alice.output();
    alice.close_stdin();
    ASSERT_EQ(alice.wait_exit(seconds{12}), 0) << alice.output();
  }
  std::ifstream in{key_file, std::ios::binary};
  auto keys = identity_keys::from_secret(std::string(std::istreambuf_iterator<char>{in}, {}));
  ASSERT_TRUE(keys);
  std::filesystem::rename(home / "alice.out", home / "alice-first.out");
  std::ifstream first_out{home / "alice-first.out"};
  std::string first{std::istreambuf_iterator<char>{first_out}, {}};
  EXPECT_NE(first.find("* new key pair saved to " + key_file.string() + " (fingerprint "
                       + e2e::fingerprint(keys->public_key) + ")"),
            std::string::npos)
    << first;

  chat_process again{home, node->client_url(), "alice"};
  ASSERT_TRUE(again.wait_output("* connected")) << again.output();
  EXPECT_EQ(again.output().find("key pair"), std::string::npos) << again.output();
}

// Acks and receipts say which message they are about: its first 24 characters beside
// the id, with an ellipsis when there is more.
TEST_F(ChatTest, AcksAndReceiptsShowTheStartOfTheirMessage) {
  alice_and_bob talk{dir / "home", node->client_url()};
  auto &alice = *talk.alice, &bob = talk.bob;
  alice.write_line("the first message, which is long enough to be cut");
  alice.write_line("second");
  ASSERT_TRUE(bob.wait_output("alice: second")) << bob.output();
  bob.write_line("/to alice");
  EXPECT_TRUE(alice.wait_match(std::regex{"✓ sent \\S+ \"the first message, which…\""}))
    << alice.output();
  EXPECT_TRUE(alice.wait_match(std::regex{"✓✓ delivered \\S+ \\(bob\\) \"second\""}))
    << alice.output();
  EXPECT_TRUE(alice.wait_match(std::regex{"✓✓ read \\S+ \\(bob\\) \"the first message, which…\""}))
    << alice.output();
}

// A group message is read when it is shown in the conversation on screen, or when that
// group is chosen later, as one-to-one messages are; the sender sees who read it.
TEST_F(ChatTest, GroupMessagesAreMarkedReadAndTheSenderSeesWhoReadThem) {
  friends_group friends{dir / "home", node->client_url()};
  auto &alice = *friends.alice, &bob = friends.bob, &carol = friends.carol;
  const auto& gid = friends.gid;
  ASSERT_FALSE(gid.empty()) << alice.output();
  bob.write_line("/to #" + gid);  // bob has the group on screen; carol does not
  ASSERT_TRUE(bob.wait_output("* talking to #" + gid)) << bob.output();
  alice.write_line("/to #" + gid);
  alice.write_line("hello friends");
  ASSERT_TRUE(carol.wait_output("#" + gid + " alice: hello friends")) << carol.output();
  auto receipt = [&](const std::string& status, const std::string& member) {
    return std::regex{"✓✓ " + status + " \\S+ \\(" + member + " in #" + gid + "\\)"};
  };
  EXPECT_TRUE(alice.wait_match(receipt("read", "bob"))) << alice.output();
  ASSERT_TRUE(alice.wait_match(receipt("delivered", "carol"))) << alice.output();
  EXPECT_FALSE(std::regex_search(alice.output(), receipt("read", "carol"))) << alice.output();
  carol.write_line("/to #" + gid);
  EXPECT_TRUE(carol.wait_output("* talking to #" + gid + " (\"friends\", 3 members; 1 marked read)"))
    << carol.output();
  EXPECT_TRUE(alice.wait_match(receipt("read", "carol"))) << alice.output();
}

// Needs the node's media store (PROTOCOL.md section 5); skips without it.
TEST_F(ChatTest, SendsAnImageThatIsSavedInDownloads) {
  auto home = dir / "home";
  std::filesystem::create_directories(home);
  std::string image = "\x89PNG\r\n\x1a\n" + std::string(3000, '\x42');
  std::ofstream{home / "cat.png", std::ios::binary} << image;
  alice_and_bob talk{home, node->client_url()};
  auto &alice = *talk.alice, &bob = talk.bob;
  alice.write_line("/image " + (home / "cat.png").string());
  ASSERT_TRUE(alice.wait_output_any({"✓ sent", "! "})) << alice.output();
  ASSERT_NE(alice.output().find("✓ sent"), std::string::npos) << alice.output();
  ASSERT_TRUE(bob.wait_output("* saved a file from alice to ")) << bob.output();
  auto saved = home / ".parley" / "downloads" / "bob" / "cat.png";
  std::ifstream in{saved, std::ios::binary};
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>{in}, {}), image);
}

// A session the server ends for good (a key it refuses, a newer login of the same user)
// ends the client too, at once and with code 1, although its input is still open.
TEST_F(ChatTest, TheClientEndsWhenTheServerEndsItsSession) {
  chat_process first{dir / "home-a", node->client_url(), "bob"};
  ASSERT_TRUE(first.wait_output("* connected")) << first.output();
  {
    chat_process stranger{dir / "home-b", node->client_url(), "bob"};  // another key pair
    EXPECT_TRUE(stranger.wait_output("refused our key")) << stranger.output();
    EXPECT_EQ(stranger.wait_exit(std::chrono::seconds{5}), 1) << stranger.output();
    EXPECT_EQ(stranger.output().find("event="), std::string::npos) << "log lines in the chat";
  }
  std::filesystem::create_directories(dir / "home-c" / ".parley");
  std::filesystem::copy_file(dir / "home-a" / ".parley" / "bob.key",
                             dir / "home-c" / ".parley" / "bob.key");
  chat_process again{dir / "home-c", node->client_url(), "bob"};  // bob on a second device
  ASSERT_TRUE(again.wait_output("* connected")) << again.output();
  EXPECT_TRUE(first.wait_output("signed in elsewhere")) << first.output();
  EXPECT_EQ(first.wait_exit(std::chrono::seconds{5}), 1) << first.output();
}

// Ctrl-C right after a message: the client still waits for its ack, then goes (exit 0).
TEST_F(ChatTest, CtrlCWaitsForWhatWasTypedToBeAcknowledged) {
  auto home = dir / "home";
  alice_and_bob talk{home, node->client_url()};
  auto &alice = *talk.alice, &bob = talk.bob;
  ASSERT_TRUE(alice.wait_output("* connected")) << alice.output();
  alice.write_line("before I go");
  alice.interrupt();
  EXPECT_EQ(alice.wait_exit(std::chrono::seconds{12}), 0) << alice.output();
  EXPECT_TRUE(bob.wait_output("alice: before I go")) << bob.output();
}

// A terminal passes on at most 4095 bytes of a line and drops the rest: a line of just
// that length was probably cut, and the user is told so (it is still sent).
TEST_F(ChatTest, WarnsThatALineOfTheTerminalsLimitMayHaveBeenCut) {
  alice_and_bob talk{dir / "home", node->client_url()};
  auto &alice = *talk.alice, &bob = talk.bob;
  alice.write_line(std::string(4094, 'a'));
  alice.write_line(std::string(4095, 'b'));
  ASSERT_TRUE(bob.wait_output("alice: " + std::string(4095, 'b'))) << bob.output();
  auto out = alice.output();
  auto warning = out.find("may have been cut");
  EXPECT_NE(warning, std::string::npos) << out;
  EXPECT_EQ(warning, out.rfind("may have been cut")) << out;
}

// Messages the server never took by the end of the wait after the input ends are named
// on stderr, each with its recipient and start, and the exit code says so.
TEST_F(ChatTest, SaysWhichMessagesWereNotAcknowledgedWhenTheInputEnds) {
  chat_process alice{dir / "home", node->client_url(), "alice"};
  ASSERT_TRUE(alice.wait_output("* connected")) << alice.output();
  node->kill9();  // nothing alice sends from now on can be acknowledged
  alice.write_line("/to bob");
  alice.write_line("are you there? this will not arrive");
  alice.write_line("nor this");
  alice.close_stdin();
  EXPECT_EQ(alice.wait_exit(seconds{15}), 1) << alice.output();  // after its 10 s wait
  auto out = alice.output();
  EXPECT_NE(out.find("2 message(s) not acknowledged by the server:\n"
                     "  to bob: \"are you there? this will…\"\n"
                     "  to bob: \"nor this\"\n"),
            std::string::npos)
    << out;
}

// A server that cannot be reached is said, once, instead of a blank screen.
TEST_F(ChatTest, AServerThatCannotBeReachedIsSaidOnce) {
  chat_process bob{dir / "home", "ws://127.0.0.1:1/v1/ws", "bob"};
  EXPECT_TRUE(bob.wait_output("* cannot reach ws://127.0.0.1:1/v1/ws")) << bob.output();
  std::this_thread::sleep_for(std::chrono::seconds{2});  // several retries
  auto out = bob.output();
  EXPECT_EQ(out.find("cannot reach"), out.rfind("cannot reach")) << out;
}

// A file that cannot be sent is told and the chat goes on: a directory once crashed it.
TEST_F(ChatTest, AFileThatCannotBeSentIsToldAndTheChatGoesOn) {
  auto home = dir / "home";
  std::filesystem::create_directories(home);
  alice_and_bob talk{home, node->client_url()};
  auto &alice = *talk.alice, &bob = talk.bob;
  alice.write_line("/image " + home.string());
  EXPECT_TRUE(alice.wait_output("it is a directory")) << alice.output();
  alice.write_line("/image " + (home / "nothing.png").string());
  EXPECT_TRUE(alice.wait_output("No such file or directory")) << alice.output();
  alice.write_line("still here");
  EXPECT_TRUE(bob.wait_output("alice: still here")) << bob.output();
}

// A hostile peer, writing its bodies by hand: a file name that climbs out of the
// downloads folder, and text, a mime type and a name full of terminal escapes.
TEST_F(ChatTest, HostilePeerCannotWriteOutsideDownloadsOrDriveTheTerminal) {
  auto home = dir / "home";
  std::filesystem::create_directories(home / ".ssh");  // what the name aims at
  chat_process bob{home, node->client_url(), "bob"};
  ASSERT_TRUE(bob.wait_output("* connected")) << bob.output();

  auto mallory_keys = key_pair::generate();
  ws_test_client mallory{node->client_port()};
  auto welcome = mallory.login("mallory", mallory_keys);
  ASSERT_EQ(welcome["op"], "welcome");
  std::string token{welcome["token"].as_string()};
  mallory.send_text(R"({"op":"key","id":"k1","user":"bob"})");
  auto key = mallory.recv_op("ok");
  ASSERT_TRUE(key);
  auto bob_key = *base64_decode(std::string{(*key)["key"].as_string()});
  identity_keys mallory_identity{mallory_keys.public_key, mallory_keys.secret_key};
  e2e::own_keys me{mallory_identity};
  auto send = [&](const std::string& id, const std::string& plaintext) {
    auto body = std::get<std::string>(e2e::seal_direct(plaintext, {"mallory", "bob", id},
                                                       bob_key, me));
    mallory.send_text(R"({"op":"send","id":")" + id + R"(","to":"bob","body":")" + body
                      + R"("})");
    ASSERT_TRUE(mallory.recv_op("ack")) << id;
  };

  send("t1", e2e::encode_text("\x1b[2J\x1b]0;pwned\x07\n* carol is online"));
  auto file = std::string{"ssh-ed25519 AAAA mallory"};
  auto sealed = std::get<e2e::sealed_media>(e2e::seal_media(file, "image/png", "x"));
  auto upload = media_put(node->client_port(), sealed.ciphertext, "application/octet-stream",
                          token);
  ASSERT_EQ(upload.status, 201) << upload.body;
  auto uploaded = boost::json::parse(upload.body).as_object();
  sealed.ref.url = std::string{uploaded["url"].as_string()};
  sealed.ref.name = "../../../.ssh/authorized_keys";  // from downloads/bob to HOME
  sealed.ref.mime = "image/png\x1b[8m";
  send("f1", e2e::encode_media(sealed.ref));

  ASSERT_TRUE(bob.wait_output("* saved a file from mallory to ")) << bob.output();
  EXPECT_FALSE(std::filesystem::exists(home / ".ssh" / "authorized_keys"));
  auto saved = home / ".parley" / "downloads" / "bob" / "authorized_keys";
  std::ifstream in{saved, std::ios::binary};
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>{in}, {}), file);
  auto out = bob.output();
  EXPECT_NE(out.find("mallory: [2J]0;pwned * carol is online"), std::string::npos) << out;
  for (char control : {'\x1b', '\x07'})
    EXPECT_EQ(out.find(control), std::string::npos) << out;
  EXPECT_EQ(out.find("\n* carol is online"), std::string::npos) << out;
}

TEST_F(ChatTest, RejectsBadFlagsWithExitTwo) {
  chat_process chat{dir / "bad", "not-a-url", "bob"};
  EXPECT_EQ(chat.wait_exit(seconds{5}), 2);
  EXPECT_EQ(chat.output(), "parley-chat: --server: 'not-a-url' is not a ws://HOST:PORT/PATH URL\n");
}

} // namespace
} // namespace parley::testing
