// Studies over MPI: rank 0 runs run_study and shares each batch out; the other ranks evaluate
// the shares they are sent until rank 0 says stop.
//
//   rank 0 -> rank r   kShare:  first position in the batch, then the share's trials (points set)
//   rank r -> rank 0   kResult: the same trials, measured;  kFailed: what went wrong (text)
//   rank 0 -> rank r   kStop:   the study is over (also when rank 0 fails between batches)
#include <mpi.h>

#include <cstring>
#include <exception>

#include "archlab/errors.hpp"
#include "archlab/mpi.hpp"

namespace archlab::mpi {
namespace {

enum Tag : int { kShare = 1, kResult = 2, kFailed = 3, kStop = 4 };

class Writer {
public:
  template <class T> void put(const T& value) {
    const auto* bytes = reinterpret_cast<const std::byte*>(&value);
    out_.insert(out_.end(), bytes, bytes + sizeof(T));
  }
  void put(const std::vector<double>& values) {
    put(static_cast<std::uint64_t>(values.size()));
    const auto* bytes = reinterpret_cast<const std::byte*>(values.data());
    out_.insert(out_.end(), bytes, bytes + values.size() * sizeof(double));
  }
  void put(const std::string& text) {
    put(static_cast<std::uint64_t>(text.size()));
    const auto* bytes = reinterpret_cast<const std::byte*>(text.data());
    out_.insert(out_.end(), bytes, bytes + text.size());
  }
  std::vector<std::byte>& bytes() { return out_; }

private:
  std::vector<std::byte> out_;
};

class Reader {
public:
  explicit Reader(const std::vector<std::byte>& in) : in_(in) {}
  template <class T> T get() {
    T value;
    take(&value, sizeof(T));
    return value;
  }
  void get(std::vector<double>& values) {
    values.resize(get<std::uint64_t>());
    take(values.data(), values.size() * sizeof(double));
  }
  void get(std::string& text) {
    text.resize(get<std::uint64_t>());
    take(text.data(), text.size());
  }

private:
  void take(void* to, std::size_t bytes) {
    if (at_ + bytes > in_.size()) throw RunError("a study message from another rank is truncated");
    std::memcpy(to, in_.data() + at_, bytes);
    at_ += bytes;
  }
  const std::vector<std::byte>& in_;
  std::size_t at_ = 0;
};

void put_trials(Writer& out, const std::vector<Trial>& trials) {
  out.put(static_cast<std::uint64_t>(trials.size()));
  for (const Trial& trial : trials) {
    out.put(trial.number);
    out.put(trial.batch);
    out.put(trial.replica);
    out.put(trial.point);
    out.put(trial.objectives);
    out.put(trial.constraints);
    out.put(trial.variant_objectives);
    out.put(trial.status);
    out.put(trial.wall_seconds);
  }
}

std::vector<Trial> get_trials(Reader& in) {
  std::vector<Trial> trials(in.get<std::uint64_t>());
  for (Trial& trial : trials) {
    trial.number = in.get<std::uint32_t>();
    trial.batch = in.get<std::uint32_t>();
    trial.replica = in.get<std::uint32_t>();
    in.get(trial.point);
    in.get(trial.objectives);
    in.get(trial.constraints);
    in.get(trial.variant_objectives);
    in.get(trial.status);
    trial.wall_seconds = in.get<double>();
  }
  return trials;
}

void send(const std::vector<std::byte>& bytes, int to, Tag tag) {
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD);
}

/// The next message from `from`: its tag and bytes.
Tag receive(int from, std::vector<std::byte>& bytes) {
  MPI_Status status;
  MPI_Probe(from, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  bytes.resize(static_cast<std::size_t>(count));
  MPI_Recv(bytes.data(), count, MPI_BYTE, from, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return static_cast<Tag>(status.MPI_TAG);
}

/// Ranks other than 0: evaluate shares until told to stop.
void serve(const TuneSpec& spec, const PluginRegistry& registry) {
  std::vector<std::byte> bytes;
  while (receive(0, bytes) == kShare) {
    Writer out;
    Tag tag = kResult;
    try {
      Reader in(bytes);
      const auto first = in.get<std::uint64_t>();
      std::vector<Trial> trials = get_trials(in);
      evaluate_trials(spec, registry, trials, first);
      put_trials(out, trials);
    } catch (const std::exception& error) {
      out = Writer();
      out.put(std::string(error.what()));
      tag = kFailed;
    }
    send(out.bytes(), 0, tag);
  }
}

/// Rank 0: the batch in contiguous shares, one per rank (the ranks past the batch size idle),
/// rank 0's own evaluated here while the others run theirs.
void evaluate_shared(const TuneSpec& spec, const PluginRegistry& registry, std::vector<Trial>& batch, int ranks) {
  const std::size_t used = std::min<std::size_t>(static_cast<std::size_t>(ranks), batch.size());
  auto first_of = [&](std::size_t r) { return r * batch.size() / used; };
  for (std::size_t r = 1; r < used; ++r) {
    Writer out;
    out.put(static_cast<std::uint64_t>(first_of(r)));
    put_trials(out, std::vector<Trial>(batch.begin() + static_cast<std::ptrdiff_t>(first_of(r)),
                                       batch.begin() + static_cast<std::ptrdiff_t>(first_of(r + 1))));
    send(out.bytes(), static_cast<int>(r), kShare);
  }
  std::vector<Trial> mine(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(first_of(1)));
  std::exception_ptr error;
  try {
    evaluate_trials(spec, registry, mine, 0);
  } catch (...) {
    error = std::current_exception();
  }
  std::move(mine.begin(), mine.end(), batch.begin());
  // Every share comes back before anything is thrown, so no rank is left mid-share.
  std::string failure;
  std::vector<std::byte> bytes;
  for (std::size_t r = 1; r < used; ++r) {
    const Tag tag = receive(static_cast<int>(r), bytes);
    Reader in(bytes);
    if (tag == kFailed) {
      std::string what;
      in.get(what);
      if (failure.empty()) failure = "rank " + std::to_string(r) + ": " + what;
      continue;
    }
    std::vector<Trial> share = get_trials(in);
    if (share.size() != first_of(r + 1) - first_of(r))
      throw RunError("rank " + std::to_string(r) + " returned a share of the wrong size");
    std::move(share.begin(), share.end(), batch.begin() + static_cast<std::ptrdiff_t>(first_of(r)));
  }
  if (error) std::rethrow_exception(error);
  if (!failure.empty()) throw RunError(failure);
}

/// Tells every other rank the study is over, however rank 0 leaves it.
class StopGuard {
public:
  explicit StopGuard(int ranks) : ranks_(ranks) {}
  StopGuard(const StopGuard&) = delete;
  StopGuard& operator=(const StopGuard&) = delete;
  ~StopGuard() {
    for (int r = 1; r < ranks_; ++r)
      MPI_Send(nullptr, 0, MPI_BYTE, r, kStop, MPI_COMM_WORLD);
  }

private:
  int ranks_;
};

} // namespace

std::optional<StudyReport> run_study(const TuneSpec& spec, const PluginRegistry& registry, StudyOptions options) {
  const int ranks = world_size();
  if (ranks <= 1) return archlab::run_study(spec, registry, options);
  if (spec.base.engine == "mpi") {
    // Each rank runs its own share: an engine whose runs span every rank cannot.
    throw ConfigError(spec.name + ": a study over " + std::to_string(ranks) +
                      " ranks shares its batches out over the ranks itself; its trials cannot run on engine "
                      "'mpi' (use auto, sequential, windowed or cuda)");
  }
  if (world_rank() != 0) {
    serve(spec, registry);
    return std::nullopt;
  }
  const StopGuard stop(ranks);
  options.evaluate = [&](std::vector<Trial>& batch) { evaluate_shared(spec, registry, batch, ranks); };
  return archlab::run_study(spec, registry, options);
}

} // namespace archlab::mpi
