#include "archlab/plugin_loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cstdlib>
#include <sstream>

#include "archlab/errors.hpp"
#include "archlab/text.hpp"

namespace archlab {

const char* to_string(PluginKind kind) {
  switch (kind) {
    case PluginKind::Compute: return "compute";
    case PluginKind::Memory: return "memory";
    case PluginKind::Interconnect: return "interconnect";
    case PluginKind::Workload: return "workload";
    case PluginKind::Tuner: return "tuner";
  }
  return "unknown";
}

const char* to_string(ParamType type) {
  switch (type) {
    case ParamType::Int: return "int";
    case ParamType::UInt: return "uint";
    case ParamType::Float: return "float";
    case ParamType::Bool: return "bool";
    case ParamType::Time: return "time";
    case ParamType::Frequency: return "frequency";
    case ParamType::Size: return "size";
    case ParamType::Bandwidth: return "bandwidth";
    case ParamType::Choice: return "choice";
    case ParamType::Path: return "path";
  }
  return "unknown";
}

namespace {

/// Boost.DLL resets dlerror(); ask dlopen once more for the loader's own words.
std::string dlopen_error_text(const std::filesystem::path& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle != nullptr) {
    ::dlclose(handle);
    return "unknown error";
  }
  const char* text = ::dlerror();
  return text != nullptr ? text : "unknown error";
}

}  // namespace

Plugin::Plugin(boost::dll::shared_library library, const PluginDescriptor* descriptor, std::filesystem::path path)
    : library_(std::move(library)), descriptor_(descriptor), path_(std::move(path)) {}

std::shared_ptr<const Plugin> Plugin::load(const std::filesystem::path& path) {
  // dlopen() opens whatever has the name: a pipe would block it until a writer came.
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw PluginError("cannot load plugin '" + path.string() + "': " +
                      (std::filesystem::is_directory(path, error)
                           ? "it is a directory"
                           : "it is not a regular file (a device, pipe or socket)"));
  }
  boost::dll::shared_library library;
  try {
    library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception&) {
    throw PluginError("cannot load plugin '" + path.string() + "': " + dlopen_error_text(path));
  }
  if (!library.has("archlab_plugin")) {
    throw PluginError("'" + path.string() +
                      "' is not an archlab plugin: it exports no 'archlab_plugin' symbol (plugins are built with "
                      "archlab_add_plugin() and ARCHLAB_REGISTER_COMPONENT)");
  }
  const auto entry = library.get<const PluginDescriptor*()>("archlab_plugin");
  const PluginDescriptor* descriptor = entry();
  if (descriptor == nullptr) throw PluginError("plugin '" + path.string() + "' returned no descriptor");
  // abi_version is the first member in every ABI, so it can be read before anything else.
  if (descriptor->abi_version != kAbiVersion) {
    throw PluginError("plugin '" + path.string() + "' was built for archlab plugin ABI " +
                      std::to_string(descriptor->abi_version) + ", but this archlab uses ABI " +
                      std::to_string(kAbiVersion) + ": rebuild the plugin against this archlab");
  }
  if (descriptor->descriptor_size != sizeof(PluginDescriptor) || descriptor->name == nullptr) {
    throw PluginError("plugin '" + path.string() + "' has a malformed descriptor");
  }
  const bool is_component = descriptor->kind != PluginKind::Tuner;
  if (is_component && descriptor->component == nullptr) {
    throw PluginError("plugin '" + path.string() + "' (" + descriptor->name + ") declares no component");
  }
  EstimateHook estimate = nullptr;
  if (library.has("archlab_estimate")) {
    estimate = &library.get<bool(const EstimateSystem*, EstimateOut*)>("archlab_estimate");
  }
  auto plugin = std::shared_ptr<Plugin>(new Plugin(std::move(library), descriptor, path));
  plugin->estimate_ = estimate;
  return plugin;
}

std::vector<std::filesystem::path> PluginRegistry::user_search_path() {
  std::vector<std::filesystem::path> path;
  if (const char* env = std::getenv("ARCHLAB_PLUGIN_PATH"); env != nullptr) {
    std::stringstream list(env);
    for (std::string entry; std::getline(list, entry, ':');) {
      if (!entry.empty()) path.emplace_back(entry);
    }
  }
  return path;
}

std::vector<std::filesystem::path> PluginRegistry::default_search_path() {
  std::vector<std::filesystem::path> path = user_search_path();
  std::error_code ec;
  const std::filesystem::path program = boost::dll::program_location(ec);
  if (!ec) {
    const auto installed = program.parent_path().parent_path() / ARCHLAB_PLUGIN_INSTALL_SUBDIR;
    if (std::filesystem::is_directory(installed, ec)) path.push_back(installed);
  }
  path.emplace_back(ARCHLAB_PLUGIN_BUILD_DIR);
  return path;
}

PluginRegistry::PluginRegistry(std::vector<std::filesystem::path> search_path) : search_path_(std::move(search_path)) {
  auto canonical = [](const std::filesystem::path& path) {
    std::error_code ec;
    const auto resolved = std::filesystem::weakly_canonical(path, ec);
    return ec ? path : resolved;
  };
  std::vector<std::filesystem::path> user_dirs;
  for (const auto& dir : user_search_path()) user_dirs.push_back(canonical(dir));
  auto in_user_dir = [&](const std::filesystem::path& file) {
    return std::find(user_dirs.begin(), user_dirs.end(), canonical(file).parent_path()) != user_dirs.end();
  };
  for (const auto& dir : search_path_) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      try {
        auto plugin = Plugin::load(file);
        const auto known = std::find_if(plugins_.begin(), plugins_.end(),
                                        [&](const auto& p) { return p->name() == plugin->name(); });
        if (known == plugins_.end()) {
          plugins_.push_back(std::move(plugin));
        } else if (canonical((*known)->path()) != canonical(file)) {
          shadowed_.push_back({std::string(plugin->name()), (*known)->path(), file,
                               in_user_dir((*known)->path()) || in_user_dir(file)});
        }
      } catch (const PluginError& error) {
        failures_.push_back({file, error.what()});
      }
    }
  }
}

std::shared_ptr<const Plugin> PluginRegistry::find(std::string_view name) const {
  for (const auto& plugin : plugins_) {
    if (plugin->name() == name) return plugin;
  }
  std::vector<std::string> names;
  for (const auto& plugin : plugins_) names.emplace_back(plugin->name());
  std::string message = "unknown plugin '" + std::string(name) + "'";
  if (const auto nearest = text::nearest(name, names); !nearest.empty()) message += " (did you mean '" + nearest + "'?)";
  message += "; known plugins: " + (names.empty() ? std::string("none") : text::join(names, ", "));
  if (!failures_.empty()) message += "; " + std::to_string(failures_.size()) + " file(s) failed to load (see `archlab plugins`)";
  throw PluginError(message);
}

}  // namespace archlab
