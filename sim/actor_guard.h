// Every actor body runs inside guarded(): an exception escaping a SimGrid actor aborts the whole
// process (TOOLCHAIN.md §7), so ordinary and SimGrid exceptions are recorded in the run's report
// instead. simgrid::ForcefulKillException (host turned off, actor killed) is deliberately not
// caught: SimGrid needs it to unwind the dying actor, and it is not a std::exception.
#pragma once

#include <functional>
#include <string>

#include <simgrid/Exception.hpp>

namespace amino::sim {

using ErrorSink = std::function<void(const std::string&)>;

template <class F> void guarded(const ErrorSink& sink, const std::string& where, F&& body) {
  try {
    body();
  } catch (const simgrid::ForcefulKillException&) {
    throw;
  } catch (const simgrid::Exception& e) {
    sink(where + ": SimGrid exception: " + e.what());
  } catch (const std::exception& e) {
    sink(where + ": " + e.what());
  }
}

}  // namespace amino::sim
