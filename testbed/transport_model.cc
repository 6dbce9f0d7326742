#include "testbed/transport_model.h"

#include <algorithm>
#include <cmath>

#include "testbed/platform.h"

namespace amino::testbed {

std::vector<std::int64_t> slow_start_windows(std::int64_t segments, std::int64_t& cwnd, std::int64_t max_window) {
  std::vector<std::int64_t> windows;
  cwnd = std::max<std::int64_t>(cwnd, 1);
  // Bounded: every round sends at least one segment and the window doubles up to max_window, so the
  // rounds are about log2(segments) plus segments / max_window.
  while (segments > 0) {
    const std::int64_t sent = std::min(cwnd, segments);
    windows.push_back(sent);
    segments -= sent;
    cwnd = std::max(cwnd, std::min(cwnd + sent, max_window));
  }
  return windows;
}

Duration slow_start_extra(std::int64_t bytes, std::int64_t& cwnd, const TcpSpec& tcp, Duration rtt, double bandwidth) {
  const std::int64_t mss = std::max(tcp.mss, 1);
  const std::int64_t segments = (std::max<std::int64_t>(bytes, 0) + mss - 1) / mss;
  const auto windows = slow_start_windows(segments, cwnd, tcp.max_window);
  Duration extra = 0;
  // Every window but the last waits for its first ACK, unless sending it takes longer than an RTT;
  // the last window's transfer is the link's own business (latency + bytes / bandwidth).
  for (std::size_t i = 0; i + 1 < windows.size(); ++i) {
    const double send_s = bandwidth > 0 ? static_cast<double>(windows[i] * mss) / bandwidth : 0.0;
    const auto send_time = static_cast<Duration>(std::llround(send_s * static_cast<double>(kSecond)));
    extra += std::max<Duration>(0, rtt - send_time);
  }
  return extra;
}

RadioState radio_state(const RadioSpec& r, Time last_active, Time now) {
  if (last_active == kNever) return RadioState::kIdle;
  const Duration idle = now - last_active;
  if (idle <= r.dch_tail) return RadioState::kDch;
  if (idle <= r.dch_tail + r.fach_tail) return RadioState::kFach;
  return RadioState::kIdle;
}

Duration radio_promotion(const RadioSpec& r, RadioState s) {
  switch (s) {
    case RadioState::kIdle: return r.idle_promotion;
    case RadioState::kFach: return r.fach_promotion;
    case RadioState::kDch: return 0;
  }
  return 0;
}

TransportModel::TransportModel(const PlatformSpec& platform) : platform_(platform) {
  for (const auto& h : platform.hosts) active_ = active_ || h.tcp.enabled || h.radio.enabled;
}

Duration TransportModel::extra_delay(const std::string& from, const std::string& to, std::int64_t bytes, Time now) {
  if (!active_ || from == to) return 0;
  const HostSpec* src = platform_.find_host(from);
  const HostSpec* dst = platform_.find_host(to);
  if (src == nullptr || dst == nullptr) return 0;
  const Duration one_way = platform_.path_latency(from, to);
  const Duration rtt = 2 * one_way;
  const double bandwidth = platform_.path_bandwidth(from, to);
  const auto transfer = static_cast<Duration>(
      bandwidth > 0 ? std::llround(static_cast<double>(bytes) / bandwidth * static_cast<double>(kSecond)) : 0);
  Duration extra = 0;
  if (src->radio.enabled) extra += radio_wait(src->radio, from, now, transfer);
  if (src->tcp.enabled) {
    const auto pair = from < to ? std::make_pair(from, to) : std::make_pair(to, from);
    if (connected_.insert(pair).second && src->tcp.handshake) extra += rtt;
    Flow& flow = flows_[{from, to}];
    const Time start = now + extra;
    const std::int64_t iw = std::max(src->tcp.initial_window, 1);
    if (flow.cwnd == 0) {
      flow.cwnd = iw;
    } else if (start - flow.last_send_end > rtt + src->tcp.rto_min) {
      flow.cwnd = std::min(flow.cwnd, iw);  // restart window after an idle RTO (RFC 5681 §4.1)
    }
    extra += slow_start_extra(bytes, flow.cwnd, src->tcp, rtt, bandwidth);
    flow.last_send_end = now + extra + transfer;
  }
  // The receiver's radio: the frame reaches it about one way + transfer after it leaves.
  if (dst->radio.enabled) extra += radio_wait(dst->radio, to, now + extra + one_way + transfer, transfer);
  return extra;
}

void TransportModel::forget(const std::string& host) {
  std::erase_if(connected_, [&](const auto& pair) { return pair.first == host || pair.second == host; });
  std::erase_if(flows_, [&](const auto& f) { return f.first.first == host || f.first.second == host; });
}

Duration TransportModel::radio_wait(const RadioSpec& spec, const std::string& host, Time at, Duration busy) {
  Radio& r = radios_[host];
  Duration wait = 0;
  if (r.dch_from != kNever && at < r.dch_from) {
    wait = r.dch_from - at;  // a promotion is already under way
  } else {
    wait = radio_promotion(spec, radio_state(spec, r.active_until, at));
    if (wait > 0) r.dch_from = at + wait;
  }
  r.active_until = std::max(r.active_until, at + wait + busy);
  return wait;
}

void to_json(nlohmann::json& j, const TcpSpec& t) {
  j = {{"initial_window", t.initial_window}, {"mss", t.mss},      {"rto_min_ns", t.rto_min},
       {"handshake", t.handshake},           {"max_window", t.max_window}};
}

void from_json(const nlohmann::json& j, TcpSpec& t) {
  TcpSpec d;
  t.enabled = j.value("enabled", true);
  t.initial_window = j.value("initial_window", d.initial_window);
  t.mss = j.value("mss", d.mss);
  t.rto_min = j.value("rto_min_ns", d.rto_min);
  t.handshake = j.value("handshake", d.handshake);
  t.max_window = j.value("max_window", d.max_window);
}

void to_json(nlohmann::json& j, const RadioSpec& r) {
  j = {{"idle_promotion_ns", r.idle_promotion},
       {"fach_promotion_ns", r.fach_promotion},
       {"dch_tail_ns", r.dch_tail},
       {"fach_tail_ns", r.fach_tail}};
}

void from_json(const nlohmann::json& j, RadioSpec& r) {
  RadioSpec d;
  r.enabled = j.value("enabled", true);
  r.idle_promotion = j.value("idle_promotion_ns", d.idle_promotion);
  r.fach_promotion = j.value("fach_promotion_ns", d.fach_promotion);
  r.dch_tail = j.value("dch_tail_ns", d.dch_tail);
  r.fach_tail = j.value("fach_tail_ns", d.fach_tail);
}

}  // namespace amino::testbed
