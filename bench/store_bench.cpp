// parley-store-bench: the mailbox tables alone, under the pattern a node writes them in:
// per message an insert, later its delivered status, and a receipt stored and erased.
// Prints messages per second and microseconds per SQL operation for a batch size.
//
//   parley-store-bench [--batch=OPS] [--messages=N] [--users=U] [--sync=normal|full]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <random>
#include <string>

#include <unistd.h>

#include "persistence/mailbox_store.hpp"

namespace {

int usage(const std::string& why) {
  std::fprintf(stderr, "parley-store-bench: %s\n", why.c_str());
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  using namespace parley;
  long batch = 300;
  long messages = 200000;
  long users = 1000;
  sync_mode sync = sync_mode::normal;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      auto prefix = std::string{"--"} + name + "=";
      return arg.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (auto v = value("batch"))
      batch = std::atol(v);
    else if (auto v = value("messages"))
      messages = std::atol(v);
    else if (auto v = value("users"))
      users = std::atol(v);
    else if (auto v = value("sync"))
      sync = std::string{v} == "full" ? sync_mode::full : sync_mode::normal;
    else
      return usage("unknown argument " + arg);
  }
  if (batch < 4 || messages < 1 || users < 2)
    return usage("--batch >= 4, --messages >= 1, --users >= 2");
  auto dir = std::filesystem::temp_directory_path()
             / ("parley-store-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto db = sqlite_db::open(dir / "bench.db", sync);
  if (!db)
    return usage("cannot open a database in " + dir.string());
  auto store = mailbox_store::open(**db);
  if (!store)
    return usage("cannot create the tables in " + dir.string());
  std::mt19937 rng{42};
  std::deque<int64_t> undelivered;  // messages whose `delivered` comes 50 messages later
  std::deque<int64_t> unwritten;    // receipts erased 50 messages later
  long ops = 0;
  auto start = std::chrono::steady_clock::now();
  for (long done = 0; done < messages;) {
    (*db)->begin();
    for (long i = 0; i < batch / 4 && done < messages; ++i, ++done) {
      mailbox_row m;
      m.owner = "u" + std::to_string(rng() % users);
      m.peer = "u" + std::to_string(rng() % users);
      m.msg_id = "m" + std::to_string(done);
      m.ts = done;
      m.body = std::string(32, 'x');
      m.meta = "{}";
      undelivered.push_back(store->append_message(m)->seq);
      ++ops;
      if (undelivered.size() > 50) {
        store->set_status(undelivered.front(), 1);
        undelivered.pop_front();
        mailbox_row r = m;
        std::swap(r.owner, r.peer);
        r.kind = 1;
        r.status = 1;
        unwritten.push_back(*store->append_receipt(r));
        ops += 2;
      }
      if (unwritten.size() > 50) {
        store->erase_receipt(unwritten.front());
        unwritten.pop_front();
        ++ops;
      }
    }
    if (auto err = (*db)->commit())
      return usage("commit failed");
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("batch %ld ops, %ld messages, %ld users: %.0f messages/s, %.2f us per SQL operation\n",
              batch, messages, users, messages / secs, secs * 1e6 / ops);
  std::filesystem::remove_all(dir);
  return 0;
}
