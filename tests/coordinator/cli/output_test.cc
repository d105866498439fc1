// coordinator/cli/output.h: --output parsing, JSON printing of any bytes, protobuf conversion.
#include "coordinator/cli/output.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "coordinator/proto/coordinator.pb.h"

namespace eddy::cli {
namespace {

OutputFlags Parse(std::vector<std::string> args) {
  CLI::App app{"t", "t"};
  OutputFlags f;
  AddOutputFlag(&app, &f);
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  app.parse(args);
  return f;
}

TEST(OutputFlag, TextByDefaultJsonWhenAskedAndABadFormatNamesFlagAndValue) {
  EXPECT_FALSE(Parse({}).json());
  EXPECT_FALSE(Parse({"--output", "text"}).json());
  EXPECT_TRUE(Parse({"--output", "json"}).json());
  EXPECT_TRUE(Parse({"-o", "json"}).json());
  EXPECT_TRUE(Parse({"--json"}).json());
  try {
    Parse({"--output", "yaml"});
    FAIL() << "--output yaml was accepted";
  } catch (const CLI::ParseError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("--output"), std::string::npos) << what;
    EXPECT_NE(what.find("'yaml'"), std::string::npos) << what;
  }
}

TEST(PrintJson, OneLineThatParsesEvenForBytesThatAreNotUtf8) {
  char path[] = "/tmp/eddy-output-test-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  dup2(fd, STDOUT_FILENO);
  PrintJson({{"entries", {{{"key", std::string("k\xff\xfe")}, {"value", "v"}}}}});
  dup2(saved, STDOUT_FILENO);
  close(saved);
  close(fd);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  unlink(path);
  const std::string text = ss.str();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.find('\n'), text.size() - 1) << text;
  auto doc = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << text;
  EXPECT_EQ(doc["entries"][0]["value"], "v");
  EXPECT_EQ(doc["entries"][0]["key"].get<std::string>().rfind("k", 0), 0u);
}

TEST(ProtoToJson, KeepsProtoNamesAndZeroFields) {
  coordinator::v1::JobStatus s;
  s.set_job("wordcount");
  auto* c = s.add_containers();
  c->set_id("0");
  c->set_restarts(0);
  auto j = ProtoToJson(s);
  EXPECT_EQ(j["job"], "wordcount");
  EXPECT_EQ(j["containers"][0]["id"], "0");
  EXPECT_TRUE(j["containers"][0].contains("restarts")) << j.dump();  // zero, still printed
  EXPECT_TRUE(j.contains("container_count")) << j.dump();            // .proto name
}

}  // namespace
}  // namespace eddy::cli
