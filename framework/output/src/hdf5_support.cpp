#include "hdf5_support.hpp"

#include <algorithm>

namespace archlab::hdf5 {

std::mutex& hdf5_mutex() {
  static std::mutex mutex;
  return mutex;
}

void silence_hdf5_errors() {
  // HDF5 1.10's exit handler crashes after a close that failed (disk full): our writers always
  // close their files themselves, so the handler is not needed. It must be the first HDF5 call.
  static std::once_flag no_atexit;
  std::call_once(no_atexit, [] { H5dont_atexit(); });
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

std::string hdf5_error_detail() {
  std::string detail;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned depth, const H5E_error2_t* error, void* out) -> herr_t {
        if (depth == 0 && error->desc != nullptr) *static_cast<std::string*>(out) = error->desc;
        return 0;
      },
      &detail);
  H5Eclear2(H5E_DEFAULT);
  if (detail.empty()) return "HDF5 gave no reason";
  std::replace(detail.begin(), detail.end(), '\n', ' ');  // HDF5 embeds ctime() output

  constexpr std::string_view kMarker = "error message = '";
  const std::size_t marker = detail.find(kMarker);
  if (marker == std::string::npos) return detail;
  const std::size_t begin = marker + kMarker.size();
  const std::size_t end = detail.find('\'', begin);
  if (end == std::string::npos) return detail;
  return detail.substr(begin, end - begin) + " (HDF5: " + detail + ")";
}

void check_sample_shape(const StatSample& sample, const std::vector<StatGroup>& groups, std::string_view what,
                        const fs::path& path) {
  if (sample.values.size() != groups.size()) {
    throw OutputError("cannot write " + std::string(what) + " at tick " + std::to_string(sample.time) + " to '" +
                      path.string() + "': it has values for " + std::to_string(sample.values.size()) +
                      " statistics types, the layout declares " + std::to_string(groups.size()));
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::size_t expected = std::size_t{groups[g].instances} * groups[g].stat_names.size();
    if (sample.values[g].size() != expected) {
      throw OutputError("cannot write " + std::string(what) + " at tick " + std::to_string(sample.time) + " to '" +
                        path.string() + "': '" + groups[g].type + "' has " + std::to_string(sample.values[g].size()) +
                        " values, expected instances x stats = " + std::to_string(groups[g].instances) + " x " +
                        std::to_string(groups[g].stat_names.size()));
    }
  }
}

std::string creation_problem(const fs::path& path) {
  std::error_code error;
  const fs::file_status status = fs::symlink_status(path, error);
  if (fs::is_symlink(status)) {
    return "it is a symbolic link, and archlab replaces the file at the path, which would replace the link: "
           "give the link's target instead";
  }
  if (fs::is_directory(status)) return "it is a directory";
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    return "it is not a regular file (a device, pipe or socket), which archlab will not replace";
  }
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!fs::exists(parent, error)) return "directory '" + parent.string() + "' does not exist";
  if (!fs::is_directory(parent, error)) return "'" + parent.string() + "' is not a directory";
  return {};
}

}  // namespace archlab::hdf5
