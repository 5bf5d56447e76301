package pipeline

import (
	"reflect"
	"strings"
	"testing"
)

func tasks(spec ...string) []Task {
	// "b:a,c" is task b depending on a and c.
	var out []Task
	for _, s := range spec {
		name, deps, _ := strings.Cut(s, ":")
		t := Task{Name: name}
		if deps != "" {
			t.DependsOn = strings.Split(deps, ",")
		}
		out = append(out, t)
	}
	return out
}

func TestDAGValidate(t *testing.T) {
	tests := []struct {
		name string
		dag  DAG
		want []string // the joined error's lines, in order
	}{
		{"ok", DAG{Name: "demo", Tasks: tasks("a", "b:a", "c:a,b")}, nil},
		{"no name, no tasks", DAG{}, []string{"pipeline has no name", `pipeline "" has no tasks`}},
		{"two-cycle", DAG{Name: "p", Tasks: tasks("a:b", "b:a")}, []string{"dependency cycle: a -> b -> a"}},
		{"two-cycle entered from b", DAG{Name: "p", Tasks: tasks("b:a", "a:b")}, []string{"dependency cycle: a -> b -> a"}},
		// b depends on a, c on b, a on c: upstream to downstream, a -> b -> c -> a.
		{"three-cycle", DAG{Name: "p", Tasks: tasks("a:c", "b:a", "c:b")}, []string{"dependency cycle: a -> b -> c -> a"}},
		{"cycle below a root", DAG{Name: "p", Tasks: tasks("root", "x:root,z", "y:x", "z:y")}, []string{"dependency cycle: x -> y -> z -> x"}},
		{"two cycles", DAG{Name: "p", Tasks: tasks("a:b", "b:a", "c:d", "d:c")}, []string{
			"dependency cycle: a -> b -> a",
			"dependency cycle: c -> d -> c",
		}},
		{"everything at once", DAG{Name: "p", Tasks: append(tasks("a:a", "b:clen", "a", "", "c:d", "d:c"), Task{Name: "e", Trigger: "none_failed"})}, []string{
			`tasks[2]: duplicate task name "a"`,
			"tasks[3]: task has no name",
			"tasks[0] (a): depends on itself",
			`tasks[1] (b): unknown dependency "clen"`,
			`tasks[6] (e): unknown trigger rule "none_failed" (want all_success, all_done or one_success)`,
			"dependency cycle: c -> d -> c",
		}},
	}
	for _, tt := range tests {
		err := tt.dag.Validate()
		var got []string
		if err != nil {
			got = strings.Split(err.Error(), "\n")
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Validate() =\n  %q\nwant\n  %q", tt.name, got, tt.want)
		}
	}
}

func TestDAGDownstreamAndSubset(t *testing.T) {
	d := &DAG{Name: "p", Tasks: tasks("a", "b:a", "c:a,b", "d:c")}
	want := map[string][]string{"a": {"b", "c"}, "b": {"c"}, "c": {"d"}}
	if got := d.Downstream(); !reflect.DeepEqual(got, want) {
		t.Errorf("Downstream = %v, want %v", got, want)
	}
	s, err := d.Subset([]string{"c", "d"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tasks) != 2 || s.Tasks[0].Name != "c" || len(s.Tasks[0].DependsOn) != 0 || !reflect.DeepEqual(s.Tasks[1].DependsOn, []string{"c"}) {
		t.Errorf("Subset(c,d) = %+v", s.Tasks)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("subset does not validate: %v", err)
	}
	if _, err := d.Subset([]string{"clean"}); errString(err) != `pipeline "p" has no task "clean"` {
		t.Errorf("Subset(unknown) error = %v", err)
	}
	if _, ok := d.Task("b"); !ok {
		t.Error("Task(b) not found")
	}
	if _, ok := d.Task("z"); ok {
		t.Error("Task(z) found")
	}
}
