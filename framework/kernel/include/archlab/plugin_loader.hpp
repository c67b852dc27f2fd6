// Finding and loading plugins (Boost.DLL). A Plugin owns its library handle; everything made
// from a plugin holds a shared_ptr to it, so the code stays mapped as long as it is used.
#pragma once

#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "archlab/component.hpp"
#include "archlab/estimate.hpp"

namespace archlab {

const char* to_string(PluginKind kind);
const char* to_string(ParamType type);

class Plugin {
 public:
  /// Loads one shared object; throws PluginError with the dlopen text, a missing-symbol or an
  /// ABI-mismatch message.
  static std::shared_ptr<const Plugin> load(const std::filesystem::path& path);

  const PluginDescriptor& descriptor() const { return *descriptor_; }
  const ComponentDescriptor* component() const { return descriptor_->component; }
  std::string_view name() const { return descriptor_->name; }
  const std::filesystem::path& path() const { return path_; }
  /// The optional analytical-estimate hook (estimate.hpp); null when the plugin has none.
  EstimateHook estimate_hook() const { return estimate_; }

 private:
  Plugin(boost::dll::shared_library library, const PluginDescriptor* descriptor, std::filesystem::path path);

  boost::dll::shared_library library_;
  const PluginDescriptor* descriptor_;
  std::filesystem::path path_;
  EstimateHook estimate_ = nullptr;
};

struct PluginLoadFailure {
  std::filesystem::path path;
  std::string message;
};

/// A plugin name found in two files: the first on the search path is used.
struct PluginShadow {
  std::string name;
  std::filesystem::path used;
  std::filesystem::path ignored;
  bool user_path = false;  ///< either file is in an ARCHLAB_PLUGIN_PATH directory
};

/// Every plugin found on a search path. The first of two plugins with one name wins; the other
/// is listed in shadowed() (one file reached through two path entries is not).
class PluginRegistry {
 public:
  /// The directories of ARCHLAB_PLUGIN_PATH (colon-separated), in order.
  static std::vector<std::filesystem::path> user_search_path();
  /// ARCHLAB_PLUGIN_PATH (colon-separated), then the install tree next to the running program,
  /// then the build tree this archlab was built in.
  static std::vector<std::filesystem::path> default_search_path();

  explicit PluginRegistry(std::vector<std::filesystem::path> search_path = default_search_path());

  /// The plugin of that name; throws PluginError listing the known names of that kind.
  std::shared_ptr<const Plugin> find(std::string_view name) const;
  const std::vector<std::shared_ptr<const Plugin>>& plugins() const { return plugins_; }
  const std::vector<PluginLoadFailure>& failures() const { return failures_; }
  const std::vector<PluginShadow>& shadowed() const { return shadowed_; }
  const std::vector<std::filesystem::path>& search_path() const { return search_path_; }

 private:
  std::vector<std::filesystem::path> search_path_;
  std::vector<std::shared_ptr<const Plugin>> plugins_;
  std::vector<PluginLoadFailure> failures_;
  std::vector<PluginShadow> shadowed_;
};

}  // namespace archlab
