#include "tests/support/node_process.hpp"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace parley::testing {

namespace {

// Waits for `pid` to exit within `timeout`. Returns the wait status, or nothing.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    auto r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return status;
    if (r < 0)
      return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

pid_t spawn(const std::vector<std::string>& args, int stdout_fd, int stderr_fd) {
  std::vector<char*> argv;
  auto binary = node_binary();
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(stdout_fd, STDOUT_FILENO);
    dup2(stderr_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

} // namespace

std::string node_binary() {
  return PARLEY_NODE_BINARY;
}

node_process::node_process(options opts) : opts_(std::move(opts)) {
  start();
}

node_process::~node_process() {
  if (pid_ > 0)
    kill9();
}

void node_process::start() {
  ++starts_;
  log_file_ = opts_.data.parent_path()
              / (opts_.id + "-" + std::to_string(starts_) + "-" + std::to_string(getpid()) + ".log");
  int out[2];
  if (pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  int err_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> args{"--id=" + opts_.id, "--data=" + opts_.data.string(),
                                "--client=127.0.0.1:0", "--admin=127.0.0.1:0",
                                "--cluster=127.0.0.1:0"};
  args.insert(args.end(), opts_.extra_flags.begin(), opts_.extra_flags.end());
  pid_ = spawn(args, out[1], err_fd);
  ::close(out[1]);
  ::close(err_fd);
  // Read stdout lines until `ready` (or give up after 15 s).
  std::string pending;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{15};
  bool ready = false;
  while (!ready && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0)
      continue;
    char buf[512];
    auto n = ::read(out[0], buf, sizeof(buf));
    if (n <= 0)
      break;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      auto line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      auto port_of = [&]() -> uint16_t {
        return static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
      };
      if (line.rfind("listening client=", 0) == 0)
        client_port_ = port_of();
      else if (line.rfind("listening admin=", 0) == 0)
        admin_port_ = port_of();
      else if (line == "ready")
        ready = true;
    }
  }
  ::close(out[0]);  // the node's later stdout writes go nowhere; it prints nothing more
  if (!ready) {
    kill9();
    throw std::runtime_error("parley-node did not become ready; log:\n" + log());
  }
}

int node_process::terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, SIGTERM);
  auto status = wait_for_exit(pid_, timeout);
  if (!status) {
    kill9();
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

void node_process::kill9() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  wait_for_exit(pid_, std::chrono::seconds{10});
  pid_ = -1;
}

void node_process::restart() {
  if (pid_ > 0)
    kill9();
  start();
}

std::string node_process::client_url() const {
  return "ws://127.0.0.1:" + std::to_string(client_port_) + "/v1/ws";
}

std::string node_process::log() const {
  std::ifstream in{log_file_};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::pair<int, std::string> run_node_once(const std::vector<std::string>& args,
                                          std::chrono::milliseconds timeout) {
  char path[] = "/tmp/parley-run-XXXXXX";
  int fd = mkstemp(path);
  int devnull = ::open("/dev/null", O_WRONLY);
  auto pid = spawn(args, devnull, fd);
  ::close(devnull);
  ::close(fd);
  auto status = wait_for_exit(pid, timeout);
  if (!status) {
    ::kill(pid, SIGKILL);
    wait_for_exit(pid, std::chrono::seconds{5});
  }
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  ::unlink(path);
  int code = status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  return {code, ss.str()};
}

} // namespace parley::testing
