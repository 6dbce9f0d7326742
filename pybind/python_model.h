// A sequential model written in Python (amino.check.Model) as a check::Model, for small histories.
// The search needs states it can hash and compare as strings (model.h); Python states are any
// hashable objects, so each distinct state is interned here once and stands in the search as its
// index. Used with the GIL held: the search calls back into Python at every step.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "testbed/check/model.h"

namespace amino::pyrun {

namespace py = pybind11;

class PythonModel final : public check::Model {
 public:
  explicit PythonModel(py::object model) : model_(std::move(model)), json_(py::module_::import("json")) {}

  std::string name() const override { return py::str(model_.attr("__class__").attr("__name__")); }

  check::Call compile(const check::Operation& op) const override {
    py::dict d;
    d["f"] = op.f;
    d["key"] = op.key.empty() ? py::object(py::none()) : json_.attr("loads")(op.key);
    d["value"] = json_.attr("loads")(op.input.dump());
    d["output"] = json_.attr("loads")(op.output.dump());
    d["type"] = op.outcome == check::Outcome::kOk ? "ok" : "info";
    d["process"] = op.process;
    d["id"] = op.id;
    check::Call c;
    c.code = static_cast<int>(ops_.size());
    c.known = op.outcome == check::Outcome::kOk;
    ops_.push_back(d);
    if (py::hasattr(model_, "validate")) model_.attr("validate")(d);
    return c;
  }

  bool read_only(const check::Call& c) const override {
    return py::hasattr(model_, "read_only") && py::bool_(model_.attr("read_only")(op(c)));
  }

  std::string init() const override { return intern(model_.attr("init")()); }

  bool step(const std::string& state, const check::Call& c, std::string* next) const override {
    const py::object r = model_.attr("step")(states_[std::stoul(state)], op(c));
    if (r.is_none()) return false;
    const py::tuple t = py::cast<py::tuple>(r);
    if (t.size() != 2) throw std::invalid_argument("Model.step must return (ok, next_state) or None");
    if (!py::bool_(t[0])) return false;
    *next = intern(t[1]);
    return true;
  }

  std::string describe_state(const std::string& state) const override {
    const py::object s = states_[std::stoul(state)];
    if (py::hasattr(model_, "describe")) return py::str(model_.attr("describe")(s));
    return py::str(py::repr(s));
  }

 private:
  py::object op(const check::Call& c) const { return ops_[static_cast<std::size_t>(c.code)]; }
  std::string intern(const py::object& state) const {
    py::object found = index_.attr("get")(state);  // TypeError here: the state is not hashable
    if (!found.is_none()) return std::to_string(py::cast<std::size_t>(found));
    index_[state] = states_.size();
    states_.push_back(state);
    return std::to_string(states_.size() - 1);
  }

  py::object model_;
  py::module_ json_;
  mutable std::vector<py::object> ops_;
  mutable std::vector<py::object> states_;
  mutable py::dict index_;
};

}  // namespace amino::pyrun
