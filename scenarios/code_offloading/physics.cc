#include "scenarios/code_offloading/physics.h"

#include <cmath>
#include <stdexcept>

#include "runtime/rng.h"
#include "scenarios/code_offloading/payload.h"
#include "scenarios/code_offloading/workloads.h"

namespace amino::scenarios::offload {

namespace {

using Vec3 = std::array<double, 3>;

constexpr std::uint32_t kMaxBodies = 4096;

Vec3 random_in_unit_ball(Rng& rng) {
  for (;;) {
    Vec3 p{rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)};
    if (p[0] * p[0] + p[1] * p[1] + p[2] * p[2] <= 1.0) return p;
  }
}

double potential_energy(const std::vector<Body>& b, double eps, OpCounter* ops) {
  double u = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    for (std::size_t j = i + 1; j < b.size(); ++j) {
      double r2 = eps * eps;
      for (int k = 0; k < 3; ++k) r2 += (b[i].pos[k] - b[j].pos[k]) * (b[i].pos[k] - b[j].pos[k]);
      u -= b[i].mass * b[j].mass / std::sqrt(r2);
    }
    if (ops != nullptr) ops->add(static_cast<std::int64_t>(b.size() - i - 1));
  }
  return u;
}

double kinetic_energy(const std::vector<Body>& b) {
  double k = 0;
  for (const Body& x : b) k += 0.5 * x.mass * (x.vel[0] * x.vel[0] + x.vel[1] * x.vel[1] + x.vel[2] * x.vel[2]);
  return k;
}

// Accelerations from all pairs; each pair is evaluated once and applied to both bodies (Newton's
// third law halves the work, which is what a real engine does).
void accelerations(const std::vector<Body>& b, double eps, std::vector<Vec3>& acc, OpCounter& ops) {
  for (Vec3& a : acc) a = {0, 0, 0};
  for (std::size_t i = 0; i < b.size(); ++i) {
    for (std::size_t j = i + 1; j < b.size(); ++j) {
      Vec3 d;
      double r2 = eps * eps;
      for (int k = 0; k < 3; ++k) {
        d[k] = b[j].pos[k] - b[i].pos[k];
        r2 += d[k] * d[k];
      }
      const double inv_r3 = 1.0 / (r2 * std::sqrt(r2));
      for (int k = 0; k < 3; ++k) {
        acc[i][k] += b[j].mass * inv_r3 * d[k];
        acc[j][k] -= b[i].mass * inv_r3 * d[k];
      }
    }
    ops.add(static_cast<std::int64_t>(b.size() - i - 1));
  }
}

void kick(std::vector<Body>& b, const std::vector<Vec3>& acc, double h, OpCounter& ops) {
  for (std::size_t i = 0; i < b.size(); ++i) {
    for (int k = 0; k < 3; ++k) b[i].vel[k] += h * acc[i][k];
  }
  ops.add(static_cast<std::int64_t>(b.size()));
}

void drift(std::vector<Body>& b, double h, OpCounter& ops) {
  for (Body& x : b) {
    for (int k = 0; k < 3; ++k) x.pos[k] += h * x.vel[k];
  }
  ops.add(static_cast<std::int64_t>(b.size()));
}

void remove_drift(std::vector<Body>& b) {
  Vec3 p{0, 0, 0};
  double m = 0;
  for (const Body& x : b) {
    for (int k = 0; k < 3; ++k) p[k] += x.mass * x.vel[k];
    m += x.mass;
  }
  for (Body& x : b) {
    for (int k = 0; k < 3; ++k) x.vel[k] -= p[k] / m;
  }
}

void write_body(ByteWriter& w, const Body& b) {
  for (double v : b.pos) w.f64(v);
  for (double v : b.vel) w.f64(v);
  w.f64(b.mass);
}

Body read_body(ByteReader& r) {
  Body b;
  for (double& v : b.pos) v = r.f64();
  for (double& v : b.vel) v = r.f64();
  b.mass = r.f64();
  return b;
}

std::vector<Body> read_bodies(ByteReader& r) {
  std::vector<Body> bodies(r.count(kMaxBodies, "bodies"));
  for (Body& b : bodies) b = read_body(r);
  return bodies;
}

}  // namespace

PhysicsInput make_physics_input(std::uint64_t seed, int n_bodies, int steps) {
  if (n_bodies < 2 || n_bodies > static_cast<int>(kMaxBodies)) throw std::invalid_argument("physics: bad body count");
  Rng rng(seed);
  PhysicsInput in;
  in.steps = steps;
  in.bodies.resize(static_cast<std::size_t>(n_bodies));
  for (Body& b : in.bodies) {
    b.pos = random_in_unit_ball(rng);
    b.vel = random_in_unit_ball(rng);
    b.mass = 1.0 / n_bodies;
  }
  remove_drift(in.bodies);
  const double scale = std::sqrt(-0.5 * potential_energy(in.bodies, in.softening, nullptr) / kinetic_energy(in.bodies));
  for (Body& b : in.bodies) {
    for (double& v : b.vel) v *= scale;
  }
  return in;
}

double total_energy(const std::vector<Body>& bodies, double softening) {
  return kinetic_energy(bodies) + potential_energy(bodies, softening, nullptr);
}

PhysicsResult simulate(const PhysicsInput& in) {
  if (in.steps < 0 || !(in.dt > 0) || !(in.softening > 0)) throw std::invalid_argument("physics: bad parameters");
  OpCounter ops;
  PhysicsResult r;
  r.bodies = in.bodies;
  r.energy_before = kinetic_energy(r.bodies) + potential_energy(r.bodies, in.softening, &ops);
  std::vector<Vec3> acc(r.bodies.size());
  accelerations(r.bodies, in.softening, acc, ops);
  for (std::int32_t s = 0; s < in.steps; ++s) {
    kick(r.bodies, acc, in.dt / 2, ops);
    drift(r.bodies, in.dt, ops);
    accelerations(r.bodies, in.softening, acc, ops);
    kick(r.bodies, acc, in.dt / 2, ops);
  }
  r.energy_after = kinetic_energy(r.bodies) + potential_energy(r.bodies, in.softening, &ops);
  r.counted_ops = ops.count();
  return r;
}

std::string encode_physics_input(const PhysicsInput& in) {
  ByteWriter w;
  w.f64(in.dt).i32(in.steps).f64(in.softening).u32(static_cast<std::uint32_t>(in.bodies.size()));
  for (const Body& b : in.bodies) write_body(w, b);
  return w.take();
}

PhysicsInput decode_physics_input(std::string_view bytes) {
  ByteReader r(bytes);
  PhysicsInput in;
  in.dt = r.f64();
  in.steps = r.i32();
  in.softening = r.f64();
  in.bodies = read_bodies(r);
  r.expect_end();
  return in;
}

std::string encode_physics_result(const PhysicsResult& res) {
  ByteWriter w;
  w.f64(res.energy_before).f64(res.energy_after).i64(res.counted_ops);
  w.u32(static_cast<std::uint32_t>(res.bodies.size()));
  for (const Body& b : res.bodies) write_body(w, b);
  return w.take();
}

PhysicsResult decode_physics_result(std::string_view bytes) {
  ByteReader r(bytes);
  PhysicsResult res;
  res.energy_before = r.f64();
  res.energy_after = r.f64();
  res.counted_ops = r.i64();
  res.bodies = read_bodies(r);
  r.expect_end();
  return res;
}

}  // namespace amino::scenarios::offload
