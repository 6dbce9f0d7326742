// The microservice of the scale-up experiment (scenarios/scale_up/scenario.py): a stateless web
// front end whose calls cost CPU. Calls running at once on one node share its CPU (SimGrid), so a
// replica's latency grows with its load: what ScaleUpFrontEnd's added replicas relieve.
#pragma once

#include <cstdint>

#include "runtime/microservice.h"

namespace amino::scenarios {

class PageRenderer : public MicroService {
 public:
  // Renders a page costing `mops` million operations of this node's CPU; returns `mops`.
  std::int64_t render(std::int64_t mops) {
    runtime().compute(static_cast<double>(mops) * 1e6);
    return mops;
  }
  static void describe(ClassBuilder<PageRenderer>& c) { c.reads("render", &PageRenderer::render); }
};

}  // namespace amino::scenarios
