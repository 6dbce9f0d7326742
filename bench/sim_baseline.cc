#include "bench/sim_baseline.h"

#include <chrono>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <simgrid/s4u.hpp>

#include "sim/isolate.h"

namespace amino::bench {

namespace {

namespace sg = simgrid::s4u;

void build_two_hosts() {
  sg::Engine::set_config("network/model:CM02");
  auto* zone = sg::create_full_zone("baseline");
  sg::Host* a = zone->create_host("ping", 1e9);
  sg::Host* b = zone->create_host("pong", 1e9);
  sg::Link* l = zone->create_link("wire", 1.25e9)->set_latency(50e-6);
  zone->add_route(a->get_netpoint(), b->get_netpoint(), nullptr, nullptr, {sg::LinkInRoute(l)}, true);
  zone->seal();
}

// Each side puts a pointer to a static payload (its size charged to the model) and waits for the
// echo; the payload is not copied, as in the runtime's zero-copy string moves.
std::string run_child(std::uint64_t messages, std::size_t payload_bytes) {
  static int argc = 3;
  static char name[] = "sim-baseline";
  static char quiet1[] = "--log=xbt_cfg.thres:warning";
  static char quiet2[] = "--log=ker_engine.thres:error";
  static char* argv[] = {name, quiet1, quiet2, nullptr};
  sg::Engine engine(&argc, argv);
  build_two_hosts();
  static std::string payload;
  payload.assign(payload_bytes, 'x');
  const std::uint64_t rounds = messages / 2;
  sg::Actor::create("pinger", sg::Host::by_name("ping"), [rounds, payload_bytes] {
    sg::Mailbox* out = sg::Mailbox::by_name("to-pong");
    sg::Mailbox* in = sg::Mailbox::by_name("to-ping");
    for (std::uint64_t i = 0; i < rounds; ++i) {
      out->put(&payload, payload_bytes);
      in->get<std::string>();
    }
  });
  sg::Actor::create("ponger", sg::Host::by_name("pong"), [rounds, payload_bytes] {
    sg::Mailbox* out = sg::Mailbox::by_name("to-ping");
    sg::Mailbox* in = sg::Mailbox::by_name("to-pong");
    for (std::uint64_t i = 0; i < rounds; ++i) {
      in->get<std::string>();
      out->put(&payload, payload_bytes);
    }
  });
  const auto t0 = std::chrono::steady_clock::now();
  engine.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return nlohmann::json{{"messages", rounds * 2}, {"wall", wall}, {"sim", sg::Engine::get_clock()}}.dump();
}

}  // namespace

SimBaselineResult sim_mailbox_ping_pong(std::uint64_t messages, std::size_t payload_bytes) {
  const sim::IsolatedResult r = sim::run_isolated([&] { return run_child(messages, payload_bytes); });
  if (!r.ok) {
    throw std::runtime_error("sim baseline child failed (exit " + std::to_string(r.exit_code) + ", signal " +
                             std::to_string(r.signal) + "): " + r.output);
  }
  const auto j = nlohmann::json::parse(r.output);
  SimBaselineResult out;
  out.messages = j["messages"].get<std::uint64_t>();
  out.wall_seconds = j["wall"].get<double>();
  out.simulated_seconds = j["sim"].get<double>();
  out.messages_per_second = out.wall_seconds > 0 ? static_cast<double>(out.messages) / out.wall_seconds : 0;
  return out;
}

}  // namespace amino::bench
