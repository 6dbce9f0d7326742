// Physics workload: a gravitational N-body simulation integrated with velocity Verlet
// (kick-drift-kick leapfrog), the time-stepped core of a physics engine. Leapfrog is symplectic, so
// total energy stays bounded, which the tests use as the correctness check.
// One counted operation = one pairwise force evaluation or one per-body kick/drift update.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace amino::scenarios::offload {

struct Body {
  std::array<double, 3> pos{};
  std::array<double, 3> vel{};
  double mass = 0;
};

struct PhysicsInput {
  std::vector<Body> bodies;
  double dt = 1e-3;
  std::int32_t steps = 0;
  double softening = 0.05;  // Plummer softening length: keeps close encounters integrable
};

struct PhysicsResult {
  std::vector<Body> bodies;  // state after the last step
  double energy_before = 0;
  double energy_after = 0;
  std::int64_t counted_ops = 0;
};

// The paper's size: 64 bodies, 400 steps (calibration input, see CALIBRATION.md).
inline constexpr int kPaperBodies = 64;
inline constexpr int kPaperSteps = 400;

// A cluster of n equal-mass bodies uniform in the unit ball, velocities scaled to virial equilibrium
// (kinetic = -potential / 2) and centre-of-mass motion removed, so that it neither flies apart nor
// collapses during the run. G = 1, total mass 1.
PhysicsInput make_physics_input(std::uint64_t seed, int n_bodies, int steps);
PhysicsResult simulate(const PhysicsInput& in);
// Kinetic plus (softened) potential energy.
double total_energy(const std::vector<Body>& bodies, double softening);

std::string encode_physics_input(const PhysicsInput& in);
PhysicsInput decode_physics_input(std::string_view bytes);
std::string encode_physics_result(const PhysicsResult& r);
PhysicsResult decode_physics_result(std::string_view bytes);

}  // namespace amino::scenarios::offload
