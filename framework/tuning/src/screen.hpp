// What the analytical estimate gives a study's metrics (screen.cpp), for [tune.screen].
#pragma once

#include <optional>
#include <vector>

#include "archlab/analytical.hpp"
#include "archlab/tune.hpp"

namespace archlab::detail {

/// A metric of one replica from its workloads' estimates; nullopt when the estimate does not
/// give it. With no estimates, only says whether it would (the value is then meaningless).
std::optional<double> analytical_metric(const TuneSpec& spec, const Metric& metric,
                                        const std::vector<WorkloadEstimate>& estimates);

} // namespace archlab::detail
