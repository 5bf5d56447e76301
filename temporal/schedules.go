package temporal

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdktemporal "go.temporal.io/sdk/temporal"

	"memepipe/config"
	"memepipe/deploy"
	"memepipe/pipeline"
	"memepipe/schedule"
)

// SchedulePrefix starts the ID of every Schedule memepipe owns: sync
// deletes those whose pipeline left the config, and leaves others alone.
const SchedulePrefix = "memepipe-"

// DefaultCatchupWindow is the catch-up window of a pipeline that sets none,
// as memepipe's own scheduler's.
const DefaultCatchupWindow = 24 * time.Hour

// ScheduleID is the ID of pipeline p's Schedule.
func ScheduleID(p string) string { return SchedulePrefix + p }

// ScheduleFor translates a scheduled pipeline into Temporal Schedule
// options: its cron expression (macros expanded; @every D as an interval
// spec, which Temporal counts from the epoch as memepipe does) in its time
// zone, its overlap policy (skip, buffer_one, allow map to SKIP,
// BUFFER_ONE, ALLOW_ALL) and catch-up window, starting the run workflow on
// queue with the pipeline's name. The workflow runs the interval that ends
// at the slot.
//
// Refused: a cron that restricts both day of month and day of week
// (cron runs when either matches, Temporal only when both do).
// max_catchup and max_active_runs have no Temporal equivalent: Temporal
// starts every missed slot within the window, one at a time unless the
// overlap policy is allow.
func ScheduleFor(p *config.Pipeline, queue string) (client.ScheduleOptions, error) {
	if p.Schedule == "" {
		return client.ScheduleOptions{}, fmt.Errorf("pipeline %s has no schedule", p.Name)
	}
	if _, err := schedule.Parse(p.Schedule, p.Timezone); err != nil {
		return client.ScheduleOptions{}, fmt.Errorf("pipeline %s: %w", p.Name, err)
	}
	tz := p.Timezone
	if tz == "" {
		tz = "UTC"
	}
	spec := client.ScheduleSpec{TimeZoneName: tz}
	if rest, ok := strings.CutPrefix(strings.TrimSpace(p.Schedule), "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return client.ScheduleOptions{}, fmt.Errorf("pipeline %s: schedule %q: %v", p.Name, p.Schedule, err)
		}
		spec.Intervals = []client.ScheduleIntervalSpec{{Every: d}}
		spec.TimeZoneName = "" // intervals count from the epoch, in no zone
	} else {
		f, err := deploy.CronFields(p.Schedule)
		if err != nil {
			return client.ScheduleOptions{}, fmt.Errorf("pipeline %s: %w", p.Name, err)
		}
		if f.Dom != "*" && f.Dow != "*" {
			return client.ScheduleOptions{}, fmt.Errorf("pipeline %s: schedule %q restricts both day of month and day of week; cron runs when either matches, a Temporal Schedule only when both do: split it into two pipelines", p.Name, p.Schedule)
		}
		spec.CronExpressions = []string{f.String()}
	}
	overlap, err := OverlapPolicy(p.Overlap)
	if err != nil {
		return client.ScheduleOptions{}, fmt.Errorf("pipeline %s: %w", p.Name, err)
	}
	window := p.CatchupWindow.D()
	if window <= 0 {
		window = DefaultCatchupWindow
	}
	if queue == "" {
		queue = DefaultTaskQueue
	}
	return client.ScheduleOptions{
		ID:            ScheduleID(p.Name),
		Spec:          spec,
		Overlap:       overlap,
		CatchupWindow: window,
		Note:          "managed by memepipe schedules sync",
		Memo:          map[string]any{"memepipe_pipeline": p.Name, "memepipe_schedule": p.Schedule},
		Action: &client.ScheduleWorkflowAction{
			ID:        ScheduleID(p.Name),
			Workflow:  WorkflowName,
			Args:      []any{RunRequest{Pipeline: p.Name, Trigger: pipeline.TriggerSchedule}},
			TaskQueue: queue,
		},
	}, nil
}

// OverlapPolicy maps memepipe's overlap policy to Temporal's.
func OverlapPolicy(s string) (enumspb.ScheduleOverlapPolicy, error) {
	o, err := schedule.ParseOverlap(s)
	if err != nil {
		return 0, err
	}
	switch o {
	case schedule.OverlapBufferOne:
		return enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, nil
	case schedule.OverlapAllow:
		return enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, nil
	}
	return enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, nil
}

// SyncResult says what a sync changed, by schedule ID.
type SyncResult struct {
	Created, Updated, Deleted []string
}

// SyncSchedules makes the namespace's memepipe Schedules match cfg: one per
// scheduled pipeline, created or updated in place (a paused Schedule stays
// paused), and every memepipe-owned Schedule whose pipeline is no longer
// scheduled in cfg deleted. Schedules memepipe does not own are not touched.
func SyncSchedules(ctx context.Context, c client.Client, queue string, cfg *config.Config) (SyncResult, error) {
	var res SyncResult
	sc := c.ScheduleClient()
	want := map[string]bool{}
	// Translate everything first: a config with one bad schedule changes nothing.
	var opts []client.ScheduleOptions
	for i := range cfg.Pipelines {
		p := &cfg.Pipelines[i]
		if p.Schedule == "" {
			continue
		}
		o, err := ScheduleFor(p, queue)
		if err != nil {
			return res, err
		}
		opts = append(opts, o)
		want[o.ID] = true
	}
	for _, o := range opts {
		h := sc.GetHandle(ctx, o.ID)
		_, err := h.Describe(ctx)
		var nf *serviceerror.NotFound
		switch {
		case errors.As(err, &nf):
			if _, err := sc.Create(ctx, o); err != nil && !errors.Is(err, sdktemporal.ErrScheduleAlreadyRunning) {
				return res, fmt.Errorf("create schedule %s: %w", o.ID, err)
			}
			res.Created = append(res.Created, o.ID)
			continue
		case err != nil:
			return res, fmt.Errorf("describe schedule %s: %w", o.ID, err)
		}
		o := o
		err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			spec := o.Spec
			s.Spec = &spec
			s.Action = o.Action
			s.Policy = &client.SchedulePolicies{Overlap: o.Overlap, CatchupWindow: o.CatchupWindow, PauseOnFailure: o.PauseOnFailure}
			return &client.ScheduleUpdate{Schedule: &s}, nil
		}})
		if err != nil {
			return res, fmt.Errorf("update schedule %s: %w", o.ID, err)
		}
		res.Updated = append(res.Updated, o.ID)
	}

	owned, err := ListSchedules(ctx, c)
	if err != nil {
		return res, err
	}
	for _, id := range owned {
		if want[id] {
			continue
		}
		if err := sc.GetHandle(ctx, id).Delete(ctx); err != nil {
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				continue
			}
			return res, fmt.Errorf("delete schedule %s: %w", id, err)
		}
		res.Deleted = append(res.Deleted, id)
	}
	return res, nil
}

// ListSchedules returns the IDs of the memepipe-owned Schedules (ID prefix
// and the run workflow as action), sorted. Listing is eventually
// consistent: a Schedule created a moment ago may be missing.
func ListSchedules(ctx context.Context, c client.Client) ([]string, error) {
	it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	var ids []string
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("list schedules: %w", err)
		}
		if strings.HasPrefix(e.ID, SchedulePrefix) && (e.WorkflowType.Name == "" || e.WorkflowType.Name == WorkflowName) {
			ids = append(ids, e.ID)
		}
	}
	sort.Strings(ids)
	return ids, nil
}
