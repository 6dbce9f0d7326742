// Writes the fuzz targets' seed corpora (fuzz/corpus/<target>/) from real traffic and the real
// encoders, so the fuzzers start from inputs the runtime actually produces:
//   - an in-process deployment (OMS, a cloud server, two phones) runs the hello demo and the
//     multiplayer game's board under four deployments while every frame a node sends is recorded;
//   - value_codec: the Value bodies of those frames (one per service and direction) and the
//     arguments of ks.invoke requests; value_json: the same Values as JSON text (to_json);
//   - spec_yaml: the specs the deployment created (each one parsed, placed and called);
//   - fault_schedule: schedules covering every fault type and triggers, through schedule_to_json, each valid
//     on fuzz/fault_platform.h;
//   - handshake_frames (fuzz/handshake_input.h): real handshakes (runtime/sockets/handshake.h)
//     followed by the recorded frames of one connection, length-prefixed; relay scripts.
// It also writes libFuzzer dictionaries of the words those parsers know: spec_yaml.dict (spec
// fields, every registered DM and config key, YAML syntax) and fault_schedule.dict (fault types
// and fields, from schedule_to_json).
// Usage: make_fuzz_corpus FUZZ_DIR (writes FUZZ_DIR/corpus/<target>/ and FUZZ_DIR/<target>.dict;
// fuzz/README.md). Deterministic: same binary, same files.
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "amino.pb.h"
#include "dms/all.h"
#include "fuzz/fault_platform.h"
#include "fuzz/handshake_input.h"
#include "runtime/env_wrapper.h"
#include "runtime/inproc/inproc_world.h"
#include "runtime/kernel.h"
#include "runtime/oms.h"
#include "runtime/protocol.h"
#include "runtime/sockets/framing.h"
#include "runtime/sockets/handshake.h"
#include "runtime/value_json.h"
#include "runtime/wire.h"
#include "scenarios/registry.h"
#include "testbed/fault_schedule.h"

namespace amino::fuzz {
namespace {

namespace fs = std::filesystem;

struct SentFrame {
  NodeId from, to;
  std::string bytes;
};

// An Env that records every frame its node sends and otherwise forwards to the node's real Env.
class RecordingEnv : public EnvWrapper {
 public:
  RecordingEnv(Env& inner, std::vector<SentFrame>& sent) : EnvWrapper(inner), sent_(sent) {}
  void send(const NodeId& to, std::string frame) override {
    sent_.push_back({self(), to, frame});
    EnvWrapper::send(to, std::move(frame));
  }

 private:
  std::vector<SentFrame>& sent_;
};

[[noreturn]] void die(const std::string& why) {
  std::cerr << "make_fuzz_corpus: " << why << "\n";
  std::exit(1);
}

void write_file(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) die("cannot write " + path.string());
}

// The specs the deployment creates, by seed file name. The game's dmLists are those of
// scenarios/multiplayer_game/scenario.py (cloud, replicated, cached, dynamic deployments); the hello
// pair is amino-ctl hello's. Both YAML styles appear: block, and the JSON the Python module emits.
const std::vector<std::pair<std::string, std::string>>& specs() {
  static const std::vector<std::pair<std::string, std::string>> all = {
      {"hello_visits", "name: visits\nclass: VisitCounter\nnodeSelector: [{key: node, operator: =, values: ['cloud']}]\n"},
      {"hello_world", "class: HelloWorld\nnodeSelector: [{key: node, operator: =, values: ['phone1']}]\n"},
      {"game_cloud",
       "name: board_cloud\nclass: Board\nargs: [16]\ndmList:\n  - name: AtLeastOnceRPC\n    config: {timeoutMs: 5000}\n"
       "  - name: KeepInCloud\n"},
      {"game_replicated",
       "{\n  \"name\": \"board_replicated\",\n  \"class\": \"Board\",\n  \"args\": [16],\n  \"nodeSelector\": [[{\"key\": "
       "\"role\", \"operator\": \"in\", \"values\": [\"client\"]}]],\n  \"dmList\": [{\"name\": \"ConsensusRSM-P2P\", "
       "\"config\": {\"replicas\": 2, \"localReads\": true, \"rpcTimeoutMs\": 600, \"heartbeatMs\": 150, "
       "\"electionTimeoutMinMs\": 1500, \"electionTimeoutMaxMs\": 3000, \"attemptTimeoutMs\": 1500}}]\n}\n"},
      {"game_cached",
       "name: board_cached\nclass: Board\nargs: [16]\ndmList:\n  - name: WriteThroughCaching\n    config: {refreshMs: 1000}\n"
       "  - name: KeepInCloud\n"},
      {"game_dynamic",
       "name: board_dynamic\nclass: Board\nargs: [16]\ndmList:\n  - name: DynamicMigration\n"
       "    config: {periodMs: 1000, minDwellMs: 5000, minGain: 0.1}\n"},
  };
  return all;
}

// Runs the deployment and returns every frame sent.
std::vector<SentFrame> record_traffic() {
  std::vector<SentFrame> sent;
  inproc::InProcWorld world(inproc::WorldOptions{7});
  DmRegistry dms;
  dms::register_all(dms);
  ClassRegistry classes;
  scenarios::register_all(classes);

  RecordingEnv oms_env(world.add_node("oms"), sent);
  Rpc oms_rpc(oms_env);
  Oms oms(oms_rpc, dms);
  oms.start();
  std::vector<std::unique_ptr<RecordingEnv>> envs;
  std::map<NodeId, std::unique_ptr<Kernel>> kernels;
  auto boot = [&](const NodeId& id, const std::string& region, std::map<std::string, std::string> labels) {
    envs.push_back(std::make_unique<RecordingEnv>(world.add_node(id), sent));
    KernelOptions ko;
    ko.oms = "oms";
    ko.region = region;
    ko.labels = std::move(labels);
    kernels[id] = std::make_unique<Kernel>(*envs.back(), classes, dms, ko);
    kernels[id]->start();
  };
  boot("cloud", "cloud", {{"tier", "cloud"}});
  boot("phone1", "device", {{"role", "client"}});
  boot("phone2", "device", {{"role", "client"}});
  if (!world.run_until([&] { return oms.nodes().size() == 3; }, world.now() + 5 * kSecond)) die("kernels did not register");

  const bool ok = world.run_task("phone1", [&] {
    Kernel& k = *kernels.at("phone1");
    std::map<std::string, Stub> stubs;
    for (const auto& [name, yaml] : specs()) stubs[name] = k.create(yaml);
    for (const char* who : {"Ada", "Barbara"}) stubs.at("hello_world").call<std::string>("hello", std::string(who), std::string("visits"));
    for (const char* board : {"game_cloud", "game_replicated", "game_cached", "game_dynamic"}) {
      const Stub& b = stubs.at(board);
      b.call<std::int64_t>("claim", 1, 2, std::string("player1"));
      b.call<std::int64_t>("claim", 3, 4, std::string("player2"));
      (void)b.invoke("read", {});
      (void)b.call<std::int64_t>("free_cells");
    }
  });
  if (!ok) die("the deployment did not finish");
  world.run_for(2 * kSecond);  // heartbeats, replication and cache refreshes after the calls
  for (auto& [id, k] : kernels) k->stop();
  return sent;
}

std::string file_name(std::string s) {
  for (char& c : s) {
    if (c == '/' || c == ':') c = '_';
  }
  return s;
}

// One Value per (service, direction): the largest body under 2 KiB, so seeds stay small but rich.
std::map<std::string, Value> values_of(const std::vector<SentFrame>& sent) {
  std::map<std::pair<NodeId, std::uint64_t>, std::string> service_of_call;  // (caller, call id)
  std::map<std::string, std::pair<std::size_t, Value>> best;
  auto offer = [&](const std::string& name, const std::string& bytes) {
    if (bytes.empty() || bytes.size() > 2048) return;
    auto it = best.find(name);
    if (it != best.end() && it->second.first >= bytes.size()) return;
    best[name] = {bytes.size(), wire::decode_value(bytes)};
  };
  for (const SentFrame& s : sent) {
    pb::Frame f;
    if (!f.ParseFromString(s.bytes)) die("a recorded frame does not parse");
    if (!f.is_reply()) {
      service_of_call[{s.from, f.call_id()}] = f.service();
      if (f.service() == svc::kInvoke) {
        pb::InvokeRequest req;
        if (!req.ParseFromString(f.body())) die("a recorded ks.invoke does not parse");
        for (int i = 0; i < req.args_size(); ++i) offer("ks.invoke.arg" + std::to_string(i), wire::serialize(req.args(i)));
      } else {
        offer(f.service(), f.body());
      }
    } else if (f.status().code() == 0) {
      auto it = service_of_call.find({s.to, f.call_id()});
      if (it != service_of_call.end()) offer(it->second + ".reply", f.body());
    }
  }
  std::map<std::string, Value> out;
  for (auto& [name, entry] : best) out[name] = std::move(entry.second);
  return out;
}

std::vector<std::pair<std::string, testbed::FaultSchedule>> schedules() {
  using namespace testbed;
  LinkFaults lossy;
  lossy.drop = 0.1;
  lossy.duplicate = 0.05;
  lossy.reorder = 0.2;
  lossy.reorder_window = 5 * kMillisecond;
  lossy.delay = kMillisecond;
  lossy.jitter = 2 * kMillisecond;
  FaultSchedule every;
  every.faults = {
      {1 * kSecond, PartitionFault{{{"n0", "n1"}, {"n2", "phone"}}, BlockMode::kReset}},
      {2 * kSecond, OneWayPartitionFault{{"n0"}, {"phone"}, BlockMode::kDrop}},
      {3 * kSecond, BridgePartitionFault{{"n0", "n1", "n2"}, BlockMode::kDrop}},
      {4 * kSecond, MajoritiesRingFault{{"n0", "n1", "n2", "phone"}, BlockMode::kDrop}},
      {5 * kSecond, HealFault{}},
      {6 * kSecond, LinkChangeFault{"phone/uplink", 100 * kMillisecond, 125000.0}},
      {7 * kSecond, MessageFaultsFault{"*", "n1", lossy}},
      {8 * kSecond, ClearMessageFaultsFault{}},
      {9 * kSecond, TornWriteFault{"n2"}},
      {9 * kSecond, CrashFault{"n2", true}},
      {10 * kSecond, RestartFault{"n2"}},
      {11 * kSecond, PauseFault{"phone"}},
      {12 * kSecond, ResumeFault{"phone"}},
      {13 * kSecond, ClockFault{"n1", -250 * kMillisecond, 1e-4}},
  };
  // The game's partition=true: the phone cut from a server, both still reaching the others.
  FaultSchedule partition;
  partition.faults = {{10 * kSecond, PartitionFault{{{"phone"}, {"n0"}}, BlockMode::kDrop}}, {20 * kSecond, HealFault{}}};
  // The shape of a ConsensusRSM nemesis step: faults on one path, a crash without state, heal.
  FaultSchedule nemesis;
  nemesis.faults = {{500 * kMillisecond, MessageFaultsFault{"n0", "*", lossy}},
                    {kSecond, CrashFault{"n1", false}},
                    {1500 * kMillisecond, OneWayPartitionFault{{"n2"}, {"n0", "phone"}, BlockMode::kReset}},
                    {3 * kSecond, HealFault{}},
                    {3 * kSecond, ClearMessageFaultsFault{}},
                    {3 * kSecond, RestartFault{"n1"}}};
  // Faults timed to probes (on_probe): crash a new leader and restart it 5 ms later; isolate the
  // node of the third commit in a group for 300 ms.
  FaultSchedule triggered;
  ProbeTrigger leader;
  leader.probe = "raft.leader";
  leader.from = kSecond;
  leader.until = 9 * kSecond;
  leader.faults = {{0, CrashFault{kProbeNode, false}}, {5 * kMillisecond, RestartFault{kProbeNode}}};
  ProbeTrigger commit;
  commit.probe = "raft.commit";
  commit.nth = 3;
  commit.node = "n0";
  commit.group = "g1";
  commit.faults = {{0, PartitionFault{{{kProbeNode}, {"n0", "n1", "n2", "phone"}}, BlockMode::kDrop}},
                   {300 * kMillisecond, HealFault{}}};
  triggered.faults = {{2 * kSecond, ClockFault{"n1", kMillisecond, 0}}};
  triggered.triggers = {leader, commit};
  return {{"every_type", every}, {"partition_heal", partition}, {"nemesis_step", nemesis}, {"triggered", triggered}};
}

std::string length_prefixed(const std::string& frame) {
  const auto header = sockets::encode_frame_header(static_cast<std::uint32_t>(frame.size()));
  return std::string(header.begin(), header.end()) + frame;
}

// The frames an initiator holding `key` sends to a responder holding the same key (Hello, then
// Proof when keyed), from a real exchange between two Handshakes.
std::vector<std::string> initiator_frames(const std::string& key) {
  using namespace handshake_input;
  const std::string init_nonce = key.empty() ? "" : nonce('S');
  const std::string resp_nonce = key.empty() ? "" : kResponderNonce;
  sockets::Handshake initiator({sockets::HandshakeRole::kInitiator, kInitiatorId, kResponderId, key, init_nonce});
  sockets::Handshake responder({sockets::HandshakeRole::kResponder, kResponderId, "", key, resp_nonce});
  responder.start();
  std::vector<std::string> sent = initiator.start().send;
  const auto reply = responder.on_frame(sent.front());
  for (const auto& f : reply.send) {
    for (auto& p : initiator.on_frame(f).send) sent.push_back(std::move(p));
  }
  if (!initiator.done()) die("the seed handshake did not complete");
  return sent;
}

std::map<std::string, std::string> handshake_seeds(const std::vector<SentFrame>& sent) {
  using namespace handshake_input;
  // A connection's data: the frames phone1 sent the cloud server, in order, up to ~3 KiB.
  std::string data;
  for (const SentFrame& s : sent) {
    if (s.from == "phone1" && s.to == "cloud" && data.size() + s.bytes.size() < 3000) data += length_prefixed(s.bytes);
  }
  std::string unkeyed_hello;
  for (const auto& f : initiator_frames("")) unkeyed_hello += length_prefixed(f);
  std::string stranger;  // a complete keyed exchange, but under another key than the target's
  for (const auto& f : initiator_frames(kStrangerKey)) stranger += length_prefixed(f);
  const std::string forged_hello = initiator_frames("").front();  // unkeyed: refused by a keyed node
  auto script = [](std::initializer_list<std::uint8_t> ops) { return std::string(ops.begin(), ops.end()); };
  const std::uint8_t to_r = op_byte(kDeliver, false), to_i = op_byte(kDeliver, true);
  return {
      {"stranger_unkeyed_connection", std::string(1, '\0') + unkeyed_hello + data},
      {"stranger_unkeyed_connection_reads_of_36", std::string(1, static_cast<char>(5 << 2)) + unkeyed_hello + data},
      {"stranger_other_key", std::string(1, static_cast<char>(kKeyed)) + stranger},
      {"relay_keyed", script({kRelay | kKeyed, to_r, to_i, to_r})},
      {"relay_unkeyed", script({kRelay, to_r, to_i})},
      {"relay_keyed_replayed_hello", script({kRelay | kKeyed, to_r, to_i, op_byte(kReplay, false), 0, to_r})},
      {"relay_keyed_flipped_reply", script({kRelay | kKeyed, to_r, op_byte(kFlipBit, true), 40, 3, to_r})},
      {"relay_keyed_injected_hello",
       script({kRelay | kKeyed, op_byte(kInject, false), static_cast<std::uint8_t>(forged_hello.size())}) + forged_hello},
  };
}

std::string quoted(const std::string& word) {
  std::string out = "\"";
  for (char c : word) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"\n";
}

std::string spec_dictionary() {
  std::set<std::string> words = {"name", "class", "args", "nodeSelector", "dmList", "config", "key", "operator",
                                 "values", "in", "notin", "exists", "=", "---", "...", "&a", "*a", "<<", "!!str",
                                 "- ", ": ", "[", "]", "{", "}", "true", "null", "~", "0x", "0o", ".inf", ".nan"};
  for (const auto& name : dms::builtin().names()) {
    words.insert(name);
    for (const auto& key : dms::builtin().find(name)->config) words.insert(key.name);
  }
  std::string out = "# Generated by fuzz/make_corpus.cc from dms::builtin() and runtime/spec.h.\n";
  for (const auto& w : words) out += quoted(w);
  return out;
}

std::string schedule_dictionary(const std::vector<std::pair<std::string, testbed::FaultSchedule>>& all) {
  std::set<std::string> words = {"*", "drop", "reset", "uplink"};
  std::function<void(const nlohmann::json&)> collect = [&](const nlohmann::json& j) {
    if (j.is_object()) {
      for (auto it = j.begin(); it != j.end(); ++it) {
        words.insert(it.key());
        collect(it.value());
      }
    } else if (j.is_array()) {
      for (const auto& x : j) collect(x);
    } else if (j.is_string()) {
      words.insert(j.get<std::string>());
    }
  };
  for (const auto& [name, s] : all) collect(testbed::schedule_to_json(s));
  std::string out = "# Generated by fuzz/make_corpus.cc from schedule_to_json of its seed schedules.\n";
  for (const auto& w : words) out += quoted(w);
  return out;
}

int run(const fs::path& fuzz_dir) {
  const fs::path out = fuzz_dir / "corpus";
  write_file(fuzz_dir / "spec_yaml.dict", spec_dictionary());
  write_file(fuzz_dir / "fault_schedule.dict", schedule_dictionary(schedules()));
  for (const auto& [name, yaml] : specs()) write_file(out / "spec_yaml" / (name + ".yaml"), yaml);

  const auto traffic = record_traffic();
  const auto values = values_of(traffic);
  if (values.size() < 10) die("too few distinct frame bodies recorded: " + std::to_string(values.size()));
  for (const auto& [name, v] : values) {
    write_file(out / "value_codec" / file_name(name), wire::encode_value(v));
    write_file(out / "value_json" / (file_name(name) + ".json"), to_json(v).dump());
  }

  for (const auto& [name, s] : schedules()) {
    const auto problems = testbed::validate(s, fault_platform());
    if (!problems.empty()) die("schedule " + name + " is invalid: " + problems.front());
    write_file(out / "fault_schedule" / (name + ".json"), testbed::schedule_to_json(s).dump(1) + "\n");
  }
  const auto handshakes = handshake_seeds(traffic);
  for (const auto& [name, bytes] : handshakes) write_file(out / "handshake_frames" / name, bytes);
  std::cout << "make_fuzz_corpus: " << specs().size() << " specs, " << values.size() << " frame Values, "
            << schedules().size() << " schedules, " << handshakes.size() << " connections in " << out.string() << "\n";
  return 0;
}

}  // namespace
}  // namespace amino::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_fuzz_corpus FUZZ_DIR  (writes FUZZ_DIR/corpus/<target>/ and FUZZ_DIR/<target>.dict)\n";
    return 2;
  }
  return amino::fuzz::run(argv[1]);
}
