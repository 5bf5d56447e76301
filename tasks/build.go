package tasks

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"memepipe/config"
	"memepipe/pipeline"
)

// Build returns a DAG for every configured pipeline, by name. Problems
// (an unknown type, bad params) come back as config.Errors with key paths,
// all of them, like config validation.
func Build(cfg *config.Config, deps Deps) (map[string]*pipeline.DAG, error) {
	if deps.Config == nil {
		deps.Config = cfg
	}
	if deps.collectors == nil {
		deps.collectors = newCollectors()
	}
	out := map[string]*pipeline.DAG{}
	var errs config.Errors
	for i := range cfg.Pipelines {
		dag, perrs := buildPipeline(cfg, i, deps)
		errs = append(errs, perrs...)
		out[dag.Name] = dag
	}
	return out, errs.Err()
}

// BuildPipeline returns the DAG of the pipeline named name.
func BuildPipeline(cfg *config.Config, name string, deps Deps) (*pipeline.DAG, error) {
	if deps.Config == nil {
		deps.Config = cfg
	}
	if deps.collectors == nil {
		deps.collectors = newCollectors()
	}
	for i := range cfg.Pipelines {
		if cfg.Pipelines[i].Name == name {
			dag, errs := buildPipeline(cfg, i, deps)
			return dag, errs.Err()
		}
	}
	return nil, fmt.Errorf("no pipeline %q (configured: %s)", name, strings.Join(cfg.PipelineNames(), ", "))
}

func buildPipeline(cfg *config.Config, i int, deps Deps) (*pipeline.DAG, config.Errors) {
	p := cfg.Pipelines[i]
	dag := &pipeline.DAG{Name: p.Name, SLA: p.SLA.D()}
	var errs config.Errors
	for j, t := range p.Tasks {
		path := fmt.Sprintf("pipelines[%d].tasks[%d]", i, j)
		runner, err := buildRunner(cfg, p, t, deps, path)
		errs = append(errs, err...)
		dag.Tasks = append(dag.Tasks, pipeline.Task{
			Name:      t.Name,
			DependsOn: append([]string(nil), t.DependsOn...),
			Trigger:   pipeline.TriggerRule(t.TriggerRule),
			Retry: pipeline.RetryPolicy{
				Attempts:     t.Retries + 1,
				InitialDelay: t.RetryDelay.D(),
				MaxDelay:     t.RetryMaxDelay.D(),
				Multiplier:   t.RetryMultiplier,
				Jitter:       t.RetryJitter,
			},
			Timeout: t.Timeout.D(),
			SLA:     t.SLA.D(),
			Pool:    t.Pool,
			Runner:  runner,
		})
	}
	return dag, errs
}

func buildRunner(cfg *config.Config, p config.Pipeline, t config.Task, deps Deps, path string) (pipeline.Runner, config.Errors) {
	var errs config.Errors
	if len(t.Command) > 0 {
		return &Command{
			Argv:    t.Command,
			Env:     t.Env,
			Workdir: workdir(cfg, t.Workdir),
		}, nil
	}
	if t.Type == "" {
		return nil, nil // config validation has reported it
	}
	f, ok := lookup(t.Type)
	if !ok {
		known := Types()
		msg := fmt.Sprintf("unknown task type %q", t.Type)
		switch {
		case len(known) == 0:
			msg += " (this build has no built-in task types yet; use command: to run a program)"
		default:
			msg += " (known: " + strings.Join(known, ", ") + ")"
		}
		errs.Add(path+".type", "%s", msg)
		return nil, errs
	}
	r, err := f(deps, t.Params)
	if err != nil {
		var ferrs config.Errors
		if errors.As(err, &ferrs) {
			for _, fe := range ferrs {
				p := path + ".params"
				if fe.Path != "" {
					if strings.HasPrefix(fe.Path, "[") {
						p += fe.Path
					} else {
						p += "." + fe.Path
					}
				}
				errs.Add(p, "%s", fe.Msg)
			}
		} else {
			errs.Add(path+".params", "%v", err)
		}
		return nil, errs
	}
	return r, nil
}

// workdir resolves a command's working directory. Relative paths, and the
// default, are anchored at the config file's directory rather than the
// current one: cron and systemd start memepipe in $HOME or /, and a
// pipeline that runs scripts/collect.py must find it whoever starts it.
// Without a config file, the current directory is the anchor.
func workdir(cfg *config.Config, wd string) string {
	base := "."
	if cfg.File != "" {
		base = filepath.Dir(cfg.File)
	}
	if wd == "" {
		wd = base
	} else if !filepath.IsAbs(wd) {
		wd = filepath.Join(base, wd)
	}
	if abs, err := filepath.Abs(wd); err == nil {
		return abs
	}
	return wd
}
