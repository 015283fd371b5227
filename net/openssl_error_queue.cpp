// Keeps a failed TLS handshake of one connection from failing the next connection read
// on the same thread.
//
// OpenSSL keeps errors in a per-thread queue, and SSL_get_error() reads that queue: it
// must be empty before each TLS call (SSL_get_error(3)). CAF 0.17.6's OpenSSL session
// never empties it (it only drains it while formatting a log line, and the node keeps
// CAF's logger quiet). So when an outsider's handshake failed on the cluster port, the
// next read of a member's connection on that thread that had to wait for data was taken
// for a TLS error, and the link between two members was cut: every knock on the port by
// a process without the cluster's certificate split the mesh for a moment.
//
// These definitions take the place of libssl's for the whole process (the dynamic
// linker finds the executable's first) and empty the queue before calling the real
// function. Asio's TLS streams (the push webhook) pass through them too; they empty the
// queue themselves, so it is only emptied twice.
// Test: ClusterTlsTest.FailedHandshakesOfOutsidersLeaveTheMeshAlone.

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class Fn>
Fn libssl(const char* name) {
  auto* real = ::dlsym(RTLD_NEXT, name);
  if (!real) {
    // Without libssl's own function there is no TLS to speak: stop plainly, not at
    // address 0 on the first handshake.
    std::fprintf(stderr, "parley-node: libssl has no %s\n", name);
    std::abort();
  }
  return reinterpret_cast<Fn>(real);
}

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto real = libssl<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto real = libssl<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static const auto real = libssl<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

int SSL_connect(SSL* ssl) {
  static const auto real = libssl<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

} // extern "C"
