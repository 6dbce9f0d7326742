// What the checkpointing DMs (ExplicitCheckpoint, PeriodicCheckpoint, DurableSerializableRPC) share:
// the checkpoint record, its crash-safe write and read in Env::storage(), and the server part's
// life cycle (create, restart, migration) around it.
//
// Records. A replica's checkpoints live under "ckpt/<rid>/<generation: 16 hex digits>", one key per
// checkpoint, the generation growing by one per checkpoint (so the keys sort by generation). A
// record is self-checking: magic, generation, payload length, FNV-1a digest of all of these and the
// payload, then the payload (wire::encode_value of the object's state).
//
// Write (Store::save): (1) put the new generation under its own key, (2) sync, (3) erase every
// older record, (4) sync. The last good checkpoint is never overwritten: until (2) returns it is
// the newest valid record; after (2) the new one is. A crash at any point loses at most the record
// being written (unsynced, or torn: a torn record fails its digest or length check); a crash inside
// (3)/(4) leaves older records behind, which the next save erases. Sync order within one sync does
// not matter: each sync carries either one put or only erases of superseded records.
//
// Read (Store::load): the newest record that verifies; newer ones that do not are skipped and
// reported (they are the torn remains of a write that never completed, so never acknowledged).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/dm.h"

namespace amino::dms::checkpoint {

// Descriptor text the three DMs share: the faults they tolerate and the caveats of the mechanism.
extern const char* const kTolerates;
extern const char* const kCaveats;

struct Record {
  std::uint64_t generation = 0;
  Value state;
};

std::string encode(std::uint64_t generation, const Value& state);
// nullopt for anything that is not one whole, intact record (torn, truncated, corrupted, foreign).
std::optional<Record> decode(std::string_view bytes);

// One replica's checkpoints in a node's storage. Storage errors (a disk refusing a write) throw
// from save(); load() and erase_all() never throw for bad records.
class Store {
 public:
  Store(Storage& storage, std::string prefix);  // prefix: "ckpt/<rid>/"

  // The newest record that verifies; the keys of newer records that do not go to *skipped.
  std::optional<Record> load(std::vector<std::string>* skipped = nullptr) const;
  // Writes `state` as a new generation, above every record present (valid or not), in the four
  // steps above (two writes, two syncs); returns the generation.
  std::uint64_t save(const Value& state);

  const std::string& prefix() const { return prefix_; }
  std::string key_of(std::uint64_t generation) const;

 private:
  std::uint64_t highest_present() const;
  Storage& storage_;
  std::string prefix_;
};

// The server part every checkpointing DM builds on. on_create restores the object from the newest
// checkpoint when the kernel re-created the replica from storage after a restart (recovered()),
// writes the checkpoint that came along when the replica was migrated or replicated, and otherwise
// (a new replica) checkpoints the freshly constructed object, so a crash before the first explicit
// checkpoint restores the initial state, not an empty object.
//
// Checkpoints are taken only when no call is mid-method (calls can block inside the object and let
// others in; a snapshot then would hold half of a call): in_flight() counts the calls between
// enter() and leave(), wait_quiet() blocks until it is zero.
class Server : public ServerDM {
 public:
  ~Server() override;
  void on_create(ServerContext& ctx) override;
  // The last checkpoint travels with a migrating chain (so a rollback after a move, or a crash on the
  // new node, returns to it, not to the state at the move).
  Value snapshot() const override;
  void restore(const Value& dm_state) override;

 protected:
  // Writes the object's current state as a checkpoint; kUnavailable (and a log line) when storage
  // refuses it, the object and last checkpoint then unchanged.
  Status checkpoint(ServerContext& ctx);
  // The object back to the last checkpoint.
  void rollback(ServerContext& ctx);
  std::uint64_t generation() const { return generation_; }
  const Value& last() const { return last_; }

  void enter() { ++in_flight_; }
  void leave();
  int in_flight() const { return in_flight_; }
  // Blocks the calling context until no call is in flight, or `deadline` (false).
  bool wait_quiet(Env& env, Time deadline);

  // For DMs with timers: flips to false when this server is freed, for callbacks that outlive it.
  std::shared_ptr<bool> alive() const { return alive_; }

 private:
  Status write(ServerContext& ctx, const Value& state);
  std::unique_ptr<Store> store_;
  Value last_;                  // the state of the last checkpoint
  std::uint64_t generation_ = 0;
  std::optional<Value> carried_;  // the last checkpoint, arrived by migration or replication
  int in_flight_ = 0;
  std::vector<std::shared_ptr<Signal>> quiet_waiters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace amino::dms::checkpoint
