// workload.mem_trace on the host: reads the trace file into records when the configuration loads.
//
// One request per line, fields separated by blanks or commas, `#` starts a comment:
//   <time> <op> <address> [<bytes>]
//   time     a number and a time unit ("12 ns", "12ns", "1.5 us", "800 ps"), or with `cycle` set a
//            whole number of clock cycles; a whole number of picoseconds, never earlier than the
//            line before
//   op       R, RD, READ, LD, LOAD (a read) or W, WR, WRITE, ST, STORE (a write), any case
//   address  decimal, or hexadecimal with 0x
//   bytes    a positive whole number; without it, `request_size`
// Every error names the file and line.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include <archlab/input_limits.hpp>

#include "mem_trace.hpp"

namespace archlab::mem_trace {
namespace {

struct TimeUnit {
  std::string_view name;
  std::uint64_t ps;
};
constexpr TimeUnit kTimeUnits[] = {{"ps", 1}, {"ns", 1000}, {"us", 1000000}, {"ms", 1000000000}, {"s", 1000000000000}};
constexpr std::string_view kUnitNames = "ps, ns, us, ms, s";

const TimeUnit* find_unit(std::string_view name) {
  for (const TimeUnit& unit : kTimeUnits)
    if (unit.name == name) return &unit;
  return nullptr;
}

/// `text` between single quotes, clipped when long (built by appending: GCC 12 warns falsely
/// about "'" + std::string, -Wrestrict).
std::string in_quotes(std::string_view text) {
  std::string out = "'";
  out += limits::clip(text);
  out += '\'';
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Reads one trace; `fail` is set to the first problem ("<file>:<line>: ...").
class TraceReader {
public:
  TraceReader(std::string file, const MemTrace::Params& p) : file_(std::move(file)), p_(p) {}

  bool read(std::string_view text, std::vector<TraceRecord>& records) {
    std::size_t start = 0;
    while (start <= text.size()) {
      ++line_;
      const std::size_t end = std::min(text.find('\n', start), text.size());
      std::string_view row = text.substr(start, end - start);
      if (const std::size_t hash = row.find('#'); hash != std::string_view::npos) row = row.substr(0, hash);
      if (!parse_line(row, records)) return false;
      start = end + 1;
    }
    if (records.empty()) return fail_file("has no records (one per line: <time> <R|W> <address> [<bytes>])");
    return true;
  }

  [[nodiscard]] const std::string& error() const { return error_; }

private:
  static bool separator(char c) { return c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\v' || c == '\f'; }

  static std::vector<std::string_view> split(std::string_view row) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < row.size()) {
      while (i < row.size() && separator(row[i]))
        ++i;
      const std::size_t begin = i;
      while (i < row.size() && !separator(row[i]))
        ++i;
      if (i > begin) fields.push_back(row.substr(begin, i - begin));
    }
    return fields;
  }

  bool parse_line(std::string_view row, std::vector<TraceRecord>& records) {
    std::vector<std::string_view> fields = split(row);
    if (fields.empty()) return true;
    // "12 ns": a time unit written apart belongs to the time.
    std::string time_text(fields[0]);
    std::size_t next = 1;
    if (fields.size() > 1 && find_unit(fields[1]) != nullptr) {
      time_text += std::string(fields[1]);
      next = 2;
    }
    TraceRecord r{};
    if (!parse_time(time_text, r.time)) return false;
    if (next >= fields.size())
      return fail("a time needs an operation and an address after it (<time> <R|W> <address>)");
    if (!parse_op(fields[next++], r.write)) return false;
    if (next >= fields.size()) return fail("no address after the operation (<time> <R|W> <address> [<bytes>])");
    if (!parse_address(fields[next++], r.address)) return false;
    r.bytes = static_cast<std::uint32_t>(p_.request_size);
    if (next < fields.size() && !parse_bytes(fields[next++], r.bytes)) return false;
    if (next < fields.size()) {
      return fail(in_quotes(fields[next]) + " after the size: a line holds <time> <R|W> <address> [<bytes>]");
    }
    if (!records.empty() && r.time < records.back().time) {
      return fail("time " + std::to_string(r.time) + " ps is earlier than the record before it (" +
                  std::to_string(records.back().time) + " ps, line " + std::to_string(previous_line_) +
                  "): records must be in time order");
    }
    previous_line_ = line_;
    records.push_back(r);
    return true;
  }

  /// Digits with an optional fraction, as mantissa * 10^-decimals; false when `text` is not that.
  static bool parse_decimal(std::string_view text, std::uint64_t& mantissa, std::uint32_t& decimals, bool& overflow) {
    mantissa = 0;
    decimals = 0;
    overflow = false;
    bool digits = false, point = false;
    for (const char c : text) {
      if (c == '.' && !point) {
        point = true;
        continue;
      }
      if (c < '0' || c > '9') return false;
      digits = true;
      if (point && mantissa == 0 && c == '0') { // leading zeros of the fraction: only the scale changes
        ++decimals;
        continue;
      }
      if (mantissa > (~std::uint64_t{0} - 9) / 10) {
        overflow = true;
        return true;
      }
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(c - '0');
      if (point) ++decimals;
    }
    return digits;
  }

  bool parse_time(const std::string& text, Tick& time) {
    std::size_t unit_at = 0;
    while (unit_at < text.size() && (std::isdigit(static_cast<unsigned char>(text[unit_at])) || text[unit_at] == '.'))
      ++unit_at;
    const std::string number = text.substr(0, unit_at);
    const std::string unit_name = text.substr(unit_at);
    std::uint64_t mantissa = 0;
    std::uint32_t decimals = 0;
    bool overflow = false;
    if (!parse_decimal(number, mantissa, decimals, overflow)) {
      return fail(in_quotes(text) + " is not a time: expected a number and a unit, like \"12 ns\"");
    }
    if (overflow) return fail("time " + in_quotes(text) + " is too large");
    if (unit_name.empty()) {
      if (p_.cycle == 0) {
        return fail("time " + in_quotes(text) + " has no unit: write it like \"" + limits::clip(text) +
                    " ns\" (units: " + std::string(kUnitNames) +
                    "), or set the parameter `cycle` to read bare numbers as clock cycles");
      }
      if (decimals > 0)
        return fail("time " + in_quotes(text) + " counts clock cycles (`cycle` is set): a whole number");
      if (mantissa > kTickMax / p_.cycle) return fail("time " + in_quotes(text) + " cycles is too late (past 2^64 ps)");
      time = mantissa * p_.cycle;
      return true;
    }
    const TimeUnit* unit = find_unit(unit_name);
    if (unit == nullptr) {
      return fail("time " + in_quotes(text) + ": unknown time unit " + in_quotes(unit_name) +
                  " (units: " + std::string(kUnitNames) + ")");
    }
    // mantissa * unit / 10^decimals, exactly, in picoseconds.
    std::uint64_t scale = unit->ps;
    std::uint64_t divisor = 1;
    for (std::uint32_t k = 0; k < decimals; ++k) {
      if (scale % 10 == 0) {
        scale /= 10;
      } else if (divisor <= ~std::uint64_t{0} / 10) {
        divisor *= 10;
      } else {
        return fail("time " + in_quotes(text) + " is not a whole number of picoseconds");
      }
    }
    if (mantissa % divisor != 0) return fail("time " + in_quotes(text) + " is not a whole number of picoseconds");
    mantissa /= divisor;
    if (mantissa > kTickMax / scale) return fail("time " + in_quotes(text) + " is too late (past 2^64 ps)");
    time = mantissa * scale;
    return true;
  }

  bool parse_op(std::string_view text, std::uint32_t& write) {
    const std::string op = lower(text);
    if (op == "r" || op == "rd" || op == "read" || op == "ld" || op == "load") {
      write = 0;
      return true;
    }
    if (op == "w" || op == "wr" || op == "write" || op == "st" || op == "store") {
      write = 1;
      return true;
    }
    return fail("operation " + in_quotes(text) +
                " is not one of R, RD, READ, LD, LOAD (a read) or W, WR, WRITE, ST, STORE (a write)");
  }

  bool parse_address(std::string_view text, std::uint64_t& address) {
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const std::string_view digits = hex ? text.substr(2) : text;
    const std::uint64_t base = hex ? 16 : 10;
    std::uint64_t value = 0;
    for (const char c : digits) {
      const int lowered = std::tolower(static_cast<unsigned char>(c));
      std::uint64_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<std::uint64_t>(c - '0');
      } else if (hex && lowered >= 'a' && lowered <= 'f') {
        digit = static_cast<std::uint64_t>(lowered - 'a') + 10;
      } else {
        return fail("address " + in_quotes(text) + " is not a decimal number or a hexadecimal one written 0x...");
      }
      if (value > (~std::uint64_t{0} - digit) / base)
        return fail("address " + in_quotes(text) + " does not fit in 64 bits");
      value = value * base + digit;
    }
    if (digits.empty()) return fail("address " + in_quotes(text) + " has no digits");
    address = value;
    return true;
  }

  bool parse_bytes(std::string_view text, std::uint32_t& bytes) {
    std::uint64_t value = 0;
    for (const char c : text) {
      if (c < '0' || c > '9') {
        return fail("size " + in_quotes(text) +
                    " is not a whole number of bytes (the fourth column is bytes, "
                    "written without a unit)");
      }
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
      if (value > 4294967295ull) return fail("size " + in_quotes(text) + " is more than 4 GiB - 1 bytes");
    }
    if (value == 0) return fail("size 0: a request moves at least one byte");
    bytes = static_cast<std::uint32_t>(value);
    return true;
  }

  bool fail(const std::string& message) {
    error_ = file_ + ":" + std::to_string(line_) + ": " + message;
    return false;
  }
  bool fail_file(const std::string& message) {
    error_ = file_ + ": " + message;
    return false;
  }

  std::string file_;
  const MemTrace::Params& p_;
  std::size_t line_ = 0;
  std::size_t previous_line_ = 0;
  std::string error_;
};

} // namespace

bool MemTrace::prepare(Params& p, DataBuilder& data) {
  const std::string file = data.text(p.trace);
  const limits::InputFile input = limits::read_input_file(file);
  if (!input.problem.empty()) return data.fail("trace '" + file + "' " + input.problem);
  std::vector<TraceRecord> records;
  TraceReader reader(file, p);
  if (!reader.read(input.text, records)) return data.fail("trace " + reader.error());
  p.records = data.append_array(records.data(), records.size());
  p.count = records.size();
  return true;
}

} // namespace archlab::mem_trace
