"""Self-test of check_seam.py: seeded violations in a throw-away tree must be reported with the
right file and line, and legitimate code (Env calls, comments, strings, backend folders) must not."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import check_seam  # noqa: E402


def write(root, rel, text):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def violations_in(tmp_path, code, rel="runtime/seeded.cc"):
    write(tmp_path, rel, code)
    return check_seam.find_violations(tmp_path)


@pytest.mark.parametrize("line, rule", [
    ("auto t = std::chrono::steady_clock::now();", "wall clock"),
    ("auto t = std::chrono::system_clock::now();", "wall clock"),
    ("std::this_thread::sleep_for(std::chrono::milliseconds(5));", "sleep"),
    ("::sleep(1);", "sleep"),
    ("usleep(10);", "sleep"),
    ("std::thread worker([] {});", "thread"),
    ("std::jthread worker([] {});", "thread"),
    ("pthread_t handle;", "thread"),
    ("auto f = std::async([] { return 1; });", "thread"),
    ("#include <thread>", "thread"),
    ("#include <boost/asio.hpp>", "socket"),
    ("#include <sys/socket.h>", "socket"),
    ("#include <netinet/in.h>", "socket"),
    ("int r = rand();", "randomness"),
    ("std::srand(42);", "randomness"),
    ("std::random_device seed;", "randomness"),
    ("auto now = time(nullptr);", "wall clock"),
    ("auto now = std::time(NULL);", "wall clock"),
    ("gettimeofday(&tv, nullptr);", "wall clock"),
    ("clock_gettime(CLOCK_MONOTONIC, &ts);", "wall clock"),
    ("#include <simgrid/s4u.hpp>", "simgrid"),
    ('#include "simgrid/s4u.hpp"', "simgrid"),
    ("double t = simgrid::s4u::Engine::get_clock();", "simgrid"),
    ("#ifdef AMINO_SIM", "backend #if"),
    ("#if defined(USE_ASIO) && X", "backend #if"),
    ("#ifndef SimGridBackend", "backend #if"),
    ("#elif AMINO_BACKEND == 2", "backend #if"),
    ("#  if INPROC_ONLY", "backend #if"),
    ("#if HAVE_SOCKETS // comment", "backend #if"),
])
def test_flags_seeded_violation_with_file_and_line(tmp_path, line, rule):
    found = violations_in(tmp_path, "// header\n#include <vector>\n" + line + "\n")
    assert found == [f"runtime/seeded.cc:3: {rule}: {line}"]


@pytest.mark.parametrize("line", [
    "env.sleep_for(kMillisecond);",
    "env_->sleep_for(d);",
    "Time t = env.now();",
    "auto x = rng.rand();",
    "int operand(int);",
    "Time time() const;",
    "std::mt19937 gen(seed);",
    "// never call std::this_thread::sleep_for or steady_clock::now here",
    "/* std::thread is banned:\n   rand() too */",
    'const char* s = "std::thread and time(nullptr) in a string";',
    'auto raw = R"x(simgrid::s4u "quoted" )x";',
    "constexpr long big = 1'000'000; auto c = 'x';",
    "#ifndef NDEBUG",
    "#if SIMPLE_MODE",
    "#include <random>",
])
def test_accepts_legitimate_code(tmp_path, line):
    assert violations_in(tmp_path, line + "\n") == []


def test_scans_dms_and_scenarios_too(tmp_path):
    write(tmp_path, "dms/a.h", "#include <thread>\n")
    write(tmp_path, "scenarios/deep/b.cpp", "\n\nint r = rand();\n")
    assert check_seam.find_violations(tmp_path) == [
        "dms/a.h:1: thread: #include <thread>",
        "scenarios/deep/b.cpp:3: randomness: int r = rand();",
    ]


def test_skips_backends_unscanned_folders_and_non_sources(tmp_path):
    write(tmp_path, "runtime/sockets/socket_env.cc", "#include <boost/asio.hpp>\nstd::thread t;\n")
    write(tmp_path, "sim/sim_env.cc", "#include <simgrid/s4u.hpp>\n")
    write(tmp_path, "tests/x_test.cc", "std::this_thread::sleep_for(d);\n")
    write(tmp_path, "runtime/notes.md", "std::thread\n")
    assert check_seam.find_violations(tmp_path) == []


def test_literal_after_code_keeps_following_lines_checked(tmp_path):
    code = 'auto s = "a // not a comment";\nstd::thread t;\n'
    assert violations_in(tmp_path, code) == ["runtime/seeded.cc:2: thread: std::thread t;"]


def test_main_exit_codes_and_listing(tmp_path, capsys):
    write(tmp_path, "runtime/ok.cc", "int f() { return 1; }\n")
    assert check_seam.main(["--root", str(tmp_path)]) == 0
    write(tmp_path, "runtime/inproc/bad.cc", "\nauto t = std::chrono::steady_clock::now();\n")
    assert check_seam.main(["--root", str(tmp_path)]) == 1
    assert "runtime/inproc/bad.cc:2: wall clock" in capsys.readouterr().out
    assert check_seam.main(["--root", str(tmp_path), "--exclude", "runtime/inproc"]) == 0


def test_main_refuses_a_root_without_runtime(tmp_path):
    assert check_seam.main(["--root", str(tmp_path / "nowhere")]) == 2


@pytest.mark.parametrize("rel", ["runtime/kernel.cc", "runtime/sockets/sockets_env.cc", "runtime/inproc/x.h"])
@pytest.mark.parametrize("include", ["sim/sim_world.h", "testbed/faulty_env.h", "dms/all.h",
                                     "scenarios/registry.h", "bin/common.h"])
def test_runtime_and_its_backends_include_nothing_above_them(tmp_path, rel, include):
    write(tmp_path, rel, '#include "runtime/env.h"\n\n#include "' + include + '"\n')
    assert check_seam.find_violations(tmp_path) == [f'{rel}:3: layering: #include "{include}"']


def test_layering_ignores_runtime_includes_comments_and_other_folders(tmp_path):
    write(tmp_path, "runtime/a.cc", '#include "runtime/sockets/framing.h"\n// #include "dms/all.h"\n'
                                    'const char* s = "#include \\"sim/x.h\\"";\n#include <dms/system.h>\n')
    write(tmp_path, "testbed/b.cc", '#include "sim/sim_world.h"\n#include "dms/all.h"\n')
    write(tmp_path, "bin/c.cc", '#include "testbed/loopback_cluster.h"\n')
    assert check_seam.find_violations(tmp_path) == []


def seed_dms(tmp_path):
    write(tmp_path, "dms/default_dm.h", "\n")
    write(tmp_path, "dms/keep_in_place.h", '#include "dms/keep_in_place_config.h"\n')
    write(tmp_path, "dms/keep_in_place.cc",
          '#include "dms/keep_in_place.h"\n#include "dms/raft/raft_node.h"\n#include "dms/default_dm.h"\n')
    write(tmp_path, "dms/all.cc", '#include "dms/all.h"\n#include "dms/default_dm.h"\n#include "dms/keep_in_place.h"\n')
    write(tmp_path, "dms/register_library.cc", '#include "dms/keep_in_place.h"\n')
    write(tmp_path, "dms/raft/raft_node.cc", '#include "dms/default_dm.h"\n')


def test_dm_including_another_dm_is_reported_only_with_the_flag(tmp_path):
    seed_dms(tmp_path)
    assert check_seam.find_violations(tmp_path) == []
    assert check_seam.find_violations(tmp_path, dm_includes=True) == [
        'dms/keep_in_place.cc:3: DM includes another DM: #include "dms/default_dm.h"',
    ]


def test_main_dm_includes_flag(tmp_path, capsys):
    write(tmp_path, "runtime/ok.cc", "\n")
    seed_dms(tmp_path)
    assert check_seam.main(["--root", str(tmp_path)]) == 0
    assert check_seam.main(["--root", str(tmp_path), "--dm-includes"]) == 1
    assert "dms/keep_in_place.cc:3: DM includes another DM" in capsys.readouterr().out


def test_testbed_obeys_the_seam_except_its_real_socket_drivers(tmp_path):
    write(tmp_path, "testbed/faulty_env.cc", "\nstd::thread t;\n")
    write(tmp_path, "testbed/fault_timeline.h", "#include <boost/asio/steady_timer.hpp>\n")
    write(tmp_path, "testbed/process_faults.cc", "auto t = std::chrono::system_clock::now();\n")
    assert check_seam.find_violations(tmp_path) == ["testbed/faulty_env.cc:2: thread: std::thread t;"]
