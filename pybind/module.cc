// The `_amino` extension: thin bindings over pybind/scenario_runner.h. Everything crosses as JSON
// text so that the Python side holds plain data and the C++ side stays testable without Python.
//
// run_json creates the process's one SimGrid engine: the Python package calls it only in a freshly
// forked child (amino.run), never in the interpreter that imported it.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "pybind/deployment_client.h"
#include "pybind/history_check.h"
#include "pybind/python_model.h"
#include "pybind/scenario_runner.h"
#include "runtime/mutants.h"
#include "scenarios/code_offloading/calibration_report.h"

namespace py = pybind11;

PYBIND11_MODULE(_amino, m) {
  m.doc() = "Amino++ simulation entry points (use the `amino` package, not this module directly)";
  // From amino/_version.py (pybind/CMakeLists.txt): amino/_native.py refuses a module whose values
  // differ from the Python package's.
  m.attr("__version__") = AMINO_PACKAGE_VERSION;
  m.attr("NATIVE_API") = AMINO_NATIVE_API;
  m.def("validate_json", &amino::pyrun::validate, py::arg("scenario_json"),
        "Problems with a scenario (list of sentences, empty when valid). Never starts SimGrid.");
  m.def(
      "run_json",
      [](const std::string& scenario_json) {
        py::gil_scoped_release release;
        return amino::pyrun::run(scenario_json);
      },
      py::arg("scenario_json"),
      "Runs one simulation IN THIS PROCESS (one per process, ever) and returns the results JSON. "
      "Raises ValueError when the scenario is invalid.");
  m.def("preset_host", &amino::pyrun::preset_host, py::arg("kind"), py::arg("name"), py::arg("region") = "",
        "A preset host (testbed/presets.h) as platform JSON.");
  m.def("offload_calibration", &amino::scenarios::offload::calibration_json,
        "scenarios/code_offloading/calibration.h as JSON.");
  m.def("offload_mechanism_calibration", &amino::scenarios::offload::mechanism_calibration_json,
        py::arg("params_json") = "",
        "scenarios/code_offloading/mechanisms.h (model v2) as JSON, with parameter overrides (a JSON object).");
  m.def(
      "paper_request",
      [](const std::string& workload, unsigned long long seed) {
        return py::bytes(amino::scenarios::offload::paper_request_bytes(workload, seed));
      },
      py::arg("workload"), py::arg("seed") = 1, "The encoded paper-size request of an offloading workload.");
  m.def("catalogue", &amino::pyrun::catalogue, "Registered DMs (names and full descriptors, categories, forbidden orders) and classes (with method arity) as JSON.");

  // Histories and the checker. `source` is JSON Lines text, or a path when is_path; `model` a
  // built-in model's name or an amino.check.Model instance (run with the GIL held).
  auto history_of = [](const std::string& source, bool is_path) {
    return is_path ? amino::pyrun::history_from_file(source) : amino::pyrun::history_from_text(source);
  };
  m.def(
      "read_history",
      [history_of](const std::string& source, bool is_path) {
        py::gil_scoped_release release;
        return amino::pyrun::events_json(history_of(source, is_path));
      },
      py::arg("source"), py::arg("is_path"),
      "Reads and checks a JSON Lines history; its events as a JSON array. ValueError names the line.");
  m.def(
      "check_history",
      [history_of](const std::string& source, bool is_path, const py::object& model, unsigned long long max_steps,
                   double time_limit_s, bool earliest_failure) {
        const amino::pyrun::CheckLimits limits{max_steps, time_limit_s, earliest_failure};
        if (py::isinstance<py::str>(model)) {
          py::gil_scoped_release release;
          const amino::check::History h = history_of(source, is_path);
          return amino::pyrun::check_json(h, *amino::check::make_model(model.cast<std::string>()), limits);
        }
        amino::check::History h;
        {
          py::gil_scoped_release release;
          h = history_of(source, is_path);
        }
        return amino::pyrun::check_json(h, amino::pyrun::PythonModel(model), limits);
      },
      py::arg("source"), py::arg("is_path"), py::arg("model"), py::arg("max_steps") = 0, py::arg("time_limit_s") = 0.0,
      py::arg("earliest_failure") = true,
      "Checks a history for linearizability; the verdict, window and explanation as JSON.");
  m.def("check_models", &amino::check::model_names, "The built-in models' names.");
  m.def(
      "check_transactions",
      [history_of](const std::string& source, bool is_path, const std::string& model, const std::string& consistency,
                   double time_limit_s) {
        py::gil_scoped_release release;
        const amino::check::History h = history_of(source, is_path);
        try {
          return amino::pyrun::check_transactions_json(h, model, consistency, time_limit_s);
        } catch (const amino::check::TxnHistoryError& e) {
          if (!is_path) throw;
          throw std::invalid_argument(source + ": " + e.what());  // "h.jsonl: operation #12 (process 3): ..."
        }
      },
      py::arg("source"), py::arg("is_path"), py::arg("model"), py::arg("consistency"), py::arg("time_limit_s") = 0.0,
      "Checks a history of transactions (f \"txn\") for isolation anomalies; the result as JSON.");
  m.def("txn_consistency_levels", &amino::pyrun::consistency_levels_json,
        "The transactional checker's consistency levels and what each forbids, as JSON.");

  // Planted bugs (runtime/mutants.h, docs/mutants.md): amino/_native.py selects $AMINO_MUTANT's when
  // it loads this module, before any run is forked.
  m.def("select_mutant", [](const std::string& name) { amino::select_mutant(name); }, py::arg("name"),
        "Makes `name` this process's planted bug ('none': no bug). ValueError in a build without mutants "
        "(-DAMINO_MUTANTS=ON) or for an unknown name.");
  m.def("mutants", &amino::mutant_names, "The planted bugs this build can run (none unless built with -DAMINO_MUTANTS=ON).");

  using amino::pyrun::DeploymentClient;
  // Each operation runs the client's sockets loop in the calling thread, without the GIL.
  auto released = [](std::string (DeploymentClient::*op)()) {
    return [op](DeploymentClient& c) {
      py::gil_scoped_release release;
      return (c.*op)();
    };
  };
  py::class_<DeploymentClient>(m, "DeploymentClient", "A client of a running deployment (use amino.connect).")
      .def(py::init([](const std::vector<std::string>& oms, double timeout_s, const std::string& cluster_key_file) {
             amino::pyrun::ClientOptions o;
             o.oms = oms;
             o.timeout = amino::from_seconds(timeout_s);
             o.cluster_key_file = cluster_key_file;
             return std::make_unique<DeploymentClient>(o);
           }),
           py::arg("oms"), py::arg("timeout_s"), py::arg("cluster_key_file") = "")
      .def("create",
           [](DeploymentClient& c, const std::string& spec) {
             py::gil_scoped_release release;
             return c.create(spec);
           })
      .def("call",
           [](DeploymentClient& c, const std::string& ms, const std::string& method, const std::string& args) {
             py::gil_scoped_release release;
             return c.call(ms, method, args);
           })
      .def("nodes", released(&DeploymentClient::nodes))
      .def("events", released(&DeploymentClient::events))
      .def_property_readonly("session", &DeploymentClient::session)
      .def_property_readonly("self", &DeploymentClient::self);
}
