#include "persistence/wal_write_buffer.hpp"

#include <algorithm>
#include <cstdint>
#include <new>
#include <string>

#include <sqlite3.h>

namespace parley {

namespace {

// A WAL frame starts with a 24-byte header whose bytes 4..7 hold, for the last frame of a
// commit, the database size after it, and zero otherwise (sqlite.org/fileformat.html).
constexpr int frame_header_bytes = 24;
// Beyond this a long transaction's frames go out without waiting for its commit frame.
constexpr size_t max_gathered_bytes = 256 * 1024;
// The unix VFS writes at most 128 KiB - 1 per call (it masks larger sizes, and reports a
// full disk when that leaves nothing to write): gathered bytes go out in slices.
constexpr size_t max_write_bytes = 64 * 1024;

struct buffered_file {
  sqlite3_file base;  // first: SQLite sees this struct as its sqlite3_file
  sqlite3_file* real;
  std::string* pending;  // WAL files only: consecutive bytes not yet written
  sqlite3_int64 pending_at;
  bool flush_after_next_write;
};

// The real file lives in the same allocation, right after ours.
constexpr int real_offset = (sizeof(buffered_file) + 7) & ~7;

sqlite3_vfs* real_vfs(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}

buffered_file* as_buffered(sqlite3_file* file) {
  return reinterpret_cast<buffered_file*>(file);
}

const sqlite3_io_methods& real_methods(buffered_file* f) {
  return *f->real->pMethods;
}

int flush(buffered_file* f) {
  if (!f->pending || f->pending->empty())
    return SQLITE_OK;
  int rc = SQLITE_OK;
  for (size_t done = 0; rc == SQLITE_OK && done < f->pending->size(); done += max_write_bytes) {
    auto size = std::min(max_write_bytes, f->pending->size() - done);
    rc = real_methods(f).xWrite(f->real, f->pending->data() + done, static_cast<int>(size),
                                f->pending_at + static_cast<sqlite3_int64>(done));
  }
  // On failure SQLite rolls the transaction back and writes these frames again.
  f->pending->clear();
  return rc;
}

bool is_commit_frame_header(const void* data, int amount) {
  if (amount != frame_header_bytes)
    return false;
  auto* bytes = static_cast<const unsigned char*>(data);
  return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

// -- io methods ---------------------------------------------------------------

int file_close(sqlite3_file* file) {
  auto* f = as_buffered(file);
  int flushed = flush(f);
  delete f->pending;
  f->pending = nullptr;
  int rc = real_methods(f).xClose(f->real);
  return flushed != SQLITE_OK ? flushed : rc;
}

// Calls the real file's method; `after_flush` first writes what was gathered.
template <class Method, class... Args>
int forward(sqlite3_file* file, Method sqlite3_io_methods::*method, Args... args) {
  auto* f = as_buffered(file);
  return (real_methods(f).*method)(f->real, args...);
}

template <class Method, class... Args>
int after_flush(sqlite3_file* file, Method sqlite3_io_methods::*method, Args... args) {
  if (int rc = flush(as_buffered(file)); rc != SQLITE_OK)
    return rc;
  return forward(file, method, args...);
}

int file_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  return after_flush(file, &sqlite3_io_methods::xRead, out, amount, offset);
}

int file_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  auto* f = as_buffered(file);
  if (!f->pending)
    return real_methods(f).xWrite(f->real, data, amount, offset);
  if (!f->pending->empty()
      && offset != f->pending_at + static_cast<sqlite3_int64>(f->pending->size())) {
    if (int rc = flush(f); rc != SQLITE_OK)
      return rc;
  }
  // After the page of a commit frame the commit is complete: it leaves at once.
  bool completes_commit = f->flush_after_next_write;
  f->flush_after_next_write = is_commit_frame_header(data, amount);
  if (f->pending->empty())
    f->pending_at = offset;
  try {
    f->pending->append(static_cast<const char*>(data), static_cast<size_t>(amount));
  } catch (const std::bad_alloc&) {
    // No exception may cross SQLite's C frames: without memory, write straight through.
    if (int rc = flush(f); rc != SQLITE_OK)
      return rc;
    return real_methods(f).xWrite(f->real, data, amount, offset);
  }
  if (completes_commit || f->pending->size() >= max_gathered_bytes)
    return flush(f);
  return SQLITE_OK;
}

int file_truncate(sqlite3_file* file, sqlite3_int64 size) {
  return after_flush(file, &sqlite3_io_methods::xTruncate, size);
}

int file_sync(sqlite3_file* file, int flags) {
  return after_flush(file, &sqlite3_io_methods::xSync, flags);
}

int file_size(sqlite3_file* file, sqlite3_int64* size) {
  return after_flush(file, &sqlite3_io_methods::xFileSize, size);
}

int file_lock(sqlite3_file* file, int level) {
  return after_flush(file, &sqlite3_io_methods::xLock, level);
}

int file_unlock(sqlite3_file* file, int level) {
  return after_flush(file, &sqlite3_io_methods::xUnlock, level);
}

int file_control(sqlite3_file* file, int op, void* arg) {
  return after_flush(file, &sqlite3_io_methods::xFileControl, op, arg);
}

int file_check_reserved_lock(sqlite3_file* file, int* out) {
  return forward(file, &sqlite3_io_methods::xCheckReservedLock, out);
}

int file_sector_size(sqlite3_file* file) {
  return forward(file, &sqlite3_io_methods::xSectorSize);
}

int file_device_characteristics(sqlite3_file* file) {
  return forward(file, &sqlite3_io_methods::xDeviceCharacteristics);
}

// Shared memory and memory mapping belong to the database file: passed through.
int file_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return forward(file, &sqlite3_io_methods::xShmMap, region, size, extend, out);
}

int file_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  return forward(file, &sqlite3_io_methods::xShmLock, offset, n, flags);
}

void file_shm_barrier(sqlite3_file* file) {
  auto* f = as_buffered(file);
  real_methods(f).xShmBarrier(f->real);
}

int file_shm_unmap(sqlite3_file* file, int delete_flag) {
  return forward(file, &sqlite3_io_methods::xShmUnmap, delete_flag);
}

int file_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  return forward(file, &sqlite3_io_methods::xFetch, offset, amount, out);
}

int file_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return forward(file, &sqlite3_io_methods::xUnfetch, offset, page);
}

const sqlite3_io_methods buffered_methods = {
  3,
  file_close,
  file_read,
  file_write,
  file_truncate,
  file_sync,
  file_size,
  file_lock,
  file_unlock,
  file_check_reserved_lock,
  file_control,
  file_sector_size,
  file_device_characteristics,
  file_shm_map,
  file_shm_lock,
  file_shm_barrier,
  file_shm_unmap,
  file_fetch,
  file_unfetch,
};

// -- vfs ------------------------------------------------------------------------

int vfs_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = as_buffered(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + real_offset);
  f->pending = nullptr;
  f->pending_at = 0;
  f->flush_after_next_write = false;
  auto* real = real_vfs(vfs);
  int rc = real->xOpen(real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real->pMethods)
      f->real->pMethods->xClose(f->real);
    return rc;
  }
  // Every method above forwards to version 3 of the real file's methods.
  if (f->real->pMethods->iVersion < 3) {
    f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  if (flags & SQLITE_OPEN_WAL) {
    f->pending = new (std::nothrow) std::string;
    if (!f->pending) {
      f->real->pMethods->xClose(f->real);
      return SQLITE_NOMEM;
    }
  }
  f->base.pMethods = &buffered_methods;
  return SQLITE_OK;
}

int vfs_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return real_vfs(vfs)->xDelete(real_vfs(vfs), name, sync_dir);
}

int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return real_vfs(vfs)->xAccess(real_vfs(vfs), name, flags, out);
}

int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return real_vfs(vfs)->xFullPathname(real_vfs(vfs), name, size, out);
}

void* vfs_dl_open(sqlite3_vfs* vfs, const char* name) {
  return real_vfs(vfs)->xDlOpen(real_vfs(vfs), name);
}

void vfs_dl_error(sqlite3_vfs* vfs, int size, char* out) {
  real_vfs(vfs)->xDlError(real_vfs(vfs), size, out);
}

void (*vfs_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return real_vfs(vfs)->xDlSym(real_vfs(vfs), handle, symbol);
}

void vfs_dl_close(sqlite3_vfs* vfs, void* handle) {
  real_vfs(vfs)->xDlClose(real_vfs(vfs), handle);
}

int vfs_randomness(sqlite3_vfs* vfs, int size, char* out) {
  return real_vfs(vfs)->xRandomness(real_vfs(vfs), size, out);
}

int vfs_sleep(sqlite3_vfs* vfs, int microseconds) {
  return real_vfs(vfs)->xSleep(real_vfs(vfs), microseconds);
}

int vfs_current_time(sqlite3_vfs* vfs, double* out) {
  return real_vfs(vfs)->xCurrentTime(real_vfs(vfs), out);
}

int vfs_get_last_error(sqlite3_vfs* vfs, int size, char* out) {
  return real_vfs(vfs)->xGetLastError(real_vfs(vfs), size, out);
}

int vfs_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  auto* real = real_vfs(vfs);
  if (real->iVersion >= 2 && real->xCurrentTimeInt64)
    return real->xCurrentTimeInt64(real, out);
  double days = 0;
  int rc = real->xCurrentTime(real, &days);
  *out = static_cast<sqlite3_int64>(days * 86400000.0);
  return rc;
}

const char* register_vfs() {
  sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
  if (!real)
    return nullptr;
  // Never changed after registration; SQLite keeps a pointer to it.
  static sqlite3_vfs vfs = {
    2,
    real_offset + real->szOsFile,
    real->mxPathname,
    nullptr,
    "parley-wal-buffer",
    real,
    vfs_open,
    vfs_delete,
    vfs_access,
    vfs_full_pathname,
    vfs_dl_open,
    vfs_dl_error,
    vfs_dl_sym,
    vfs_dl_close,
    vfs_randomness,
    vfs_sleep,
    vfs_current_time,
    vfs_get_last_error,
    vfs_current_time_int64,
    nullptr,
    nullptr,
    nullptr,
  };
  if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK)
    return nullptr;
  return vfs.zName;
}

} // namespace

const char* wal_buffering_vfs() {
  static const char* const name = register_vfs();
  return name;
}

} // namespace parley
