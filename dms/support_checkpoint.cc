#include "dms/support_checkpoint.h"

#include <algorithm>
#include <exception>

#include "runtime/wire.h"

namespace amino::dms::checkpoint {

namespace {

constexpr std::string_view kMagic{"AMCKPT1\0", 8};
constexpr std::size_t kHeader = 8 + 3 * 8;  // magic, generation, payload length, digest
constexpr std::size_t kGenerationDigits = 16;

void put_u64(std::string& out, std::uint64_t x) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((x >> shift) & 0xFF));
}

std::uint64_t get_u64(std::string_view in, std::size_t at) {
  std::uint64_t x = 0;
  for (std::size_t i = 0; i < 8; ++i) x = x << 8 | static_cast<unsigned char>(in[at + i]);
  return x;
}

// FNV-1a: detects the torn and truncated records a crash leaves (and most corruption); it is no
// defence against someone who can write the disk.
std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t record_digest(std::string_view head /* magic, generation, length */, std::string_view payload) {
  return fnv1a(payload, fnv1a(head));
}

// The generation a key names, or nullopt for a key that is not one of ours.
std::optional<std::uint64_t> generation_of(const std::string& key, const std::string& prefix) {
  if (key.size() != prefix.size() + kGenerationDigits || key.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  std::uint64_t g = 0;
  for (std::size_t i = prefix.size(); i < key.size(); ++i) {
    const char c = key[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    g = g << 4 | static_cast<std::uint64_t>(d);
  }
  return g;
}

}  // namespace

const char* const kTolerates =
    "Crash and restart of the hosting kernel server with its storage (same --storage-dir on sockets): the "
    "kernel re-creates the replica from storage and the DM restores the object from its newest intact "
    "checkpoint before any call reaches it. A crash at any point of a checkpoint write, unsynced writes lost "
    "or the record being written torn, never damages the previous checkpoint: each checkpoint is a new "
    "self-checking record (magic, generation, length, FNV-1a digest) synced before older ones are erased, and "
    "a restore skips damaged records (dms/support_checkpoint.h). Migration and replication carry the last "
    "checkpoint to the new node. Not tolerated: loss of the node's disk ('crash without state'; the object "
    "then restarts empty, with an error log line), or a node that never comes back (the checkpoint is on its "
    "disk only: no other node can restore it).";

const char* const kCaveats =
    "Checkpoints are per replica and local to its node; an outer replicating DM gets one per replica. A "
    "checkpoint is taken only when no call is mid-method (a call blocked inside the object would otherwise be "
    "half in it). Records of a replica that moved away or was dropped stay on the old node's disk (as "
    "ConsensusRSM's log does). A checkpoint costs one encode of the whole object and two storage syncs.";

std::string encode(std::uint64_t generation, const Value& state) {
  const std::string payload = wire::encode_value(state);
  std::string out(kMagic);
  put_u64(out, generation);
  put_u64(out, payload.size());
  put_u64(out, record_digest(out, payload));
  out += payload;
  return out;
}

std::optional<Record> decode(std::string_view bytes) {
  if (bytes.size() < kHeader || bytes.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  const std::uint64_t length = get_u64(bytes, 16);
  if (length != bytes.size() - kHeader) return std::nullopt;
  const std::string_view payload = bytes.substr(kHeader);
  if (get_u64(bytes, 24) != record_digest(bytes.substr(0, 24), payload)) return std::nullopt;
  try {
    return Record{get_u64(bytes, 8), wire::decode_value(payload)};
  } catch (const std::exception&) {
    return std::nullopt;  // a digest collision on garbage: still not a record
  }
}

Store::Store(Storage& storage, std::string prefix) : storage_(storage), prefix_(std::move(prefix)) {}

std::string Store::key_of(std::uint64_t generation) const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string key = prefix_;
  for (int shift = 60; shift >= 0; shift -= 4) key.push_back(kDigits[(generation >> shift) & 0xF]);
  return key;
}

std::optional<Record> Store::load(std::vector<std::string>* skipped) const {
  std::vector<std::string> keys = storage_.keys(prefix_);
  std::sort(keys.rbegin(), keys.rend());  // newest generation first (fixed-width hex)
  for (const auto& key : keys) {
    const auto generation = generation_of(key, prefix_);
    if (!generation) continue;
    const auto bytes = storage_.get(key);
    std::optional<Record> r = bytes ? decode(*bytes) : std::nullopt;
    if (r && r->generation == *generation) return r;
    if (skipped != nullptr) skipped->push_back(key);
  }
  return std::nullopt;
}

std::uint64_t Store::highest_present() const {
  std::uint64_t high = 0;
  for (const auto& key : storage_.keys(prefix_)) {
    if (auto g = generation_of(key, prefix_)) high = std::max(high, *g);
  }
  return high;
}

std::uint64_t Store::save(const Value& state) {
  // Above every record present, torn ones included: a write never touches the key of a record on
  // the disk, so it can never damage another.
  const std::uint64_t generation = highest_present() + 1;
  const std::string key = key_of(generation);
  storage_.put(key, encode(generation, state));
  try {
    storage_.sync();
  } catch (...) {
    storage_.erase(key);  // not left buffered for someone else's sync to make durable later
    throw;
  }
  for (const auto& old : storage_.keys(prefix_)) {
    if (old != key && generation_of(old, prefix_)) storage_.erase(old);
  }
  storage_.sync();
  return generation;
}

// ---- Server ---------------------------------------------------------------------------------------

Server::~Server() { *alive_ = false; }

void Server::on_create(ServerContext& ctx) {
  Env& env = ctx.env();
  store_ = std::make_unique<Store>(env.storage(), "ckpt/" + ctx.self().rid + "/");
  const std::string who = "checkpoint of " + ctx.self().rid;
  if (carried_) {
    Value state = std::move(*carried_);
    carried_.reset();
    (void)write(ctx, state);
    return;
  }
  if (!ctx.recovered()) {
    (void)checkpoint(ctx);  // a new replica: its constructed state is the first checkpoint
    return;
  }
  std::vector<std::string> skipped;
  std::optional<Record> r = store_->load(&skipped);
  for (const auto& key : skipped) env.log(LogLevel::kWarn, who + ": skipped the damaged record " + key);
  if (!r) {
    env.log(LogLevel::kError, who + ": no intact checkpoint in storage; the object restarts empty");
    (void)checkpoint(ctx);
    return;
  }
  try {
    ctx.restore_object(r->state);
  } catch (const std::exception& e) {
    env.log(LogLevel::kError, who + ": the object refused its checkpoint (" + e.what() + "); it restarts empty");
    (void)checkpoint(ctx);
    return;
  }
  last_ = std::move(r->state);
  generation_ = r->generation;
  env.log(LogLevel::kInfo, who + ": restored generation " + std::to_string(generation_));
  if (env.probing()) {
    env.probe("checkpoint.restored", {{"rid", ctx.self().rid},
                                      {"generation", static_cast<std::int64_t>(generation_)},
                                      {"skipped", static_cast<std::int64_t>(skipped.size())}});
  }
}

Value Server::snapshot() const {
  return ValueMap{{"generation", static_cast<std::int64_t>(generation_)}, {"state", last_}};
}

void Server::restore(const Value& dm_state) {
  if (const Value* state = dm_state.is<ValueMap>() ? dm_state.find("state") : nullptr) carried_ = *state;
}

Status Server::checkpoint(ServerContext& ctx) { return write(ctx, ctx.snapshot_object()); }

void Server::rollback(ServerContext& ctx) { ctx.restore_object(last_); }

Status Server::write(ServerContext& ctx, const Value& state) {
  Env& env = ctx.env();
  try {
    generation_ = store_->save(state);
  } catch (const std::exception& e) {
    const std::string why = "checkpoint of " + ctx.self().rid + " not written: " + e.what();
    env.log(LogLevel::kWarn, why);
    return Status{Code::kUnavailable, why, {}};
  }
  last_ = state;
  if (env.probing()) {
    env.probe("checkpoint.saved", {{"rid", ctx.self().rid}, {"generation", static_cast<std::int64_t>(generation_)}});
  }
  return {};
}

void Server::leave() {
  if (--in_flight_ > 0) return;
  for (auto& w : quiet_waiters_) w->notify();
  quiet_waiters_.clear();
}

bool Server::wait_quiet(Env& env, Time deadline) {
  while (in_flight_ > 0) {
    auto quiet = env.make_signal();
    quiet_waiters_.push_back(quiet);
    quiet->wait_until(deadline);
    if (!quiet->notified()) {
      quiet_waiters_.erase(std::remove(quiet_waiters_.begin(), quiet_waiters_.end(), quiet), quiet_waiters_.end());
      return false;
    }
  }
  return true;
}

}  // namespace amino::dms::checkpoint
