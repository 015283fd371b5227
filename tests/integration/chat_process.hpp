#pragma once

// One parley-chat process for integration tests, stopped by PID.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

extern char** environ;

namespace parley::testing {

// One parley-chat process with HOME in the test's directory: stdin is a pipe the test
// writes, stdout and stderr go to one file.
class chat_process {
public:
  chat_process(const std::filesystem::path& home, const std::string& url,
               const std::string& user)
    : out_(home / (user + ".out")) {
    std::filesystem::create_directories(home);
    int in[2];
    EXPECT_EQ(::pipe2(in, O_CLOEXEC), 0);
    posix_spawn_file_actions_t io;
    posix_spawn_file_actions_init(&io);
    posix_spawn_file_actions_adddup2(&io, in[0], STDIN_FILENO);
    posix_spawn_file_actions_addopen(&io, STDOUT_FILENO, out_.c_str(), O_WRONLY | O_CREAT, 0644);
    posix_spawn_file_actions_adddup2(&io, STDOUT_FILENO, STDERR_FILENO);
    std::vector<std::string> args{PARLEY_CHAT_BINARY, "--server", url, "--user", user};
    std::vector<std::string> env{"HOME=" + home.string()};
    for (char** e = environ; *e; ++e)
      if (std::string_view{*e}.substr(0, 5) != "HOME=")
        env.emplace_back(*e);
    auto argv = pointers(args);
    auto envp = pointers(env);
    EXPECT_EQ(posix_spawn(&pid_, argv[0], &io, nullptr, argv.data(), envp.data()), 0);
    posix_spawn_file_actions_destroy(&io);
    ::close(in[0]);
    stdin_ = in[1];
  }

  ~chat_process() {
    close_stdin();
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  void write_line(const std::string& line) {
    auto text = line + "\n";
    EXPECT_EQ(::write(stdin_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }

  void close_stdin() {
    if (stdin_ >= 0)
      ::close(stdin_);
    stdin_ = -1;
  }

  std::string output() const {
    std::ifstream in{out_};
    return {std::istreambuf_iterator<char>{in}, {}};
  }

  bool wait_output(const std::string& text,
                   std::chrono::milliseconds timeout = std::chrono::seconds{10}) const {
    return wait_output_any({text}, timeout);
  }

  /// Waits until the output holds one of `texts`.
  bool wait_output_any(const std::vector<std::string>& texts,
                       std::chrono::milliseconds timeout = std::chrono::seconds{10}) const {
    return wait_until(timeout, [&](const std::string& out) {
      for (const auto& text : texts)
        if (out.find(text) != std::string::npos)
          return true;
      return false;
    });
  }

  /// Waits until a part of the output matches `pattern`.
  bool wait_match(const std::regex& pattern,
                  std::chrono::milliseconds timeout = std::chrono::seconds{10}) const {
    return wait_until(timeout,
                      [&](const std::string& out) { return std::regex_search(out, pattern); });
  }

  /// Ctrl-C, as a terminal sends it.
  void interrupt() {
    if (pid_ > 0)
      ::kill(pid_, SIGINT);
  }

  /// The exit code, or -1 if it did not exit in time (the destructor kills it).
  int wait_exit(std::chrono::milliseconds timeout) {
    for (auto end = std::chrono::steady_clock::now() + timeout;
         std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(std::chrono::milliseconds{20})) {
      int status = 0;
      if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
    }
    return -1;
  }

private:
  template <class Done>
  bool wait_until(std::chrono::milliseconds timeout, const Done& done) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (done(output()))
        return true;
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
  }

  static std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings)
      out.push_back(s.data());
    out.push_back(nullptr);
    return out;
  }

  std::filesystem::path out_;
  pid_t pid_ = -1;
  int stdin_ = -1;
};

} // namespace parley::testing
