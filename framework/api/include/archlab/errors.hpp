// The exceptions archlab throws outside event handlers. Each message says what was wrong,
// where, and what would be valid; the program maps them to exit codes (2: bad input, 1: run).
#pragma once

#include <stdexcept>
#include <string>

namespace archlab {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad configuration: TOML syntax, schema, units, links. The message starts with file:line:col.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A plugin could not be found or loaded, or is not an archlab plugin of this ABI.
class PluginError : public Error {
 public:
  using Error::Error;
};

/// The output file could not be created or written.
class OutputError : public Error {
 public:
  using Error::Error;
};

/// Something went wrong while the simulation ran (a handler sent on an unconnected port, ...).
class RunError : public Error {
 public:
  using Error::Error;
};

}  // namespace archlab
