// RunWriter: whole files written through the public interface and read back with the HDF5 C API.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "archlab/errors.hpp"
#include "archlab/output.hpp"

namespace archlab {
namespace {

namespace fs = std::filesystem;

// ---- reading back

/// Owns one HDF5 identifier for the reading side of the tests.
class Id {
 public:
  Id(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() {
    if (id_ >= 0) closer_(id_);
  }
  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*closer_)(hid_t);
};

Id open_file(const fs::path& path) { return {H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose}; }

Id open_dataset(const Id& file, const char* name) { return {H5Dopen2(file.get(), name, H5P_DEFAULT), H5Dclose}; }

std::vector<hsize_t> dims_of(const Id& dataset) {
  const Id space(H5Dget_space(dataset.get()), H5Sclose);
  std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space.get())));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

template <typename T>
std::vector<T> read_all(const Id& file, const char* name, hid_t memory_type) {
  const Id dataset = open_dataset(file, name);
  EXPECT_TRUE(dataset.valid()) << name;
  if (!dataset.valid()) return {};
  std::size_t count = 1;
  for (hsize_t dim : dims_of(dataset)) count *= dim;
  std::vector<T> values(count);
  if (count > 0) EXPECT_GE(H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  return values;
}

/// Reads one string member of a compound table through HDF5's string conversion.
std::vector<std::string> read_string_column(const Id& file, const char* table, const char* member) {
  constexpr std::size_t kWidth = 64;
  const Id text(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(text.get(), kWidth);
  H5Tset_strpad(text.get(), H5T_STR_NULLTERM);
  H5Tset_cset(text.get(), H5T_CSET_UTF8);
  const Id row(H5Tcreate(H5T_COMPOUND, kWidth), H5Tclose);
  H5Tinsert(row.get(), member, 0, text.get());
  const std::vector<std::array<char, kWidth>> cells = read_all<std::array<char, kWidth>>(file, table, row.get());
  std::vector<std::string> column;
  column.reserve(cells.size());
  for (const auto& cell : cells) column.emplace_back(cell.data());
  return column;
}

std::vector<std::uint32_t> read_uint32_column(const Id& file, const char* table, const char* member) {
  const Id row(H5Tcreate(H5T_COMPOUND, sizeof(std::uint32_t)), H5Tclose);
  H5Tinsert(row.get(), member, 0, H5T_NATIVE_UINT32);
  return read_all<std::uint32_t>(file, table, row.get());
}

std::string read_string_attribute(const Id& object, const char* name) {
  const Id attribute(H5Aopen(object.get(), name, H5P_DEFAULT), H5Aclose);
  EXPECT_TRUE(attribute.valid()) << name;
  if (!attribute.valid()) return {};
  const Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  char* text = nullptr;
  EXPECT_GE(H5Aread(attribute.get(), type.get(), &text), 0);
  std::string value = text != nullptr ? text : "";
  H5free_memory(text);
  return value;
}

template <typename T>
T read_scalar_attribute(const Id& object, const char* name, hid_t memory_type) {
  const Id attribute(H5Aopen(object.get(), name, H5P_DEFAULT), H5Aclose);
  EXPECT_TRUE(attribute.valid()) << name;
  T value{};
  EXPECT_GE(H5Aread(attribute.get(), memory_type, &value), 0);
  return value;
}

std::string read_status(const Id& file) {
  const Id dataset = open_dataset(file, "/summary/engine/status");
  EXPECT_TRUE(dataset.valid());
  const Id type(H5Dget_type(dataset.get()), H5Tclose);
  std::string text(H5Tget_size(type.get()), '\0');
  EXPECT_GE(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()), 0);
  return text.c_str();
}

// ---- writing

/// A scratch directory that disappears with the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "archlab_output_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

OutputLayout two_group_layout(bool trace) {
  OutputLayout layout;
  layout.metadata = {"0.1.0-test",     "sequential",
                     1234567890123ULL, "[experiment]\nname = \"t\"\n",
                     "[system]\n",     "[experiment]\nname = \"t\"\n[system]\n"};
  layout.components = {{0, "lp", 0, "workload.phold", 0},
                       {1, "lp", 1, "workload.phold", 0},
                       {2, "lp", 2, "workload.phold", 0},
                       {3, "scratchpad", 0, "memory.sram", 0},
                       {4, "scratchpad", 1, "memory.sram", 0}};
  layout.links = {{"lp[*].out", "lp[*].in", 0, 3, 0, 3, 1000}, {"lp[0].mem", "scratchpad[0].port", 0, 1, 3, 1, 250}};
  layout.stat_groups = {{"workload.phold", {"sent", "received"}, {"events", "events"}, 0, 3},
                        {"memory.sram", {"reads"}, {"accesses"}, 3, 2}};
  layout.trace = trace;
  return layout;
}

/// Value of stat s of instance i at sample k: every cell of the file is distinguishable.
double cell(std::size_t k, std::size_t instance, std::size_t stat) {
  return static_cast<double>(k * 100 + instance * 10 + stat) + 0.5;
}

StatSample sample_for(const OutputLayout& layout, std::size_t k) {
  StatSample sample;
  sample.time = 1000 * (k + 1);
  sample.events = 7 * k;
  sample.pending = 3 + k;
  for (const StatGroup& group : layout.stat_groups) {
    std::vector<double>& values = sample.values.emplace_back();
    for (std::size_t instance = 0; instance < group.instances; ++instance) {
      for (std::size_t stat = 0; stat < group.stat_names.size(); ++stat) values.push_back(cell(k, instance, stat));
    }
  }
  return sample;
}

class OutputTest : public ::testing::Test {
 protected:
  void SetUp() override { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
  TempDir dir_;
};

TEST_F(OutputTest, FinishedRunReadsBack) {
  const fs::path path = dir_.path() / "run.h5";
  const OutputLayout layout = two_group_layout(/*trace=*/true);
  constexpr std::size_t kSamples = 5;
  {
    auto writer = RunWriter::create(path, layout, OutputOptions{0.01});
    for (std::size_t k = 0; k < kSamples; ++k) {
      writer->add_sample(sample_for(layout, k));
      writer->add_trace({{1000 * (k + 1), k, 0, 1, 0, 7}, {1000 * (k + 1) + 5, k, 1, 2, 1, 8}});
    }
    RunSummary summary;
    summary.status = "completed";
    summary.final_time = 5500;
    summary.events = 42;
    summary.wall_seconds = 1.25;
    summary.final_stats = sample_for(layout, 9);
    writer->finish(std::move(summary));
  }

  // A finished file has no SWMR flag left: it opens without swmr.
  const Id file = open_file(path);
  ASSERT_TRUE(file.valid());

  EXPECT_EQ(read_scalar_attribute<std::uint32_t>(file, "format_version", H5T_NATIVE_UINT32), kFileFormatVersion);
  EXPECT_EQ(read_scalar_attribute<std::uint64_t>(file, "seed", H5T_NATIVE_UINT64), 1234567890123ULL);
  EXPECT_EQ(read_string_attribute(file, "archlab_version"), "0.1.0-test");
  EXPECT_EQ(read_string_attribute(file, "engine"), "sequential");
  EXPECT_EQ(read_string_attribute(file, "experiment_toml"), layout.metadata.experiment_toml);
  EXPECT_EQ(read_string_attribute(file, "system_toml"), "[system]\n");
  EXPECT_EQ(read_string_attribute(file, "effective_toml"), layout.metadata.effective_toml);

  EXPECT_EQ(read_string_column(file, "/components", "name"),
            (std::vector<std::string>{"lp", "lp", "lp", "scratchpad", "scratchpad"}));
  EXPECT_EQ(
      read_string_column(file, "/components", "type"),
      (std::vector<std::string>{"workload.phold", "workload.phold", "workload.phold", "memory.sram", "memory.sram"}));
  EXPECT_EQ(read_uint32_column(file, "/components", "index"), (std::vector<std::uint32_t>{0, 1, 2, 0, 1}));
  EXPECT_EQ(read_uint32_column(file, "/components", "id"), (std::vector<std::uint32_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(read_string_column(file, "/links", "from"), (std::vector<std::string>{"lp[*].out", "lp[0].mem"}));
  EXPECT_EQ(read_uint32_column(file, "/links", "dst_first"), (std::vector<std::uint32_t>{0, 3}));

  EXPECT_EQ(read_all<std::uint64_t>(file, "/stats/time", H5T_NATIVE_UINT64),
            (std::vector<std::uint64_t>{1000, 2000, 3000, 4000, 5000}));
  EXPECT_EQ(read_all<std::uint64_t>(file, "/stats/engine/events", H5T_NATIVE_UINT64),
            (std::vector<std::uint64_t>{0, 7, 14, 21, 28}));
  EXPECT_EQ(read_all<std::uint64_t>(file, "/stats/engine/pending", H5T_NATIVE_UINT64),
            (std::vector<std::uint64_t>{3, 4, 5, 6, 7}));

  {
    const Id received = open_dataset(file, "/stats/workload.phold/received");
    ASSERT_TRUE(received.valid());
    EXPECT_EQ(dims_of(received), (std::vector<hsize_t>{kSamples, 3}));
    const auto values = read_all<double>(file, "/stats/workload.phold/received", H5T_NATIVE_DOUBLE);
    ASSERT_EQ(values.size(), kSamples * 3);
    for (std::size_t k = 0; k < kSamples; ++k) {
      for (std::size_t instance = 0; instance < 3; ++instance) {
        EXPECT_EQ(values[k * 3 + instance], cell(k, instance, 1)) << "sample " << k << " instance " << instance;
      }
    }
    // Chunked and compressed, as DESIGN.md promises.
    const Id create(H5Dget_create_plist(received.get()), H5Pclose);
    EXPECT_EQ(H5Pget_layout(create.get()), H5D_CHUNKED);
    EXPECT_EQ(H5Pget_nfilters(create.get()), 2);
  }
  {
    // Units and the first component id travel with the statistics.
    const Id reads(H5Dopen2(file.get(), "/stats/memory.sram/reads", H5P_DEFAULT), H5Dclose);
    EXPECT_EQ(read_string_attribute(reads, "unit"), "accesses");
    const Id sram(H5Gopen2(file.get(), "/summary/memory.sram", H5P_DEFAULT), H5Gclose);
    EXPECT_EQ(read_scalar_attribute<std::uint32_t>(sram, "first_id", H5T_NATIVE_UINT32), 3U);
  }
  const auto reads = read_all<double>(file, "/stats/memory.sram/reads", H5T_NATIVE_DOUBLE);
  ASSERT_EQ(reads.size(), kSamples * 2);
  EXPECT_EQ(reads[4 * 2 + 1], cell(4, 1, 0));

  EXPECT_EQ(read_all<double>(file, "/summary/workload.phold/sent", H5T_NATIVE_DOUBLE),
            (std::vector<double>{cell(9, 0, 0), cell(9, 1, 0), cell(9, 2, 0)}));
  EXPECT_EQ(read_all<double>(file, "/summary/memory.sram/reads", H5T_NATIVE_DOUBLE),
            (std::vector<double>{cell(9, 0, 0), cell(9, 1, 0)}));
  EXPECT_EQ(read_all<std::uint64_t>(file, "/summary/engine/final_time", H5T_NATIVE_UINT64),
            (std::vector<std::uint64_t>{5500}));
  EXPECT_EQ(read_all<std::uint64_t>(file, "/summary/engine/events", H5T_NATIVE_UINT64),
            (std::vector<std::uint64_t>{42}));
  EXPECT_EQ(read_all<double>(file, "/summary/engine/wall_seconds", H5T_NATIVE_DOUBLE), (std::vector<double>{1.25}));
  EXPECT_EQ(read_status(file), "completed");

  const Id record(H5Tcreate(H5T_COMPOUND, sizeof(TraceRecord)), H5Tclose);
  H5Tinsert(record.get(), "time", offsetof(TraceRecord, time), H5T_NATIVE_UINT64);
  H5Tinsert(record.get(), "seq", offsetof(TraceRecord, seq), H5T_NATIVE_UINT64);
  H5Tinsert(record.get(), "src", offsetof(TraceRecord, src), H5T_NATIVE_UINT32);
  H5Tinsert(record.get(), "target", offsetof(TraceRecord, target), H5T_NATIVE_UINT32);
  H5Tinsert(record.get(), "port", offsetof(TraceRecord, port), H5T_NATIVE_UINT16);
  H5Tinsert(record.get(), "kind", offsetof(TraceRecord, kind), H5T_NATIVE_UINT16);
  const auto trace = read_all<TraceRecord>(file, "/trace/events", record.get());
  ASSERT_EQ(trace.size(), 2 * kSamples);
  EXPECT_EQ(trace[9].time, 5005U);
  EXPECT_EQ(trace[9].seq, 4U);
  EXPECT_EQ(trace[9].src, 1U);
  EXPECT_EQ(trace[9].target, 2U);
  EXPECT_EQ(trace[9].port, 1U);
  EXPECT_EQ(trace[9].kind, 8U);
}

TEST_F(OutputTest, NoTraceMeansNoTraceGroupAndRejectsRecords) {
  const fs::path path = dir_.path() / "quiet.h5";
  const OutputLayout layout = two_group_layout(/*trace=*/false);
  auto writer = RunWriter::create(path, layout, OutputOptions{});
  EXPECT_THROW(writer->add_trace({{1, 0, 0, 0, 0, 0}}), OutputError);
  writer->finish(RunSummary{"completed", 0, 0, 0.0, {}});
  const Id file = open_file(path);
  ASSERT_TRUE(file.valid());
  EXPECT_LE(H5Lexists(file.get(), "/trace", H5P_DEFAULT), 0);
  EXPECT_EQ(read_all<std::uint64_t>(file, "/stats/time", H5T_NATIVE_UINT64).size(), 0U);
  // Final statistics never given: the summary keeps NaN rather than pretending to be zero.
  const auto sent = read_all<double>(file, "/summary/workload.phold/sent", H5T_NATIVE_DOUBLE);
  ASSERT_EQ(sent.size(), 3U);
  EXPECT_TRUE(std::isnan(sent[0]));
}

TEST_F(OutputTest, EmptyTablesAndGroupsWithoutInstances) {
  const fs::path path = dir_.path() / "empty.h5";
  OutputLayout layout;
  layout.stat_groups = {{"idle", {"busy"}, {""}, 0, 0}};
  auto writer = RunWriter::create(path, layout, OutputOptions{});
  writer->add_sample({10, {{}}, 0, 0});
  writer->add_sample({20, {{}}, 0, 0});
  writer->finish(RunSummary{"completed", 20, 0, 0.0, {20, {{}}, 0, 0}});

  const Id file = open_file(path);
  ASSERT_TRUE(file.valid());
  EXPECT_EQ(read_all<std::uint64_t>(file, "/stats/time", H5T_NATIVE_UINT64), (std::vector<std::uint64_t>{10, 20}));
  const Id busy = open_dataset(file, "/stats/idle/busy");
  ASSERT_TRUE(busy.valid());
  EXPECT_EQ(dims_of(busy), (std::vector<hsize_t>{2, 0}));
  const Id components = open_dataset(file, "/components");
  ASSERT_TRUE(components.valid());
  EXPECT_EQ(dims_of(components), (std::vector<hsize_t>{0}));
  EXPECT_EQ(read_string_attribute(file, "engine"), "");
}

TEST_F(OutputTest, DestroyedWithoutFinishRecordsAborted) {
  const fs::path path = dir_.path() / "aborted.h5";
  const OutputLayout layout = two_group_layout(/*trace=*/false);
  {
    auto writer = RunWriter::create(path, layout, OutputOptions{100.0});
    writer->add_sample(sample_for(layout, 0));
    writer->add_sample(sample_for(layout, 1));
  }
  const Id file = open_file(path);
  ASSERT_TRUE(file.valid());
  EXPECT_EQ(read_status(file), "aborted");
  EXPECT_EQ(read_all<std::uint64_t>(file, "/stats/time", H5T_NATIVE_UINT64), (std::vector<std::uint64_t>{1000, 2000}));
}

TEST_F(OutputTest, RejectsWrongShapesAndUseAfterFinish) {
  const fs::path path = dir_.path() / "shape.h5";
  const OutputLayout layout = two_group_layout(/*trace=*/false);
  auto writer = RunWriter::create(path, layout, OutputOptions{});
  StatSample short_sample = sample_for(layout, 0);
  short_sample.values[1].pop_back();
  try {
    writer->add_sample(short_sample);
    FAIL() << "a sample with a missing value was accepted";
  } catch (const OutputError& error) {
    EXPECT_NE(std::string(error.what()).find("memory.sram"), std::string::npos) << error.what();
  }
  writer->finish(RunSummary{"completed", 0, 0, 0.0, {}});
  EXPECT_THROW(writer->add_sample(sample_for(layout, 1)), OutputError);
  EXPECT_THROW(writer->finish(RunSummary{}), OutputError);
}

TEST_F(OutputTest, RejectsStatisticsNamesHdf5CannotHold) {
  OutputLayout layout = two_group_layout(/*trace=*/false);
  layout.stat_groups[0].stat_names[1] = "bytes/s";
  EXPECT_THROW((void)RunWriter::create(dir_.path() / "names.h5", layout, OutputOptions{}), OutputError);
  layout = two_group_layout(/*trace=*/false);
  layout.stat_groups[1].type = "engine";
  EXPECT_THROW((void)RunWriter::create(dir_.path() / "names.h5", layout, OutputOptions{}), OutputError);
}

void expect_create_fails(const fs::path& path, const std::string& reason) {
  try {
    (void)RunWriter::create(path, two_group_layout(false), OutputOptions{});
    FAIL() << "creating " << path << " succeeded";
  } catch (const OutputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("'" + path.string() + "'"), std::string::npos) << message;
    EXPECT_NE(message.find(reason), std::string::npos) << message;
  }
}

TEST_F(OutputTest, MissingDirectoryNamesPathAndReason) {
  expect_create_fails("/nonexistent_dir/x.h5", "does not exist");
}

TEST_F(OutputTest, DirectoryAtPathNamesPathAndReason) { expect_create_fails(dir_.path(), "is a directory"); }

TEST_F(OutputTest, UnwritableDirectoryNamesPathAndReason) {
  if (::geteuid() == 0) {
    // root writes into read-only directories, but not into sysfs
    expect_create_fails("/sys/archlab-unwritable.h5", "Permission denied");
    return;
  }
  const fs::path locked = dir_.path() / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  expect_create_fails(locked / "x.h5", "Permission denied");
  fs::permissions(locked, fs::perms::owner_all);
}

// A write that fails on the writer thread must reach the caller at its next call. The file-size
// limit makes the disk "full" at a known point; it applies to the whole process, so the test
// runs in a child of its own.
TEST_F(OutputTest, WriterThreadErrorReachesCaller) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const fs::path path = dir_.path() / "full.h5";
  auto run_until_error = [&] {
    std::signal(SIGXFSZ, SIG_IGN);
    OutputLayout layout;
    layout.stat_groups = {{"wide", {"value"}, {""}, 0, 20000}};
    auto writer = RunWriter::create(path, layout, OutputOptions{0.0});
    const rlimit limit{static_cast<rlim_t>(fs::file_size(path) + 4096), RLIM_INFINITY};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) std::_Exit(3);
    bool add_threw = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (std::size_t k = 0; !add_threw && std::chrono::steady_clock::now() < deadline; ++k) {
      StatSample sample{k, {std::vector<double>(20000)}, 0, 0};
      // Values that deflate cannot squeeze, so the file has to grow.
      for (std::size_t i = 0; i < 20000; ++i) sample.values[0][i] = std::sin(static_cast<double>(k * 20000 + i));
      try {
        writer->add_sample(std::move(sample));
      } catch (const OutputError& error) {
        add_threw = std::string(error.what()).find(path.string()) != std::string::npos;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    bool finish_threw = false;
    try {
      writer->finish(RunSummary{"completed", 0, 0, 0.0, {}});
    } catch (const OutputError&) {
      finish_threw = true;
    }
    std::_Exit(add_threw && finish_threw ? 0 : 1);
  };
  EXPECT_EXIT(run_until_error(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace archlab
