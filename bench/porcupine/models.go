package main

// The sequential models Porcupine's own tests check these histories with, copied from
// github.com/anishathalye/porcupine porcupine_test.go (MIT licence, Copyright (c) Anish Athalye; the
// commit is the one tests/check/thirdparty/manifest.json names): etcdModel for the Jepsen etcd
// register logs, kvModel for the kv logs. Changes, each marked "amino:": a key in the register input
// so that a history of several registers is partitioned per key (Porcupine's etcd logs have one),
// and an unknown flag in the kv output for a get whose result is unknown (Porcupine's kv logs have
// none; our format allows one).

import (
	"fmt"
	"hash/fnv"
	"sort"

	"github.com/anishathalye/porcupine"
)

type etcdInput struct {
	op   uint8  // 0 => read, 1 => write, 2 => cas
	arg1 int    // used for write, or for CAS from argument
	arg2 int    // used for CAS to argument
	key  string // amino: the register's key ("" = the one implicit key)
}

type etcdOutput struct {
	ok      bool // used for CAS
	exists  bool // used for read
	value   int  // used for read
	unknown bool // used when operation times out
}

const etcdNil = -1000000 // -1000000 corresponds with nil (upstream's sentinel)

var etcdModel = porcupine.Model{
	// amino: partition by key, as kvModel does (one partition for the upstream etcd logs).
	Partition:      partitionOperations(func(input interface{}) string { return input.(etcdInput).key }),
	PartitionEvent: partitionEvents(func(input interface{}) string { return input.(etcdInput).key }),
	Init:           func() interface{} { return etcdNil },
	Step: func(state interface{}, input interface{}, output interface{}) (bool, interface{}) {
		st := state.(int)
		inp := input.(etcdInput)
		out := output.(etcdOutput)
		if inp.op == 0 {
			// read
			ok := (out.exists == false && st == etcdNil) || (out.exists == true && st == out.value) || out.unknown
			return ok, state
		} else if inp.op == 1 {
			// write
			return true, inp.arg1
		} else {
			// cas
			ok := (inp.arg1 == st && out.ok) || (inp.arg1 != st && !out.ok) || out.unknown
			result := st
			if inp.arg1 == st {
				result = inp.arg2
			}
			return ok, result
		}
	},
	DescribeOperation: func(input, output interface{}) string {
		inp := input.(etcdInput)
		out := output.(etcdOutput)
		switch inp.op {
		case 0:
			read := "null"
			if out.exists {
				read = fmt.Sprintf("%d", out.value)
			}
			return fmt.Sprintf("read() -> %s", read)
		case 1:
			return fmt.Sprintf("write(%d)", inp.arg1)
		case 2:
			ret := "fail"
			if out.unknown {
				ret = "unknown"
			} else if out.ok {
				ret = "ok"
			}
			return fmt.Sprintf("cas(%d, %d) -> %s", inp.arg1, inp.arg2, ret)
		}
		return "<invalid>"
	},
}

type kvInput struct {
	op    uint8 // 0 => get, 1 => put, 2 => append
	key   string
	value string
}

type kvOutput struct {
	value   string
	unknown bool // amino: a get that may have run but whose result is unknown (info / never completed)
}

var kvModel = porcupine.Model{
	Partition:      partitionOperations(func(input interface{}) string { return input.(kvInput).key }),
	PartitionEvent: partitionEvents(func(input interface{}) string { return input.(kvInput).key }),
	Init: func() interface{} {
		// note: we are modeling a single key's value here;
		// we're partitioning by key, so this is okay
		return ""
	},
	Step: func(state, input, output interface{}) (bool, interface{}) {
		inp := input.(kvInput)
		out := output.(kvOutput)
		st := state.(string)
		if inp.op == 0 {
			// get
			return out.value == st || out.unknown, state
		} else if inp.op == 1 {
			// put
			return true, inp.value
		} else {
			// append
			return true, (st + inp.value)
		}
	},
	Hash: func(state interface{}) uint64 {
		h := fnv.New64a()
		h.Write([]byte(state.(string)))
		return h.Sum64()
	},
	DescribeOperation: func(input, output interface{}) string {
		inp := input.(kvInput)
		out := output.(kvOutput)
		switch inp.op {
		case 0:
			return fmt.Sprintf("get('%s') -> '%s'", inp.key, out.value)
		case 1:
			return fmt.Sprintf("put('%s', '%s')", inp.key, inp.value)
		case 2:
			return fmt.Sprintf("append('%s', '%s')", inp.key, inp.value)
		}
		return "<invalid>"
	},
}

// partitionOperations and partitionEvents are upstream kvModel's Partition and PartitionEvent with
// the key taken from the input by keyOf.
func partitionOperations(keyOf func(interface{}) string) func([]porcupine.Operation) [][]porcupine.Operation {
	return func(history []porcupine.Operation) [][]porcupine.Operation {
		m := make(map[string][]porcupine.Operation)
		for _, v := range history {
			key := keyOf(v.Input)
			m[key] = append(m[key], v)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		ret := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			ret = append(ret, m[k])
		}
		return ret
	}
}

func partitionEvents(keyOf func(interface{}) string) func([]porcupine.Event) [][]porcupine.Event {
	return func(history []porcupine.Event) [][]porcupine.Event {
		m := make(map[string][]porcupine.Event)
		match := make(map[int]string) // id -> key
		for _, v := range history {
			if v.Kind == porcupine.CallEvent {
				key := keyOf(v.Value)
				m[key] = append(m[key], v)
				match[v.Id] = key
			} else {
				key := match[v.Id]
				m[key] = append(m[key], v)
			}
		}
		var ret [][]porcupine.Event
		for _, v := range m {
			ret = append(ret, v)
		}
		return ret
	}
}
