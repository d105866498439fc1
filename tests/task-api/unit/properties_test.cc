// .properties parsing: good files, Java syntax corners, malformed files (errors name file:line).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "eddy/config.h"

namespace eddy {
namespace {

TEST(Properties, ParsesSamzaStyleFile) {
  const char* text =
      "# a comment\n"
      "! another comment\n"
      "\n"
      "job.name=wordcount\n"
      "task.class : WordCount\n"
      "task.inputs  eddy.lines\n"
      "   task.window.ms=10000   \n"
      "empty.value=\n"
      "serializers.registry.string.class=org.apache.samza.serializers.StringSerdeFactory\n";
  absl::StatusOr<Config> c = ParseProperties(text, "job.properties");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c->Get("job.name"), "wordcount");
  EXPECT_EQ(*c->Get("task.class"), "WordCount");
  EXPECT_EQ(*c->Get("task.inputs"), "eddy.lines");
  EXPECT_EQ(*c->Get("task.window.ms"), "10000   ") << "Java keeps trailing spaces of values";
  EXPECT_EQ(*c->GetInt("task.window.ms"), 10000);
  EXPECT_EQ(*c->Get("empty.value"), "");
  EXPECT_EQ(c->size(), 6u);
  EXPECT_EQ(c->source(), "job.properties");
}

TEST(Properties, ContinuationsEscapesAndLineEndings) {
  const char* text =
      "task.inputs=eddy.a,\\\n"
      "            eddy.b,\\\r\n"
      "   eddy.c\r\n"
      "key\\ with\\ spaces=v\\=1\\:2\n"
      "tabs=a\\tb\\nc\n"
      "unicode=caf\\u00e9 \\uD83D\\uDE00\n"
      "backslash=ends with \\\\\n"
      "dup=1\n"
      "dup=2\r"
      "last=no newline";
  absl::StatusOr<Config> c = ParseProperties(text, "x.properties");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c->Get("task.inputs"), "eddy.a,eddy.b,eddy.c");
  EXPECT_EQ(*c->Get("key with spaces"), "v=1:2");
  EXPECT_EQ(*c->Get("tabs"), "a\tb\nc");
  EXPECT_EQ(*c->Get("unicode"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(*c->Get("backslash"), "ends with \\")
      << "an even number of backslashes is no continuation";
  EXPECT_EQ(*c->Get("dup"), "2");
  EXPECT_EQ(*c->Get("last"), "no newline");
}

TEST(Properties, MalformedLinesNameFileAndLine) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"a=1\njustakey\n", "bad.properties:2: expected 'key=value'"},
      {"a=1\n\n=value\n", "bad.properties:3: empty key"},
      {"a=\\u12G4\n", "bad.properties:1: value of a: malformed \\u escape"},
      {"a=\\u12\n", "bad.properties:1: value of a: malformed \\u escape"},
      {"a=1\nb=x\\\n", "bad.properties:2: line continuation"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Config> r = ParseProperties(c.text, "bad.properties");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos)
        << "got: " << r.status().message() << " want: " << c.expect;
  }
}

TEST(Properties, BinaryGarbageIsAnErrorOrAConfigNeverACrash) {
  std::string junk;
  for (int i = 0; i < 2000; ++i) junk.push_back(static_cast<char>((i * 7919) % 256));
  absl::StatusOr<Config> r = ParseProperties(junk, "junk");
  if (!r.ok()) {
    EXPECT_NE(r.status().message().find("junk:"), std::string::npos);
  }
}

TEST(Properties, LoadFile) {
  auto dir = std::filesystem::temp_directory_path() / ("eddy_props_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "job.properties").string();
  {
    std::ofstream out(path);
    out << "job.name=wc\ntask.window.ms=abc\n";
  }
  absl::StatusOr<Config> c = LoadPropertiesFile(path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c->Get("job.name"), "wc");
  EXPECT_EQ(c->source(), path);
  EXPECT_NE(c->GetInt("task.window.ms").status().message().find("task.window.ms"),
            std::string::npos);

  absl::StatusOr<Config> missing = LoadPropertiesFile((dir / "nope.properties").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.properties"), std::string::npos);

  {
    std::ofstream out(path);
    out << "ok=1\n\n\nbroken\n";
  }
  absl::StatusOr<Config> bad = LoadPropertiesFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(path + ":4:"), std::string::npos) << bad.status();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eddy
