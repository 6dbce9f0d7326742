// porcupine-bench checks every history of a manifest (tests/check/thirdparty/manifest.json) with
// Porcupine, reading the same JSON Lines files our checker reads, and prints per file the verdict and
// the time Porcupine took, one tab-separated row each:
//
//	file  model  expected  verdict  load_ms  check_ms  agree
//
// load_ms is reading the file and building Porcupine's events; check_ms is Porcupine alone (the
// fastest of -repeat runs). The exit status is 1 if any verdict differs from the expected one, 2 on
// bad input. bench/checker_vs_porcupine.sh builds and runs it next to our checker.
//
// How our history format maps onto Porcupine: an operation is an invoke line plus the next
// completion line of its process; "fail" operations did not take effect and are left out; "info"
// operations and invocations never completed may have taken effect: their return goes after every
// other event with an unknown output (as Porcupine's own parseJepsenLog does for timed-out
// operations). Without "time" fields line order is real-time order (Porcupine's Event API, as its
// tests use); with a "time" on every line, Operation{Call, Return} timestamps are used.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"time"

	"github.com/anishathalye/porcupine"
)

type manifestEntry struct {
	File     string `json:"file"`
	Model    string `json:"model"`
	Expected string `json:"expected"`
}

type line struct {
	Process *int64          `json:"process"`
	Type    string          `json:"type"`
	F       string          `json:"f"`
	Key     json.RawMessage `json:"key"`
	Value   json.RawMessage `json:"value"`
	Time    *int64          `json:"time"`
}

// operation is an invoke line and its completion (completion < 0: never completed).
type operation struct {
	process              int64
	f, key, kind         string // kind: the completion's type ("" if never completed)
	input, output        json.RawMessage
	invokeAt, completeAt int // line indices
	invokeTime, doneTime int64
}

func readHistory(path string) ([]operation, bool, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer file.Close()
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<26)
	var ops []operation
	open := map[int64]int{}
	timed, n := true, 0
	for ; scanner.Scan(); n++ {
		text := bytes.TrimSpace(scanner.Bytes())
		if len(text) == 0 {
			return nil, false, fmt.Errorf("line %d: empty line", n+1)
		}
		var l line
		if err := json.Unmarshal(text, &l); err != nil {
			return nil, false, fmt.Errorf("line %d: %v", n+1, err)
		}
		if l.Process == nil || l.F == "" {
			return nil, false, fmt.Errorf("line %d: process and f are required", n+1)
		}
		if l.Time == nil {
			timed = false
		}
		t := int64(0)
		if l.Time != nil {
			t = *l.Time
		}
		p := *l.Process
		switch l.Type {
		case "invoke":
			if _, busy := open[p]; busy {
				return nil, false, fmt.Errorf("line %d: process %d invokes while an operation is open", n+1, p)
			}
			key := ""
			if len(l.Key) > 0 && string(l.Key) != "null" {
				if err := json.Unmarshal(l.Key, &key); err != nil {
					key = string(l.Key) // a non-string key names its partition by its JSON text
				}
			}
			open[p] = len(ops)
			ops = append(ops, operation{process: p, f: l.F, key: key, input: l.Value, invokeAt: n,
				completeAt: -1, invokeTime: t})
		case "ok", "fail", "info":
			i, busy := open[p]
			if !busy {
				return nil, false, fmt.Errorf("line %d: %s by process %d without an invoke", n+1, l.Type, p)
			}
			if ops[i].f != l.F {
				return nil, false, fmt.Errorf("line %d: completion f %q does not match invoke f %q", n+1, l.F, ops[i].f)
			}
			delete(open, p)
			ops[i].kind, ops[i].output, ops[i].completeAt, ops[i].doneTime = l.Type, l.Value, n, t
		default:
			return nil, false, fmt.Errorf("line %d: type %q is not invoke|ok|fail|info", n+1, l.Type)
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, false, err
	}
	return ops, timed && n > 0, nil
}

func isNull(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }

// registerOp: read / write / cas of integers, per key (the etcd model).
func registerOp(op operation) (interface{}, interface{}, error) {
	unknown := op.kind != "ok"
	in := etcdInput{key: op.key}
	out := etcdOutput{unknown: unknown}
	switch op.f {
	case "read":
		in.op = 0
		if !unknown && !isNull(op.output) {
			if err := json.Unmarshal(op.output, &out.value); err != nil {
				return nil, nil, fmt.Errorf("read result %s: %v", op.output, err)
			}
			out.exists = true
			if out.value == etcdNil {
				return nil, nil, fmt.Errorf("value %d is the model's nil sentinel", etcdNil)
			}
		}
	case "write":
		in.op = 1
		if err := json.Unmarshal(op.input, &in.arg1); err != nil {
			return nil, nil, fmt.Errorf("write value %s: %v", op.input, err)
		}
	case "cas":
		in.op = 2
		var args []int
		if err := json.Unmarshal(op.input, &args); err != nil || len(args) != 2 {
			return nil, nil, fmt.Errorf("cas value %s: want [expected, new]", op.input)
		}
		in.arg1, in.arg2 = args[0], args[1]
		out.ok = true // a cas that completed ok swapped; a failed one is not in the history
	default:
		return nil, nil, fmt.Errorf("register has no operation %q", op.f)
	}
	return in, out, nil
}

// kvOp: get / put / append of strings per key (the kv model).
func kvOp(op operation) (interface{}, interface{}, error) {
	in := kvInput{key: op.key}
	out := kvOutput{unknown: op.kind != "ok"}
	switch op.f {
	case "get":
		in.op = 0
		if !out.unknown {
			if err := json.Unmarshal(op.output, &out.value); err != nil {
				return nil, nil, fmt.Errorf("get result %s: %v", op.output, err)
			}
		}
	case "put", "append":
		in.op = 1
		if op.f == "append" {
			in.op = 2
		}
		if err := json.Unmarshal(op.input, &in.value); err != nil {
			return nil, nil, fmt.Errorf("%s value %s: %v", op.f, op.input, err)
		}
	default:
		return nil, nil, fmt.Errorf("kv has no operation %q", op.f)
	}
	return in, out, nil
}

var models = map[string]struct {
	model porcupine.Model
	op    func(operation) (interface{}, interface{}, error)
}{
	"register": {etcdModel, registerOp},
	"kv":       {kvModel, kvOp},
}

// history is what Porcupine checks: events (line order) or operations (timestamps).
type history struct {
	events     []porcupine.Event
	operations []porcupine.Operation
}

func build(ops []operation, timed bool, toPorcupine func(operation) (interface{}, interface{}, error)) (history, error) {
	var h history
	calls := map[int][]porcupine.Event{} // by line
	rets := map[int]porcupine.Event{}
	var late []porcupine.Event
	lines := 0
	for id, op := range ops {
		if op.kind == "fail" {
			continue // did not take effect
		}
		in, out, err := toPorcupine(op)
		if err != nil {
			return h, fmt.Errorf("operation %d (line %d): %v", id, op.invokeAt+1, err)
		}
		client := int(op.process)
		if timed {
			done := int64(math.MaxInt64) // may have taken effect at any time after its call
			if op.kind == "ok" {
				done = op.doneTime
			}
			h.operations = append(h.operations, porcupine.Operation{ClientId: client, Input: in,
				Call: op.invokeTime, Output: out, Return: done})
			continue
		}
		calls[op.invokeAt] = append(calls[op.invokeAt], porcupine.Event{ClientId: client,
			Kind: porcupine.CallEvent, Value: in, Id: id})
		r := porcupine.Event{ClientId: client, Kind: porcupine.ReturnEvent, Value: out, Id: id}
		if op.kind == "ok" {
			rets[op.completeAt] = r
		} else {
			late = append(late, r)
		}
		if op.completeAt >= lines {
			lines = op.completeAt + 1
		}
		if op.invokeAt >= lines {
			lines = op.invokeAt + 1
		}
	}
	if timed {
		return h, nil
	}
	for i := 0; i < lines; i++ {
		h.events = append(h.events, calls[i]...)
		if r, ok := rets[i]; ok {
			h.events = append(h.events, r)
		}
	}
	h.events = append(h.events, late...)
	return h, nil
}

func check(model porcupine.Model, h history, timeout time.Duration) porcupine.CheckResult {
	if h.operations != nil {
		return porcupine.CheckOperationsTimeout(model, h.operations, timeout)
	}
	return porcupine.CheckEventsTimeout(model, h.events, timeout)
}

var verdicts = map[porcupine.CheckResult]string{
	porcupine.Ok:      "linearizable",
	porcupine.Illegal: "not linearizable",
	porcupine.Unknown: "unknown",
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func run() (int, error) {
	manifestPath := flag.String("manifest", "", "manifest.json (file, model, expected per history)")
	dir := flag.String("dir", "", "folder of the histories (default: the manifest's)")
	only := flag.String("only", "", "check only files matching this regular expression")
	timeout := flag.Duration("timeout", 0, "per-history limit (0: none); past it the verdict is unknown")
	repeat := flag.Int("repeat", 1, "check each history this many times and report the fastest")
	flag.Parse()
	if *manifestPath == "" || *repeat < 1 || flag.NArg() != 0 {
		flag.Usage()
		return 2, errors.New("usage")
	}
	if *dir == "" {
		*dir = filepath.Dir(*manifestPath)
	}
	filter, err := regexp.Compile(*only)
	if err != nil {
		return 2, err
	}
	raw, err := os.ReadFile(*manifestPath)
	if err != nil {
		return 2, err
	}
	var manifest []manifestEntry
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return 2, fmt.Errorf("%s: %v", *manifestPath, err)
	}
	fmt.Printf("# porcupine-bench: GOMAXPROCS=%d, repeat=%d, timeout=%v\n", runtime.GOMAXPROCS(0), *repeat, *timeout)
	fmt.Println("file\tmodel\texpected\tverdict\tload_ms\tcheck_ms\tagree")
	disagree, files := 0, 0
	var totalCheck, totalLoad time.Duration
	for _, e := range manifest {
		if !filter.MatchString(e.File) {
			continue
		}
		m, ok := models[e.Model]
		if !ok {
			fmt.Printf("%s\t%s\t%s\tskipped (no Porcupine model here)\t-\t-\t-\n", e.File, e.Model, e.Expected)
			continue
		}
		start := time.Now()
		ops, timed, err := readHistory(filepath.Join(*dir, e.File))
		if err != nil {
			return 2, fmt.Errorf("%s: %v", e.File, err)
		}
		h, err := build(ops, timed, m.op)
		if err != nil {
			return 2, fmt.Errorf("%s: %v", e.File, err)
		}
		load := time.Since(start)
		var best time.Duration
		var result porcupine.CheckResult
		for i := 0; i < *repeat; i++ {
			start = time.Now()
			r := check(m.model, h, *timeout)
			took := time.Since(start)
			if i == 0 || took < best {
				best = took
			}
			if i > 0 && r != result {
				return 2, fmt.Errorf("%s: verdict changed between runs (%s, %s)", e.File, result, r)
			}
			result = r
		}
		verdict := verdicts[result]
		agree := "yes"
		if verdict != e.Expected {
			agree, disagree = "NO", disagree+1
		}
		files++
		totalCheck += best
		totalLoad += load
		fmt.Printf("%s\t%s\t%s\t%s\t%.3f\t%.3f\t%s\n", e.File, e.Model, e.Expected, verdict, ms(load), ms(best), agree)
	}
	fmt.Printf("# %d histories, %d disagree with the expected verdict; total load %.1f ms, check %.1f ms\n",
		files, disagree, ms(totalLoad), ms(totalCheck))
	if disagree > 0 {
		return 1, nil
	}
	return 0, nil
}

func main() {
	code, err := run()
	if err != nil && err.Error() != "usage" {
		fmt.Fprintln(os.Stderr, "porcupine-bench: error:", err)
	}
	os.Exit(code)
}
