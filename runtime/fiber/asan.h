// AMINO_ASAN is 1 in a translation unit built with AddressSanitizer (g++ defines
// __SANITIZE_ADDRESS__, clang answers __has_feature), for the code that switches stacks: fibers
// here, SimGrid actors in sim/sim_world.cc. scripts/sanitize.sh builds that way.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define AMINO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AMINO_ASAN 1
#endif
#endif
#ifndef AMINO_ASAN
#define AMINO_ASAN 0
#endif
