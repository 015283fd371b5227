#pragma once

// How parley-chat shows and reads things: times as a messenger shows them, file types,
// lists of users, whom a command names.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::chat {

std::string format_time(int64_t ms, const char* format);
/// "14:03:22" today, "yesterday 14:03", or the date for anything older.
std::string last_seen_text(int64_t ms);
/// The media type of a file, by its extension; application/octet-stream if unknown.
std::string mime_of(const std::string& path);
/// "a,b, c" -> {"a","b","c"}
std::vector<std::string> split_users(const std::string& text);
/// Why `user` is not a user id (PROTOCOL.md section 2), said to whoever typed it;
/// empty for a user id.
std::string user_id_problem(const std::string& user);
/// Why what follows /to names no one to talk to: it is a user id, or "#" and a group id
/// as /group create prints it (a group's name is not). Empty when it is one of those.
std::string target_problem(const std::string& target);
/// "#g-1" and "g-1" -> "g-1"
std::string without_hash(const std::string& group);
/// True for a line with nothing but ASCII white space in it (spaces, tabs, CR, VT, FF):
/// nothing anyone would mean to send.
bool is_blank(std::string_view line);
/// What a peer (or the server) wrote, safe to print on a terminal: no C0 or C1 control
/// characters (ESC would start an escape sequence; a newline could fake a line of ours),
/// no DEL, no invalid UTF-8. Tabs and line breaks become spaces, other controls and
/// invalid bytes are dropped.
std::string shown(std::string_view text);
/// The first `max_chars` characters of shown(text), and "…" after them if there was more:
/// enough of a message to tell it from the others.
std::string excerpt(std::string_view text, size_t max_chars = 24);

} // namespace parley::chat
