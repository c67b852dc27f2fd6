// RunWriter: the run file written off the event loop. The engine hands over samples and trace
// records and returns at once; one thread of the writer's own appends them to the RunFile,
// flushes at the configured interval, and writes the summary at the end. A writer that fails
// keeps its error and reports it at the next call.
#include "archlab/output.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>

#include "archlab/errors.hpp"
#include "hdf5_support.hpp"
#include "run_file.hpp"

namespace archlab {
namespace {

using namespace archlab::hdf5;
using Clock = std::chrono::steady_clock;

// Longer intervals would overflow the clock's arithmetic; a day is "never" for a run.
constexpr double kLongestFlushInterval = 86400.0;
// Past this much queued data, add_* waits for the writer instead of growing memory without bound.
constexpr std::size_t kMaxQueuedBytes = std::size_t{256} << 20;

}  // namespace

void check_output_path(const fs::path& path, const std::vector<fs::path>& inputs) {
  if (const std::string problem = creation_problem(path); !problem.empty()) {
    throw OutputError("cannot create output file '" + path.string() + "': " + problem);
  }
  std::error_code error;
  if (!fs::exists(path, error)) return;
  for (const fs::path& input : inputs) {
    if (fs::equivalent(path, input, error)) {
      throw OutputError("cannot create output file '" + path.string() + "': it is one of the run's inputs ('" +
                        input.string() + "'), which the output would replace");
    }
  }
}

namespace {

Clock::duration flush_interval(const OutputOptions& options) {
  const double seconds = options.flush_interval_seconds;
  const double bounded = seconds > 0 ? std::min(seconds, kLongestFlushInterval) : 0.0;  // NaN flushes always
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(bounded));
}

std::size_t approximate_bytes(const StatSample& sample) {
  std::size_t bytes = sizeof(sample);
  for (const auto& values : sample.values) bytes += values.size() * sizeof(double);
  return bytes;
}

class Hdf5RunWriter final : public RunWriter {
 public:
  Hdf5RunWriter(const fs::path& path, const OutputLayout& layout, const OutputOptions& options)
      : path_(path), groups_(layout.stat_groups), trace_(layout.trace), flush_interval_(flush_interval(options)) {
    {
      const std::lock_guard hdf5(hdf5_mutex());
      silence_hdf5_errors();
      file_ = std::make_unique<RunFile>(path, layout);
    }
    thread_ = std::thread([this] { run(); });
  }

  Hdf5RunWriter(const Hdf5RunWriter&) = delete;
  Hdf5RunWriter& operator=(const Hdf5RunWriter&) = delete;

  // Without finish() the run was abandoned (an exception unwound past it): say so in the file.
  ~Hdf5RunWriter() override {
    if (!thread_.joinable()) return;
    {
      const std::lock_guard lock(mutex_);
      closing_ = true;
    }
    work_ready_.notify_one();
    thread_.join();
  }

  void add_sample(StatSample sample) override {
    check_sample_shape(sample, groups_, "a sample", path_);
    const std::size_t bytes = approximate_bytes(sample);
    enqueue(Job{std::move(sample)}, bytes);
  }

  void add_trace(std::vector<TraceRecord> records) override {
    if (!trace_) {
      throw OutputError("cannot write trace records to '" + path_.string() + "': its layout has trace off");
    }
    const std::size_t bytes = records.size() * sizeof(TraceRecord);
    enqueue(Job{std::move(records)}, bytes);
  }

  void finish(RunSummary summary) override {
    if (!summary.final_stats.values.empty()) {
      check_sample_shape(summary.final_stats, groups_, "the final statistics", path_);
    }
    {
      const std::lock_guard lock(mutex_);
      throw_if_closing();
      summary_ = std::move(summary);
      closing_ = true;
    }
    work_ready_.notify_one();
    thread_.join();
    const std::lock_guard lock(mutex_);
    if (error_) throw OutputError(*error_);
  }

 private:
  using Job = std::variant<StatSample, std::vector<TraceRecord>>;

  void enqueue(Job job, std::size_t bytes) {
    {
      std::unique_lock lock(mutex_);
      space_free_.wait(lock, [&] { return queued_bytes_ < kMaxQueuedBytes || error_ || closing_; });
      throw_if_closing();
      if (error_) throw OutputError(*error_);
      queue_.push_back(std::move(job));
      queued_bytes_ += bytes;
    }
    work_ready_.notify_one();
  }

  void throw_if_closing() const {
    if (closing_) throw OutputError("output file '" + path_.string() + "' is already finished");
  }

  /// The writer thread: drains the queue, flushes on schedule, and closes the file at the end.
  void run() {
    {
      const std::lock_guard hdf5(hdf5_mutex());
      silence_hdf5_errors();
    }
    bool dirty = false;
    bool first_sample_flushed = false;
    Clock::time_point last_flush = Clock::now();
    for (;;) {
      std::deque<Job> batch;
      bool closing = false;
      {
        std::unique_lock lock(mutex_);
        const auto has_work = [&] { return !queue_.empty() || closing_; };
        if (dirty) {
          work_ready_.wait_until(lock, last_flush + flush_interval_, has_work);
        } else {
          work_ready_.wait(lock, has_work);
        }
        closing = closing_;
        if (!closing) {  // close() below writes what the queue holds then
          batch.swap(queue_);
          queued_bytes_ = 0;
        }
      }
      space_free_.notify_all();
      if (closing) break;
      if (failed()) continue;  // keep draining so producers never block on a dead writer
      guarded([&] {
        const bool had_samples = write_batch(batch);
        dirty = dirty || !batch.empty();
        const Clock::time_point now = Clock::now();
        const bool first_sample = had_samples && !first_sample_flushed;
        if (dirty && (first_sample || now - last_flush >= flush_interval_)) {
          file_->flush();
          last_flush = now;
          dirty = false;
          first_sample_flushed = first_sample_flushed || had_samples;
        }
      });
    }
    close();
  }

  void close() {
    std::deque<Job> rest;
    std::optional<RunSummary> summary;
    {
      const std::lock_guard lock(mutex_);
      rest.swap(queue_);
      summary = std::move(summary_);
    }
    if (!failed()) {
      guarded([&] {
        write_batch(rest);
        if (summary) {
          file_->write_summary(*summary);
        } else {
          file_->write_status("aborted");
        }
      });
    }
    // Close even after an error: a closed file has consistent metadata and no SWMR flag.
    guarded([&] { file_->close(); });
    const std::lock_guard hdf5(hdf5_mutex());
    file_.reset();
  }

  /// Writes the jobs in order, gathering runs of samples into one append. True if any were samples.
  /// The caller holds hdf5_mutex().
  bool write_batch(std::deque<Job>& batch) {
    bool had_samples = false;
    std::vector<StatSample> samples;
    auto write_samples = [&] {
      file_->append_samples(samples);
      samples.clear();
    };
    for (Job& job : batch) {
      if (auto* sample = std::get_if<StatSample>(&job)) {
        samples.push_back(std::move(*sample));
        had_samples = true;
      } else {
        write_samples();
        file_->append_trace(std::get<std::vector<TraceRecord>>(job));
      }
    }
    write_samples();
    return had_samples;
  }

  /// Runs one step of file work, keeping the first error for the next add_* or finish call.
  template <typename Work>
  void guarded(Work&& work) {
    try {
      const std::lock_guard hdf5(hdf5_mutex());
      std::forward<Work>(work)();
    } catch (const OutputError& error) {
      remember_error(error.what());
    } catch (const std::exception& error) {
      remember_error("writing '" + path_.string() + "' failed: " + error.what());
    }
    space_free_.notify_all();
  }

  void remember_error(std::string message) {
    const std::lock_guard lock(mutex_);
    if (!error_) error_ = std::move(message);
  }

  bool failed() {
    const std::lock_guard lock(mutex_);
    return error_.has_value();
  }

  fs::path path_;
  std::vector<StatGroup> groups_;
  bool trace_;
  Clock::duration flush_interval_;
  std::unique_ptr<RunFile> file_;  // touched only by the writer thread once it runs

  std::mutex mutex_;  // guards everything below
  std::condition_variable work_ready_;
  std::condition_variable space_free_;
  std::deque<Job> queue_;
  std::size_t queued_bytes_ = 0;
  bool closing_ = false;
  std::optional<RunSummary> summary_;
  std::optional<std::string> error_;

  std::thread thread_;  // last: starts only when everything it uses exists
};

}  // namespace

std::unique_ptr<RunWriter> RunWriter::create(const std::filesystem::path& path, const OutputLayout& layout,
                                             const OutputOptions& options) {
  return std::make_unique<Hdf5RunWriter>(path, layout, options);
}

}  // namespace archlab
