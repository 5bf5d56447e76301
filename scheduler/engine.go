package scheduler

import (
	"context"
	"errors"
	"fmt"

	"memepipe/engine"
	"memepipe/pipeline"
)

// Engine adapts the engine to Executor.
func Engine(e *engine.Engine) Executor { return engineExecutor{e} }

type engineExecutor struct{ e *engine.Engine }

func (x engineExecutor) Owner() string { return x.e.Owner() }

func (x engineExecutor) Run(ctx context.Context, dag *pipeline.DAG, iv pipeline.Interval, o RunOptions) (pipeline.Run, error) {
	run, err := x.e.Run(ctx, dag, iv, engine.RunOptions{Trigger: o.Trigger, Rerun: o.Rerun})
	if errors.Is(err, engine.ErrClaimed) || errors.Is(err, engine.ErrActive) {
		return run, fmt.Errorf("%w: %w", ErrClaimed, err)
	}
	return run, err
}
