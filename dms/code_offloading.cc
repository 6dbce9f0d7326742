#include "dms/code_offloading.h"

#include <algorithm>
#include <array>
#include <map>

#include "dms/support.h"

namespace amino::dms {
namespace {

class CodeOffloadingClient : public offloading::Client {
  using Side = offloading::Side;
  struct MethodStats {
    std::array<double, 2> latency_ns{};
    std::array<int, 2> samples{};
    std::array<Time, 2> last_run{};
    std::int64_t calls = 0;
  };

 protected:
  Side choose(const Invocation& inv, ClientContext& ctx) override {
    MethodStats& s = stats_[inv.method];
    ++s.calls;
    if (s.samples[0] == 0) return Side::kDevice;
    if (s.samples[1] == 0) return Side::kCloud;
    const Side best = s.latency_ns[0] <= s.latency_ns[1] ? Side::kDevice : Side::kCloud;
    const Side other = best == Side::kDevice ? Side::kCloud : Side::kDevice;
    return probe_due(s, other, ctx) ? other : best;
  }

  void observe(const Invocation& inv, Side side, Duration took, ClientContext& ctx) override {
    MethodStats& s = stats_[inv.method];
    const auto i = static_cast<std::size_t>(side);
    const double alpha = ctx.config().at("ewmaAlpha").as_double();
    const double sample = static_cast<double>(took);
    s.latency_ns[i] = s.samples[i] == 0 ? sample : alpha * sample + (1 - alpha) * s.latency_ns[i];
    ++s.samples[i];
    s.last_run[i] = ctx.env().now();
  }

 private:
  static bool probe_due(const MethodStats& s, Side other, ClientContext& ctx) {
    const std::int64_t every = ctx.config().at("probeEvery").as_int();
    const Duration interval = millis(ctx.config().at("probeIntervalMs").as_int());
    const Time last = s.last_run[static_cast<std::size_t>(other)];
    return (every > 0 && s.calls % every == 0) || (interval > 0 && ctx.env().now() - last >= interval);
  }

  std::map<std::string, MethodStats> stats_;
};

}  // namespace

DmDescriptor code_offloading() {
  DmDescriptor d = offloading::base_descriptor();  // placement, state sync, common keys
  d.name = "CodeOffloading";
  d.summary = "runs each call on the device or a cloud replica, whichever measured faster";
  d.paper = "CodeOffloading";
  d.source = "dms/code_offloading.h";
  // How this DM chooses the side, then what both offloading DMs guarantee.
  d.guarantee =
      "Each call runs on the side that measured faster: per method, an EWMA (weight ewmaAlpha) of the latency "
      "on each side, offloaded calls including their state push and returned state, so the cost of moving "
      "state counts against offloading. Each side is tried once (device first), then the faster side runs the "
      "call; the slower side is probed again every probeEvery-th call of the method, and whenever it has not "
      "run for probeIntervalMs."
      " " +
      d.guarantee;
  d.config.push_back(ConfigKey{"ewmaAlpha", Value::Kind::kDouble, Value(0.3), "weight of the newest latency sample", Value(0.0), Value(1.0)});
  d.config.push_back(ConfigKey{"probeEvery", Value::Kind::kInt, Value(10), "probe the slower side every N calls of a method (0: never)", Value(0), Value(1000000)});
  d.config.push_back(ConfigKey{"probeIntervalMs", Value::Kind::kInt, Value(5000), "and whenever it has not run for this long (0: never)", Value(0), Value(kMaxTimeoutMs)});
  d.make_client = [] { return std::make_unique<CodeOffloadingClient>(); };
  return d;
}

}  // namespace amino::dms
