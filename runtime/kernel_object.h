// One physical replica on a kernel server: the application object wrapped by one server component
// per DM of its chain. Calls enter at the innermost DM's server and leave at the outermost one,
// which calls the object (reference §1.3 step 6). Also the per-object concurrency gate, the
// quiesce used by stop-and-copy migration, and per-caller metrics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/dm.h"
#include "runtime/microservice.h"
#include "runtime/protocol.h"

namespace amino {

class Kernel;

class KernelObject {
 public:
  // Builds the object (from constructor args, or from `state` when it arrives by migration or
  // replication) and the server chain; on_create is run separately by start().
  KernelObject(Kernel& kernel, StackSpec spec, const ClassInfo& cls, std::unique_ptr<MicroService> obj);
  ~KernelObject();

  void start();    // server on_create, innermost first
  // Set by a restarted kernel server that re-created this replica from storage (the object is empty):
  // ServerContext::recovered() tells durable DMs to restore it in on_create.
  void mark_recovered() { recovered_ = true; }
  bool recovered() const { return recovered_; }
  void destroy();  // server on_destroy, outermost first

  // Admission (gate, migration), the server chain, metrics. Never throws. A successful reply's
  // value is encoded once, into *reply_body (what goes on the wire, and the bytes counted).
  Reply invoke(Invocation& inv, std::size_t bytes_in, std::string* reply_body);

  // Migration: refuse new calls, wait for in-flight ones (bounded), then hand out the state.
  bool quiesce(Time deadline);
  void resume_calls() { quiesced_ = false; }
  bool quiesced() const { return quiesced_; }
  StackState state() const;
  void restore(const StackState& s);

  void membership_changed(int level, const std::vector<ReplicaRef>& members);
  Value notify_server(int level, const Value& msg);
  Reply peer_message(int level, const ReplicaRef& from, const Value& msg);
  void low_memory();

  std::uint64_t oid() const { return spec_.oid; }
  const StackSpec& spec() const { return spec_; }
  const ClassInfo& class_info() const { return cls_; }
  const Metrics& metrics() const { return metrics_; }
  int in_flight() const { return in_flight_; }
  MicroService& object() { return *obj_; }
  int levels() const { return static_cast<int>(levels_.size()); }
  Reply call_level(int level, Invocation& inv);  // level < 0: the object itself

 private:
  class Level;
  Kernel& kernel_;
  StackSpec spec_;
  const ClassInfo& cls_;
  std::unique_ptr<MicroService> obj_;
  std::vector<std::unique_ptr<Level>> levels_;  // index = DM level, 0 = outermost
  int in_flight_ = 0;
  bool quiesced_ = false;
  bool destroyed_ = false;
  bool recovered_ = false;
  Metrics metrics_;
};

}  // namespace amino
