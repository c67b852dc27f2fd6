// Shared helpers for the test suites: temporary files and the plugin registry the tests use.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "archlab/plugin_loader.hpp"

namespace archlab::testing {

/// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("archlab-test-" + std::to_string(::getpid()) + "-" + (info ? std::string(info->name()) : "x"));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

/// The in-tree plugins plus the test plugins.
inline const PluginRegistry& test_registry() {
  static const PluginRegistry registry({ARCHLAB_TEST_PLUGIN_DIR, ARCHLAB_PLUGIN_DIR});
  return registry;
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace archlab::testing
