// Limits on what archlab reads from files and the command line, in one place: the configuration
// loader, the [tune] loader and readers inside plugins (the DNN topology reader) refuse the same
// hostile inputs with the same words. Header-only, so that a plugin's static reader library can
// use it without linking the framework.
//
// Why these limits exist: toml++ recurses once per dotted-key segment when it frees and prints a
// table, so `a.a.a...a = 1` with 50,000 segments overflows the stack; a device file such as
// /dev/zero never ends; a multi-megabyte value echoed into a message makes the message useless.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace archlab::limits {

/// Largest configuration, topology or technology file archlab reads (the largest shipped one is
/// a few kilobytes).
inline constexpr std::uint64_t kMaxInputFileBytes = 16ull << 20;
/// Most levels of TOML key nesting: dotted-key segments plus the tables and arrays around them.
inline constexpr std::size_t kMaxKeyDepth = 64;
/// Longest key or value given with `--set`.
inline constexpr std::size_t kMaxValueBytes = 1u << 20;
/// Longest `[tune] conditions` expression: its parser recurses per nesting level and operand.
inline constexpr std::size_t kMaxExpressionChars = 4096;
/// How much of a user's value an error message quotes.
inline constexpr std::size_t kQuotedValueChars = 80;

/// `value` as an error message quotes it: whole when short, else its start and its length.
inline std::string clip(std::string_view value, std::size_t max_chars = kQuotedValueChars) {
  if (value.size() <= max_chars) return std::string(value);
  return std::string(value.substr(0, max_chars)) + "... (" + std::to_string(value.size()) + " bytes)";
}

/// A whole input file, or why it cannot be one.
struct InputFile {
  std::string text;
  std::string problem; ///< empty when `text` holds the file; else "is a directory", ...
};

/// Reads a regular file of at most `max_bytes`. Directories, devices, pipes and sockets are
/// refused before they are opened (opening a pipe would wait for a writer), and the size is
/// enforced while reading, since /proc files and growing files report sizes that are not theirs.
inline InputFile read_input_file(const std::filesystem::path& path, std::uint64_t max_bytes = kMaxInputFileBytes) {
  InputFile file;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    file.problem = std::string("cannot open file: ") + std::strerror(errno);
    return file;
  }
  if (S_ISDIR(info.st_mode)) {
    file.problem = "is a directory, not a file";
    return file;
  }
  if (!S_ISREG(info.st_mode)) {
    file.problem = "is not a regular file (a device, pipe or socket); archlab reads input only from regular files";
    return file;
  }
  const auto too_large = [&] {
    return "is larger than " + std::to_string(max_bytes >> 20) + " MiB, the limit on input files";
  };
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes) {
    file.problem = too_large();
    return file;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    file.problem = std::string("cannot open file: ") + std::strerror(errno);
    return file;
  }
  char buffer[65536];
  while (true) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      file.problem = std::string("cannot read file: ") + std::strerror(errno);
      break;
    }
    if (got == 0) break;
    if (file.text.size() + static_cast<std::uint64_t>(got) > max_bytes) {
      file.problem = too_large();
      break;
    }
    file.text.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  if (!file.problem.empty()) file.text.clear();
  return file;
}

/// Why a TOML text nests keys too deeply for the parser, or "" when it does not. The scan is
/// conservative (a run of dotted names outside strings and comments counts as a key, and a value
/// like 1.5 counts as two levels), so it never passes what toml++ would read as a deeper key.
inline std::string toml_depth_problem(std::string_view text, std::size_t max_depth = kMaxKeyDepth) {
  std::vector<std::size_t> open; // depth outside each '[' or '{' still open
  std::size_t base = 0;          // sum of `open`
  std::size_t run = 0;           // segments of the dotted name being read
  std::size_t last_run = 0;      // of the name before the last '='
  bool after_dot = false;
  std::size_t line = 1;
  std::size_t i = 0;
  const auto too_deep = [&] {
    return "line " + std::to_string(line) + ": keys nest more than " + std::to_string(max_depth) +
           " levels deep (dotted-key segments, tables and arrays together)";
  };
  const auto segment = [&]() -> bool {
    run = after_dot ? run + 1 : 1;
    after_dot = false;
    return base + run > max_depth;
  };
  const auto skip_string = [&](char quote) {
    const bool multi = text.substr(i, 3) == std::string(3, quote);
    i += multi ? 3 : 1;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '\n') {
        ++line;
        if (!multi) return;
      }
      if (c == '\\' && quote == '"') {
        i += 2;
        continue;
      }
      if (c == quote && (!multi || text.substr(i, 3) == std::string(3, quote))) {
        i += multi ? 3 : 1;
        return;
      }
      ++i;
    }
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' || c == '\'') {
      skip_string(c);
      if (segment()) return too_deep();
      continue;
    }
    const bool bare =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+';
    if (bare) {
      while (i < text.size() && ((text[i] >= 'A' && text[i] <= 'Z') || (text[i] >= 'a' && text[i] <= 'z') ||
                                 (text[i] >= '0' && text[i] <= '9') || text[i] == '_' || text[i] == '-' ||
                                 text[i] == '+' || text[i] == ':')) {
        ++i;
      }
      if (segment()) return too_deep();
      continue;
    }
    ++i;
    switch (c) {
    case ' ':
    case '\t':
      break;
    case '.':
      after_dot = run > 0;
      break;
    case '#':
      while (i < text.size() && text[i] != '\n')
        ++i;
      break;
    case '=':
      last_run = run;
      run = 0;
      after_dot = false;
      break;
    case '[':
    case '{':
      open.push_back(last_run + 1);
      base += last_run + 1;
      if (base > max_depth) return too_deep();
      last_run = 0;
      run = 0;
      after_dot = false;
      break;
    case ']':
    case '}':
      if (!open.empty()) {
        base -= open.back();
        open.pop_back();
      }
      run = 0;
      after_dot = false;
      break;
    case '\n':
      ++line;
      last_run = 0;
      run = 0;
      after_dot = false;
      break;
    default:
      run = 0;
      after_dot = false;
      break;
    }
  }
  return {};
}

} // namespace archlab::limits
