// The real programs given bad input: each must exit 2 with a message naming the flag, limit or
// range, before listening or connecting. Every run is wrapped in coreutils `timeout`, so a program
// that wrongly accepted a flag and started serving is killed (exit 124) and the test fails instead
// of hanging; no wall-clock time is asserted.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tests/multiprocess/child_process.h"

namespace amino::testing {
namespace {

const std::string kBin = AMINO_BIN_DIR;
const std::string kData = AMINO_INPUT_DATA_DIR;

struct ProgramRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

ProgramRun run_program(const std::vector<std::string>& argv) {
  std::string cmd = "exec timeout -k 5 60";
  for (const auto& a : argv) cmd += " " + shell_quote(a);
  cmd += " 2>&1 </dev/null";
  ProgramRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

void expect_usage_error(const std::vector<std::string>& argv, const std::string& text) {
  const ProgramRun r = run_program(argv);
  std::string line;
  for (const auto& a : argv) line += a + " ";
  EXPECT_EQ(r.exit_code, 2) << line << "\n" << r.output;
  EXPECT_NE(r.output.find(text), std::string::npos) << line << "\noutput lacks '" << text << "':\n" << r.output;
}

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

const std::string kCtl = kBin + "/amino-ctl";
const std::string kOms = kBin + "/amino-oms";
const std::string kServer = kBin + "/amino-kernel-server";
// Nothing listens on port 1: a command that got past argument checks fails to connect (exit 4).
const std::string kNoOms = "127.0.0.1:1";

// The reproduction: amino-ctl crashed (SIGSEGV) on a 1000-deep JSON argument.
TEST(AminoCtl, ThousandDeepJsonArgumentIsAUsageError) {
  expect_usage_error({kCtl, "--oms", kNoOms, "call", "ms1", "add", nested_arrays(1000)}, "kMaxValueDepth = 64");
  expect_usage_error({kCtl, "--oms", kNoOms, "call", "ms1", "add", "1", nested_arrays(1000)}, "call argument 2");
}

TEST(AminoCtl, MalformedJsonArgumentIsAUsageError) {
  expect_usage_error({kCtl, "--oms", kNoOms, "call", "ms1", "add", "[1,"}, "malformed JSON");
  expect_usage_error({kCtl, "--oms", kNoOms, "call", "ms1", "add", "18446744073709551615"}, "signed 64-bit");
}

// Within the limit the argument is accepted and the command goes on to the (absent) OMS.
TEST(AminoCtl, JsonArgumentAtTheDepthLimitIsAccepted) {
  const ProgramRun r = run_program({kCtl, "--oms", kNoOms, "--timeout-ms", "2000", "call", "ms1", "add", nested_arrays(64)});
  EXPECT_EQ(r.exit_code, 4) << r.output;
}

// The reproduction: a ~350-byte alias bomb took 27 s and 3 GB, then bad_alloc.
TEST(AminoCtl, AliasBombSpecIsASpecErrorNamingTheLimitAndLine) {
  const ProgramRun r = run_program({kCtl, "--oms", kNoOms, "create", kData + "/alias_bomb.yaml"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("spec error: spec line "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("kMaxSpecNodes = 100000"), std::string::npos) << r.output;
}

TEST(AminoCtl, OutOfRangeDmConfigIsASpecError) {
  const std::string zero = write_temp("replicas0.yaml", "class: VisitCounter\ndmList: [{name: ConsensusRSM, config: {replicas: 0}}]\n");
  expect_usage_error({kCtl, "--oms", kNoOms, "create", zero}, "ConsensusRSM config replicas = 0 is out of range (allowed: 1 .. 64)");
  const std::string nan = write_temp("nan.yaml", "class: VisitCounter\ndmList: [{name: AtLeastOnceRPC, config: {multiplier: .nan}}]\n");
  expect_usage_error({kCtl, "--oms", kNoOms, "create", nan}, "multiplier = nan is not a finite number");
  const std::string huge = write_temp("huge.yaml", "class: VisitCounter\ndmList: [{name: AtLeastOnceRPC, config: {timeoutMs: 9223372036854775807}}]\n");
  expect_usage_error({kCtl, "--oms", kNoOms, "create", huge}, "timeoutMs = 9223372036854775807 is out of range");
  expect_usage_error({kCtl, "--oms", kNoOms, "create", kData + "/no_such_file.yaml"}, "cannot read spec file");
}

TEST(AminoCtl, BadCommandsAndFlags) {
  expect_usage_error({kCtl, "--oms", kNoOms, "frobnicate"}, "unknown command 'frobnicate'");
  expect_usage_error({kCtl, "--oms", kNoOms, "call", "ms1"}, "call wants ID METHOD");
  expect_usage_error({kCtl, "--oms", kNoOms, "--timeout-ms", "0", "nodes"}, "--timeout-ms must be in 1 .. 86400000, got 0");
  expect_usage_error({kCtl, "--oms", kNoOms, "--timeout-ms=-5", "nodes"}, "--timeout-ms must be in 1 .. 86400000, got -5");
  expect_usage_error({kCtl, "--oms", kNoOms, "--timeout-ms", "99999999999999999999", "nodes"}, "--timeout-ms");
}

// The reproduction: `--port -1` listened on 65535.
TEST(AminoOms, PortOutOfRangeIsRejected) {
  expect_usage_error({kOms, "--port=-1"}, "--port must be in 0 .. 65535, got -1");
  expect_usage_error({kOms, "--port", "-1"}, "--port");
  expect_usage_error({kOms, "--port", "65536"}, "--port must be in 0 .. 65535, got 65536");
  expect_usage_error({kOms, "--port", "http"}, "--port");
}

TEST(AminoOms, SeedsAreUnsigned64Bit) {
  expect_usage_error({kOms, "--port", "0", "--seed=-1"}, "--seed must be an integer in 0 .. 18446744073709551615, got '-1'");
  expect_usage_error({kOms, "--port", "0", "--seed", "18446744073709551616"}, "--seed must be an integer");
  expect_usage_error({kOms, "--port", "0", "--seed", "12abc"}, "--seed must be an integer");
}

TEST(AminoOms, HeartbeatTimeoutMustBePositiveAndBounded) {
  expect_usage_error({kOms, "--port", "0", "--heartbeat-timeout-ms", "0"}, "--heartbeat-timeout-ms must be in 1 .. 86400000, got 0");
  expect_usage_error({kOms, "--port", "0", "--heartbeat-timeout-ms", "86400001"}, "--heartbeat-timeout-ms");
  expect_usage_error({kOms, "--port", "0", "--log-level", "loud"}, "--log-level must be debug, info, warn or error");
}

// The largest seed and a valid port are accepted: the OMS starts (then is killed).
TEST(AminoOms, LargestSeedIsAccepted) {
  ChildProcess oms({kOms, "--port", "0", "--seed", "18446744073709551615"});
  EXPECT_NE(oms.wait_for_line("amino-oms listening on", 30000), "");
}

// The reproduction: `--heartbeat-ms 0` spun.
TEST(AminoKernelServer, HeartbeatAndCallTimeoutMustBePositiveAndBounded) {
  expect_usage_error({kServer, "--oms", kNoOms, "--heartbeat-ms", "0"}, "--heartbeat-ms must be in 1 .. 86400000, got 0");
  expect_usage_error({kServer, "--oms", kNoOms, "--heartbeat-ms=-1"}, "--heartbeat-ms must be in 1 .. 86400000, got -1");
  expect_usage_error({kServer, "--oms", kNoOms, "--call-timeout-ms", "0"}, "--call-timeout-ms must be in 1 .. 86400000");
  expect_usage_error({kServer, "--oms", kNoOms, "--port=-1"}, "--port must be in 0 .. 65535, got -1");
  expect_usage_error({kServer, "--oms", kNoOms, "--label", "novalue"}, "expected key=value");
}

}  // namespace
}  // namespace amino::testing
