#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "../test_support.hpp"
#include "archlab/errors.hpp"
#include "archlab/plugin_loader.hpp"

using namespace archlab;
using archlab::testing::contains;

TEST(Loader, FindsInTreeAndTestPluginsThroughTheRealLoader) {
  const auto& registry = archlab::testing::test_registry();
  const auto phold = registry.find("workload.phold");
  EXPECT_EQ(phold->descriptor().kind, PluginKind::Workload);
  EXPECT_EQ(phold->descriptor().abi_version, kAbiVersion);
  const auto pingpong = registry.find("test.pingpong");
  ASSERT_NE(pingpong->component(), nullptr);
  EXPECT_EQ(pingpong->component()->nparams, 9u);
  EXPECT_EQ(pingpong->component()->nports, 2u);
  EXPECT_EQ(pingpong->component()->nstats, 3u);
  EXPECT_STREQ(pingpong->component()->params[1].name, "rounds");
  EXPECT_EQ(pingpong->component()->params[1].default_text, nullptr);  // required
}

TEST(Loader, UnknownNameListsTheKnownOnesAndSuggests) {
  try {
    (void)archlab::testing::test_registry().find("workload.phol");
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_TRUE(contains(e.what(), "did you mean 'workload.phold'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "test.pingpong")) << e.what();
  }
}

TEST(Loader, RefusesAnotherAbiVersion) {
  try {
    (void)Plugin::load(std::filesystem::path(ARCHLAB_BAD_PLUGIN_DIR) / "archlab_test_abi999.so");
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_TRUE(contains(e.what(), "ABI 999")) << e.what();
    EXPECT_TRUE(contains(e.what(), "rebuild")) << e.what();
  }
}

TEST(Loader, RefusesASharedObjectThatIsNotAPlugin) {
  try {
    (void)Plugin::load(std::filesystem::path(ARCHLAB_BAD_PLUGIN_DIR) / "not_a_plugin.so");
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_TRUE(contains(e.what(), "is not an archlab plugin")) << e.what();
  }
}

TEST(Loader, KeepsTheDlopenErrorText) {
  archlab::testing::TempDir dir;
  const auto bogus = dir.write("archlab_bogus.so", "this is not an ELF file\n");
  try {
    (void)Plugin::load(bogus);
    FAIL();
  } catch (const PluginError& e) {
    // glibc says "invalid ELF header" or "file too short"
    EXPECT_TRUE(contains(e.what(), "ELF") || contains(e.what(), "too short")) << e.what();
    EXPECT_TRUE(contains(e.what(), bogus.string())) << e.what();
  }
  // A registry over that directory records the failure instead of stopping.
  const PluginRegistry registry({dir.path()});
  EXPECT_TRUE(registry.plugins().empty());
  ASSERT_EQ(registry.failures().size(), 1u);
  EXPECT_EQ(registry.failures()[0].path, bogus);
}

TEST(Loader, FirstPluginOfANameWins) {
  const PluginRegistry once({ARCHLAB_TEST_PLUGIN_DIR});
  const PluginRegistry twice({ARCHLAB_TEST_PLUGIN_DIR, ARCHLAB_TEST_PLUGIN_DIR});
  EXPECT_EQ(twice.plugins().size(), once.plugins().size());
  EXPECT_EQ(std::count_if(twice.plugins().begin(), twice.plugins().end(),
                          [](const auto& plugin) { return plugin->name() == "test.pingpong"; }),
            1);
  EXPECT_TRUE(twice.shadowed().empty());  // one file through two path entries is no conflict
}

TEST(Loader, ANameInTwoFilesIsRecordedWithBothPaths) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("archlab_shadow_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(std::filesystem::path(ARCHLAB_TEST_PLUGIN_DIR) / "archlab_test_pingpong.so",
                             dir / "archlab_test_pingpong.so", std::filesystem::copy_options::overwrite_existing);
  {
    const PluginRegistry registry({dir, ARCHLAB_TEST_PLUGIN_DIR});
    ASSERT_EQ(registry.shadowed().size(), 1u);
    EXPECT_EQ(registry.shadowed()[0].name, "test.pingpong");
    EXPECT_EQ(registry.shadowed()[0].used, dir / "archlab_test_pingpong.so");
    EXPECT_EQ(registry.shadowed()[0].ignored.filename(), "archlab_test_pingpong.so");
    EXPECT_NE(registry.shadowed()[0].ignored.parent_path(), dir);
    EXPECT_EQ(registry.find("test.pingpong")->path(), dir / "archlab_test_pingpong.so");
  }
  std::filesystem::remove_all(dir);
}

TEST(Loader, LibraryOutlivesTheRegistry) {
  std::shared_ptr<const Plugin> plugin;
  {
    const PluginRegistry registry({ARCHLAB_TEST_PLUGIN_DIR});
    plugin = registry.find("test.pingpong");
  }
  // The registry is gone; the shared_ptr still keeps the code mapped.
  const ComponentDescriptor& c = *plugin->component();
  std::vector<std::byte> params(c.params_size);
  EXPECT_EQ(c.validate(params.data()), nullptr);
  EXPECT_STREQ(plugin->descriptor().name, "test.pingpong");
}
