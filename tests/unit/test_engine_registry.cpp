// Engines that libraries outside the kernel add (the MPI engine of framework/mpi/): the kernel's
// registry, and the error for `mpi` where nothing registered it (this program does not link
// archlab::mpi, so that is what a build without MPI sees).
#include <gtest/gtest.h>

#include <algorithm>

#include "../test_support.hpp"
#include "archlab/engine.hpp"
#include "archlab/errors.hpp"

using namespace archlab;
using archlab::testing::contains;

TEST(EngineRegistry, MpiWithoutTheMpiLibraryIsAConfigError) {
  try {
    (void)make_engine("mpi");
    FAIL() << "make_engine(\"mpi\") gave an engine";
  } catch (const ConfigError& error) {
    EXPECT_TRUE(contains(error.what(), "engine 'mpi' is not available")) << error.what();
    EXPECT_TRUE(contains(error.what(), "ARCHLAB_ENABLE_MPI")) << error.what();
  }
}

TEST(EngineRegistry, ARegisteredEngineIsMadeByName) {
  register_engine("registry-test", [] { return make_sequential_engine(); });
  EXPECT_EQ(make_engine("registry-test")->name(), "sequential");
  const auto names = engine_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "registry-test"), names.end());
  EXPECT_TRUE(make_engine("registry-test")->holds_results());
  try {
    (void)make_engine("registry-tset");
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_TRUE(contains(error.what(), "registry-test")) << error.what(); // listed among the valid names
  }
}
