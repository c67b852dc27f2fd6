// The study file on the HDF5 C API (layout: python/README.md "Study files").
//
// Crash safety: the whole file is written under a temporary name next to `path`, closed, and
// renamed over it. rename() is atomic, so at every moment `path` is a complete study as of some
// batch: a study killed (even by SIGKILL) loses at most the batch that was running. Rewriting is
// cheap for studies of thousands of trials; the file is small.
#include <fcntl.h>
#include <hdf5.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <utility>

#include "archlab/errors.hpp"
#include "archlab/output.hpp"
#include "archlab/study_file.hpp"
#include "archlab/version.hpp"

namespace archlab {
namespace {

constexpr std::size_t kStatusBytes = 256;
// What a study file may hold: far beyond any real study, well below what would exhaust memory.
constexpr hsize_t kMaxTrials = hsize_t{1} << 24;
constexpr hsize_t kMaxTunerStateBytes = hsize_t{1} << 28;
constexpr std::size_t kFidelityBytes = 16;

class H5 {
 public:
  H5(hid_t id, herr_t (*closer)(hid_t), const std::string& what) : id_(id), closer_(closer) {
    if (id < 0) throw OutputError("HDF5: " + what + " failed");
  }
  H5(H5&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  H5(const H5&) = delete;
  H5& operator=(const H5&) = delete;
  H5& operator=(H5&&) = delete;
  ~H5() {
    if (id_ >= 0) closer_(id_);
  }
  hid_t get() const { return id_; }

 private:
  hid_t id_;
  herr_t (*closer_)(hid_t);
};

void check(herr_t status, const std::string& what) {
  if (status < 0) throw OutputError("HDF5: " + what + " failed");
}

/// HDF5 prints its error stack to stderr by default; archlab reports its own messages.
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

void string_attribute(hid_t object, const char* name, const std::string& value) {
  H5 type(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
  H5 space(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate");
  H5 attribute(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
               std::string("create attribute ") + name);
  const char* text = value.c_str();
  check(H5Awrite(attribute.get(), type.get(), &text), std::string("write attribute ") + name);
}

void strings_attribute(hid_t object, const char* name, const std::vector<std::string>& values) {
  H5 type(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
  const hsize_t count = values.size();
  H5 space(H5Screate_simple(1, &count, nullptr), H5Sclose, "H5Screate_simple");
  H5 attribute(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
               std::string("create attribute ") + name);
  std::vector<const char*> pointers;
  for (const auto& value : values) pointers.push_back(value.c_str());
  if (!values.empty()) check(H5Awrite(attribute.get(), type.get(), pointers.data()), std::string("write ") + name);
}

template <class T>
void scalar_attribute(hid_t object, const char* name, hid_t file_type, hid_t memory_type, T value) {
  H5 space(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate");
  H5 attribute(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
               std::string("create attribute ") + name);
  check(H5Awrite(attribute.get(), memory_type, &value), std::string("write attribute ") + name);
}

/// Throws unless `attribute` holds exactly one value: H5Aread writes every element of a larger
/// one into the single value it is given.
void check_single(hid_t attribute, const char* name) {
  H5 space(H5Aget_space(attribute), H5Sclose, "H5Aget_space");
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw OutputError(std::string("attribute ") + name + " is not a single value");
  }
}

std::string read_string_attribute(hid_t object, const char* name) {
  H5 attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, std::string("open attribute ") + name);
  check_single(attribute.get(), name);
  H5 type(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
  char* text = nullptr;
  check(H5Aread(attribute.get(), type.get(), &text), std::string("read attribute ") + name);
  std::string value = text != nullptr ? text : "";
  H5free_memory(text);
  return value;
}

/// An unsigned integer attribute, or nullopt when the object has none (files of older versions).
std::optional<std::uint64_t> read_u64_attribute(hid_t object, const char* name) {
  if (H5Aexists(object, name) <= 0) return std::nullopt;
  H5 attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, std::string("open attribute ") + name);
  check_single(attribute.get(), name);
  std::uint64_t value = 0;
  check(H5Aread(attribute.get(), H5T_NATIVE_UINT64, &value), std::string("read attribute ") + name);
  return value;
}

/// Elements of a one-dimensional dataset, refusing other ranks and sizes a study cannot have
/// (H5Sget_simple_extent_dims writes one value per dimension).
hsize_t extent_1d(hid_t dataset, const std::string& what, hsize_t max_elements) {
  H5 space(H5Dget_space(dataset), H5Sclose, "H5Dget_space");
  if (H5Sget_simple_extent_ndims(space.get()) != 1) throw OutputError(what + " is not a one-dimensional dataset");
  hsize_t count = 0;
  H5Sget_simple_extent_dims(space.get(), &count, nullptr);
  if (count > max_elements)
    throw OutputError(what + " has " + std::to_string(count) + " elements, more than a study has");
  return count;
}

/// The row of /study/trials, in memory: fixed fields, then a field per parameter, objective,
/// constraint. Writing and reading use the same layout (a resumed study is the same experiment).
struct RowLayout {
  struct Field {
    std::string name;
    hid_t type;  ///< owned by `owned` or a native type
    std::size_t offset;
    std::size_t size;
  };
  std::vector<Field> fields;
  std::vector<std::unique_ptr<H5>> owned;
  std::size_t size = 0;
  std::size_t parameters = 0;  ///< index of the first parameter field
  std::size_t objectives = 0;
  std::size_t constraints = 0;
  std::size_t variant_objectives = 0;  ///< "<objective>@<workload variant>" columns
  std::size_t nvariant_objectives = 0;

  RowLayout(const RowLayout&) = delete;
  RowLayout& operator=(const RowLayout&) = delete;
  explicit RowLayout(const StudyLayout& spec) {
    add("trial", H5T_NATIVE_UINT32, 4);
    add("batch", H5T_NATIVE_UINT32, 4);
    add("replica", H5T_NATIVE_UINT32, 4);
    add_string("status", kStatusBytes);
    add("wall_seconds", H5T_NATIVE_DOUBLE, 8);
    add("feasible", H5T_NATIVE_UINT8, 1);
    add_string("fidelity", kFidelityBytes);  // "event" or "analytical" ([tune.screen])
    parameters = fields.size();
    for (const StudyLayout::Parameter& dim : spec.parameters) {
      switch (dim.kind) {
        case DimensionKind::Int: add(dim.path, H5T_NATIVE_INT64, 8); break;
        case DimensionKind::Float: add(dim.path, H5T_NATIVE_DOUBLE, 8); break;
        case DimensionKind::Choice: {
          std::size_t longest = 1;
          for (const auto& label : dim.choices) longest = std::max(longest, label.size());
          add_string(dim.path, longest);
          break;
        }
      }
    }
    objectives = fields.size();
    for (const auto& objective : spec.objectives) add(objective, H5T_NATIVE_DOUBLE, 8);
    constraints = fields.size();
    for (const auto& constraint : spec.constraints) add(constraint, H5T_NATIVE_DOUBLE, 8);
    variant_objectives = fields.size();
    for (const auto& column : spec.variant_objectives) add(column, H5T_NATIVE_DOUBLE, 8);
    nvariant_objectives = fields.size() - variant_objectives;
  }

  H5 compound() const {
    H5 type(H5Tcreate(H5T_COMPOUND, size), H5Tclose, "H5Tcreate (trial row)");
    for (const Field& field : fields) {
      check(H5Tinsert(type.get(), field.name.c_str(), field.offset, field.type), "H5Tinsert " + field.name);
    }
    return type;
  }

 private:
  void add(const std::string& name, hid_t type, std::size_t bytes) {
    size = (size + bytes - 1) / bytes * bytes;
    fields.push_back({name, type, size, bytes});
    size += bytes;
  }
  void add_string(const std::string& name, std::size_t bytes) {
    owned.push_back(std::make_unique<H5>(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy"));
    const H5* type = owned.back().get();
    check(H5Tset_size(type->get(), bytes), "H5Tset_size");
    check(H5Tset_strpad(type->get(), H5T_STR_NULLPAD), "H5Tset_strpad");
    fields.push_back({name, type->get(), size, bytes});
    size += bytes;
  }
};

void put_string(std::byte* at, std::size_t size, const std::string& text) {
  std::memset(at, 0, size);
  std::memcpy(at, text.data(), std::min(size, text.size()));
}

std::string get_string(const std::byte* at, std::size_t size) {
  const char* text = reinterpret_cast<const char*>(at);
  return std::string(text, strnlen(text, size));
}

}  // namespace

bool Trial::feasible() const {
  return ok() && std::all_of(constraints.begin(), constraints.end(), [](double c) { return c <= 0; });
}

void write_study_file(const std::filesystem::path& path, const StudyLayout& spec, const std::vector<Trial>& trials,
                      std::span<const std::uint32_t> pareto, std::span<const std::byte> tuner_state, bool finished) {
  const QuietErrors quiet;
  const std::filesystem::path temporary =
      path.parent_path() / (std::string(".") + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
  {
    H5 file(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
            "create study file '" + temporary.string() + "'");
    const hid_t root = file.get();
    string_attribute(root, "archlab_version", kVersion);
    scalar_attribute(root, "format_version", H5T_STD_U32LE, H5T_NATIVE_UINT32, kFileFormatVersion);
    string_attribute(root, "engine", spec.engine);
    scalar_attribute(root, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, spec.seed);
    string_attribute(root, "experiment_toml", spec.experiment_toml);
    string_attribute(root, "system_toml", spec.system_toml);
    string_attribute(root, "effective_toml", spec.effective_toml);

    H5 study(H5Gcreate2(root, "study", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "create /study");
    std::vector<std::string> directions, parameters;
    for (std::size_t k = 0; k < spec.objectives.size(); ++k) {
      directions.emplace_back(k < spec.maximize.size() && spec.maximize[k] ? "max" : "min");
    }
    for (const auto& dim : spec.parameters) parameters.push_back(dim.path);
    strings_attribute(study.get(), "objectives", spec.objectives);
    strings_attribute(study.get(), "directions", directions);
    strings_attribute(study.get(), "parameters", parameters);
    strings_attribute(study.get(), "constraints", spec.constraints);
    strings_attribute(study.get(), "workloads", spec.workloads);
    string_attribute(study.get(), "tuner", spec.tuner);
    scalar_attribute(study.get(), "tuner_seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, spec.tuner_seed);
    scalar_attribute(study.get(), "budget", H5T_STD_U64LE, H5T_NATIVE_UINT64, spec.budget);
    scalar_attribute(study.get(), "batch", H5T_STD_U32LE, H5T_NATIVE_UINT32, spec.batch);
    scalar_attribute(study.get(), "finished", H5T_STD_U8LE, H5T_NATIVE_UINT8, static_cast<std::uint8_t>(finished));

    if (spec.objectives.size() == 1 && !pareto.empty()) {
      scalar_attribute(study.get(), "chosen", H5T_STD_I64LE, H5T_NATIVE_INT64, static_cast<std::int64_t>(pareto[0]));
    }

    const RowLayout layout(spec);
    std::vector<std::byte> rows(layout.size * trials.size(), std::byte{0});
    for (std::size_t t = 0; t < trials.size(); ++t) {
      const Trial& trial = trials[t];
      std::byte* row = rows.data() + t * layout.size;
      auto put = [&](std::size_t field, auto value) { std::memcpy(row + layout.fields[field].offset, &value, sizeof value); };
      put(0, trial.number);
      put(1, trial.batch);
      put(2, trial.replica);
      put_string(row + layout.fields[3].offset, kStatusBytes, trial.status);
      put(4, trial.wall_seconds);
      put(5, static_cast<std::uint8_t>(trial.feasible()));
      put_string(row + layout.fields[6].offset, kFidelityBytes, trial.fidelity);
      for (std::size_t d = 0; d < spec.parameters.size(); ++d) {
        const auto& field = layout.fields[layout.parameters + d];
        switch (spec.parameters[d].kind) {
          case DimensionKind::Int: put(layout.parameters + d, static_cast<std::int64_t>(std::llround(trial.point[d]))); break;
          case DimensionKind::Float: put(layout.parameters + d, trial.point[d]); break;
          case DimensionKind::Choice:
            put_string(row + field.offset, field.size, spec.parameters[d].choices.at(static_cast<std::size_t>(trial.point[d])));
            break;
        }
      }
      for (std::size_t k = 0; k < spec.objectives.size(); ++k) put(layout.objectives + k, trial.objectives[k]);
      for (std::size_t k = 0; k < spec.constraints.size(); ++k) put(layout.constraints + k, trial.constraints[k]);
      for (std::size_t k = 0; k < layout.nvariant_objectives; ++k) {
        put(layout.variant_objectives + k, k < trial.variant_objectives.size() ? trial.variant_objectives[k]
                                                                              : std::numeric_limits<double>::quiet_NaN());
      }
    }
    const H5 row_type = layout.compound();
    const hsize_t count = trials.size();
    H5 row_space(H5Screate_simple(1, &count, nullptr), H5Sclose, "H5Screate_simple");
    H5 table(H5Dcreate2(study.get(), "trials", row_type.get(), row_space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose, "create /study/trials");
    if (count > 0) check(H5Dwrite(table.get(), row_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), "write /study/trials");

    const hsize_t front = pareto.size();
    H5 front_space(H5Screate_simple(1, &front, nullptr), H5Sclose, "H5Screate_simple");
    H5 front_set(H5Dcreate2(study.get(), "pareto", H5T_STD_U32LE, front_space.get(), H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT),
                 H5Dclose, "create /study/pareto");
    if (front > 0) check(H5Dwrite(front_set.get(), H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, pareto.data()), "write /study/pareto");

    const hsize_t state_size = tuner_state.size();
    H5 state_space(H5Screate_simple(1, &state_size, nullptr), H5Sclose, "H5Screate_simple");
    H5 state(H5Dcreate2(study.get(), "tuner_state", H5T_STD_U8LE, state_space.get(), H5P_DEFAULT, H5P_DEFAULT,
                        H5P_DEFAULT),
             H5Dclose, "create /study/tuner_state");
    if (state_size > 0) {
      check(H5Dwrite(state.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, tuner_state.data()),
            "write /study/tuner_state");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    throw OutputError("cannot write study file '" + path.string() + "': " + ec.message());
  }
}

StudyFile read_study_file(const std::filesystem::path& path, const StudyLayout& spec) {
  const QuietErrors quiet;
  if (!std::filesystem::exists(path)) throw ConfigError(path.string() + ": no such study file to resume");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw ConfigError(path.string() + ": not an HDF5 file, so not a study to resume");
  }
  H5 file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "open '" + path.string() + "'");
  if (H5Lexists(file.get(), "study", H5P_DEFAULT) <= 0) {
    throw ConfigError(path.string() + ": not a study file (no /study group)");
  }
  StudyFile result;
  result.experiment_toml = read_string_attribute(file.get(), "experiment_toml");
  if (result.experiment_toml != spec.experiment_toml) {
    throw ConfigError(path.string() + ": this study was run from another experiment (its experiment_toml differs "
                                      "from " + spec.name + "); resume it with the experiment file it was started with");
  }
  H5 study(H5Gopen2(file.get(), "study", H5P_DEFAULT), H5Gclose, "open /study");
  result.tuner = read_string_attribute(study.get(), "tuner");
  // A tuner restores its generator from its saved state, so another seed would be ignored
  // without a word; another simulation seed would mix trials of two experiments.
  const auto seed_differs = [&](hid_t object, const char* name, std::uint64_t seed, const char* key) {
    const auto saved = read_u64_attribute(object, name);
    if (saved && *saved != seed) {
      throw ConfigError(path.string() + ": the study ran with " + key + " = " + std::to_string(*saved) +
                        ", this experiment has " + std::to_string(seed) + "; resume it with the seed it started with");
    }
  };
  seed_differs(study.get(), "tuner_seed", spec.tuner_seed, "tune.seed");
  seed_differs(file.get(), "seed", spec.seed, "seed");

  const RowLayout layout(spec);
  const H5 row_type = layout.compound();
  H5 table(H5Dopen2(study.get(), "trials", H5P_DEFAULT), H5Dclose, "open /study/trials");
  const hsize_t count = extent_1d(table.get(), path.string() + ": /study/trials", kMaxTrials);
  std::vector<std::byte> rows(layout.size * count);
  if (count > 0) check(H5Dread(table.get(), row_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), "read /study/trials");
  for (hsize_t t = 0; t < count; ++t) {
    const std::byte* row = rows.data() + t * layout.size;
    auto get = [&](std::size_t field, auto& value) { std::memcpy(&value, row + layout.fields[field].offset, sizeof value); };
    Trial trial;
    get(0, trial.number);
    get(1, trial.batch);
    get(2, trial.replica);
    trial.status = get_string(row + layout.fields[3].offset, kStatusBytes);
    get(4, trial.wall_seconds);
    trial.fidelity = get_string(row + layout.fields[6].offset, kFidelityBytes);
    if (trial.fidelity.empty()) trial.fidelity = "event";  // a study file from before [tune.screen]
    for (std::size_t d = 0; d < spec.parameters.size(); ++d) {
      const auto& field = layout.fields[layout.parameters + d];
      double value = 0;
      switch (spec.parameters[d].kind) {
        case DimensionKind::Int: {
          std::int64_t integer = 0;
          get(layout.parameters + d, integer);
          value = static_cast<double>(integer);
          break;
        }
        case DimensionKind::Float: get(layout.parameters + d, value); break;
        case DimensionKind::Choice: {
          const std::string label = get_string(row + field.offset, field.size);
          const auto& choices = spec.parameters[d].choices;
          const auto found = std::find(choices.begin(), choices.end(), label);
          if (found == choices.end()) throw ConfigError(path.string() + ": trial choice '" + label + "' is not in the space");
          value = static_cast<double>(found - choices.begin());
          break;
        }
      }
      trial.point.push_back(value);
    }
    for (std::size_t k = 0; k < spec.objectives.size(); ++k) {
      double value = 0;
      get(layout.objectives + k, value);
      trial.objectives.push_back(value);
    }
    for (std::size_t k = 0; k < spec.constraints.size(); ++k) {
      double value = 0;
      get(layout.constraints + k, value);
      trial.constraints.push_back(value);
    }
    for (std::size_t k = 0; k < layout.nvariant_objectives; ++k) {
      double value = 0;
      get(layout.variant_objectives + k, value);
      trial.variant_objectives.push_back(value);
    }
    result.trials.push_back(std::move(trial));
  }

  H5 state(H5Dopen2(study.get(), "tuner_state", H5P_DEFAULT), H5Dclose, "open /study/tuner_state");
  const hsize_t state_size = extent_1d(state.get(), path.string() + ": /study/tuner_state", kMaxTunerStateBytes);
  result.tuner_state.resize(state_size);
  if (state_size > 0) {
    check(H5Dread(state.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, result.tuner_state.data()),
          "read /study/tuner_state");
  }
  return result;
}

StudyLock::StudyLock(StudyLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), lock_path_(std::move(other.lock_path_)) {}

StudyLock::~StudyLock() {
  if (fd_ < 0) return;
  // Unlinked while held: a process that opened the old file finds it gone once it locks it
  // (acquire() checks) and takes a fresh one.
  std::error_code ignored;
  std::filesystem::remove(lock_path_, ignored);
  ::close(fd_);
}

StudyLock StudyLock::acquire(const std::filesystem::path& path, const std::vector<std::filesystem::path>& inputs) {
  check_output_path(path, inputs);
  std::error_code error;

  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const std::string name = path.filename().string();
  StudyLock lock;
  lock.lock_path_ = dir / ("." + name + ".lock");
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(lock.lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
      throw OutputError("cannot lock study file '" + path.string() + "': cannot open '" + lock.lock_path_.string() +
                        "': " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char holder[32] = "";
      const ssize_t got = ::pread(fd, holder, sizeof holder - 1, 0);
      ::close(fd);
      const std::string pid = got > 0 ? std::string(holder, strnlen(holder, static_cast<std::size_t>(got))) : "";
      throw ConfigError(path.string() + ": the study file is in use by " +
                        (pid.empty() ? std::string("another process") : "process " + pid) +
                        " (another `archlab tune` of this study); wait for it to end or stop it");
    }
    struct stat held {
    }, current{};
    if (::fstat(fd, &held) == 0 && ::stat(lock.lock_path_.c_str(), &current) == 0 && held.st_ino == current.st_ino &&
        held.st_dev == current.st_dev) {
      lock.fd_ = fd;
      break;
    }
    ::close(fd); // the holder removed this lock file after we opened it: take the new one
  }
  if (lock.fd_ < 0) throw OutputError("cannot lock study file '" + path.string() + "': its lock file keeps changing");
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(lock.fd_, 0) != 0 || ::pwrite(lock.fd_, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for the message another process prints; the lock holds without it.
  }
  // Temporaries of a study killed while it rewrote its file: nothing else writes them while the
  // lock is held.
  const std::string prefix = "." + name + ".tmp-";
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(prefix, 0) == 0) std::filesystem::remove(entry.path(), error);
  }
  return lock;
}

}  // namespace archlab
