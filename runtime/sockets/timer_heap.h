// The timers of one event loop ordered by deadline, without a clock or Asio, so that the loop can run
// every timer of every node on ONE Asio timer (sockets_loop.h): arming a wait then costs a heap push,
// not a timer of its own, and the kernel's timerfd is re-armed only when the earliest deadline moves
// earlier. An RPC's deadline is almost never the earliest (it lies seconds ahead, after the previous
// call's), so a call no longer costs a timerfd_settime.
//
// Cancelling drops the callback at once (it can never run afterwards, even if its deadline has
// passed); its heap entry is skipped when it reaches the top, and the heap is rebuilt from the live
// entries whenever dead ones outnumber them, so memory stays proportional to the live timers however
// many calls were cancelled before their deadlines. Timers with the same deadline fire in the order
// they were added.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "runtime/time.h"

namespace amino::sockets {

class TimerHeap {
 public:
  using Id = std::uint64_t;  // never 0
  using Callback = std::function<void()>;

  Id add(Time at, Callback fn);
  // False if `id` is not armed (it fired, was cancelled, or never existed).
  bool cancel(Id id);
  // The deadline of the earliest armed timer.
  std::optional<Time> earliest();
  // Disarms the earliest timer due at `now` and returns its callback; an empty one if none is due.
  Callback pop_due(Time now);

  std::size_t armed() const { return live_.size(); }
  // Heap entries, cancelled ones not yet skipped included (tests check the bound).
  std::size_t entries() const { return heap_.size(); }

 private:
  struct Entry {
    Time at;
    Id id;
  };
  // Orders the heap as a min-heap by (deadline, id).
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const { return a.at != b.at ? a.at > b.at : a.id > b.id; }
  };
  void drop_cancelled_top();
  void compact_if_sparse();

  std::vector<Entry> heap_;
  std::unordered_map<Id, Callback> live_;
  Id next_id_ = 1;
};

}  // namespace amino::sockets
