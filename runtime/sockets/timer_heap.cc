#include "runtime/sockets/timer_heap.h"

#include <algorithm>

namespace amino::sockets {

namespace {

// Dead entries tolerated before a rebuild, on top of one per live timer: a rebuild is linear, so
// waiting for this many makes its cost constant per cancel.
constexpr std::size_t kSlack = 64;

}  // namespace

TimerHeap::Id TimerHeap::add(Time at, Callback fn) {
  const Id id = next_id_++;
  live_.emplace(id, std::move(fn));
  heap_.push_back(Entry{at, id});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  return id;
}

bool TimerHeap::cancel(Id id) {
  if (live_.erase(id) == 0) return false;
  compact_if_sparse();
  return true;
}

std::optional<Time> TimerHeap::earliest() {
  drop_cancelled_top();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().at;
}

TimerHeap::Callback TimerHeap::pop_due(Time now) {
  drop_cancelled_top();
  if (heap_.empty() || heap_.front().at > now) return {};
  const Id id = heap_.front().id;
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  heap_.pop_back();
  auto it = live_.find(id);
  Callback fn = std::move(it->second);
  live_.erase(it);
  return fn;
}

void TimerHeap::drop_cancelled_top() {
  while (!heap_.empty() && live_.count(heap_.front().id) == 0) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
  }
}

void TimerHeap::compact_if_sparse() {
  if (heap_.size() <= 2 * live_.size() + kSlack) return;
  std::erase_if(heap_, [this](const Entry& e) { return live_.count(e.id) == 0; });
  std::make_heap(heap_.begin(), heap_.end(), Later{});
}

}  // namespace amino::sockets
