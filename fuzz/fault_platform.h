// The platform fault_schedule_fuzz validates schedules against, shared with the seeds' generator
// (make_corpus.cc) so that the seeds name its hosts: three cloud servers n0..n2 and a phone.
#pragma once

#include "testbed/presets.h"

namespace amino::fuzz {

inline const testbed::PlatformSpec& fault_platform() {
  static const testbed::PlatformSpec p = [] {
    testbed::PlatformSpec p = testbed::presets::cloud_cluster(3, "n");
    p.hosts.push_back(testbed::presets::phone_wifi("phone"));
    return p;
  }();
  return p;
}

}  // namespace amino::fuzz
