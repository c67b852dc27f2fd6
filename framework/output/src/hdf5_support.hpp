// What the HDF5 writers share: one lock around the HDF5 library, quiet error stacks, the reason
// HDF5 gives, identifiers that close themselves, and checks that name the file.
#pragma once

#include <hdf5.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archlab/errors.hpp"
#include "archlab/results.hpp"

namespace archlab::hdf5 {

namespace fs = std::filesystem;

/// Builds of HDF5 without --enable-threadsafe must never be entered from two threads; the
/// threadsafe build takes its own global lock anyway, so this costs nothing there.
std::mutex& hdf5_mutex();
/// HDF5 prints its error stack to stderr unless told not to; the stack is per thread in
/// threadsafe builds, so every thread that calls HDF5 says so.
void silence_hdf5_errors();
/// The most specific message on this thread's HDF5 error stack, which says why; when it quotes
/// the system's reason ("error message = 'No space left on device'"), that reason comes first.
std::string hdf5_error_detail();

/// One HDF5 identifier and the function that releases it.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  [[nodiscard]] hid_t get() const { return id_; }

  /// Closes now and returns HDF5's verdict: closing the file writes its last metadata.
  [[nodiscard]] herr_t close() {
    const herr_t status = id_ >= 0 ? closer_(id_) : 0;
    id_ = H5I_INVALID_HID;
    return status;
  }

  void reset() noexcept {
    if (id_ >= 0) closer_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// Checks HDF5 results against one file and says which operation failed and why.
class Checker {
 public:
  explicit Checker(fs::path path) : path_(std::move(path)) {}

  [[nodiscard]] const fs::path& path() const { return path_; }

  [[nodiscard]] Handle handle(hid_t id, Handle::Closer closer, std::string_view operation) const {
    if (id < 0) fail(operation);
    return {id, closer};
  }

  void status(herr_t result, std::string_view operation) const {
    if (result < 0) fail(operation);
  }

  [[noreturn]] void fail(std::string_view operation) const {
    throw OutputError("HDF5 " + std::string(operation) + " failed for '" + path_.string() +
                      "': " + hdf5_error_detail());
  }

 private:
  fs::path path_;
};

/// Why a file cannot be created at `path`, when that can be told without trying ("" when it can).
std::string creation_problem(const fs::path& path);

/// values[g] must be [instances x stats] of group g, as StatSample promises.
void check_sample_shape(const StatSample& sample, const std::vector<StatGroup>& groups, std::string_view what,
                        const fs::path& path);

}  // namespace archlab::hdf5
