#pragma once

// A SQLite VFS that hands each commit's WAL frames to the kernel in one write.
//
// SQLite writes every WAL frame as two pwrite calls (the 24-byte frame header, then the
// page), so a commit that dirtied five pages costs ten system calls; under load they were
// the node's most frequent call. This VFS wraps the platform's default one and, for WAL
// files only, gathers consecutive writes in memory. The gathered bytes go to the kernel:
//   - right after the page of a commit frame, so before SQLite publishes the commit in
//     the shared WAL index (other connections, such as the checkpointer, read frames
//     from the file as soon as the index names them), and before COMMIT returns;
//   - before a write elsewhere in the file, and before any other call on the file
//     (read, sync, truncate, size, lock, close).
// So a process killed right after a commit loses nothing more than without the buffer,
// and synchronous=FULL still fsyncs what the commit wrote. Database and journal files
// are passed through untouched.

namespace parley {

/// The VFS's name for sqlite3_open_v2, registered with SQLite on the first call.
const char* wal_buffering_vfs();

} // namespace parley
