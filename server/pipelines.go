package server

import (
	"net/http"
	"time"

	"memepipe/pipeline"
)

func (s *Server) listPipelines(r *http.Request) (int, any, error) {
	st, err := s.o.Scheduler.Status(r.Context())
	return http.StatusOK, st, err
}

func (s *Server) getPipeline(r *http.Request) (int, any, error) {
	st, err := s.o.Scheduler.PipelineStatus(r.Context(), r.PathValue("name"))
	return http.StatusOK, st, err
}

// TriggerRequest is the optional body of POST .../trigger.
type TriggerRequest struct {
	Start *time.Time `json:"start"`
	End   *time.Time `json:"end"`
	// Rerun gives every task a new attempt, even those that succeeded.
	Rerun bool `json:"rerun"`
}

// TriggerResponse is what a trigger answers (202).
type TriggerResponse struct {
	ID            string         `json:"id"`
	Pipeline      string         `json:"pipeline"`
	IntervalStart time.Time      `json:"interval_start"`
	IntervalEnd   time.Time      `json:"interval_end"`
	State         pipeline.State `json:"state"`
	Trigger       string         `json:"trigger"`
	// Created is false when the interval's run existed and is resumed.
	Created bool   `json:"created"`
	URL     string `json:"url"`
}

func (s *Server) trigger(r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	if _, err := s.o.Scheduler.Pipeline(name); err != nil {
		return 0, nil, err
	}
	var req TriggerRequest
	if _, err := decodeBody(r, &req); err != nil {
		return 0, nil, err
	}
	var iv *pipeline.Interval
	switch {
	case req.Start != nil && req.End != nil:
		v, err := pipeline.NewInterval(*req.Start, *req.End)
		if err != nil {
			return 0, nil, badRequest("%v", err)
		}
		iv = &v
	case req.Start != nil || req.End != nil:
		return 0, nil, badRequest("give both start and end, or neither (the latest complete interval)")
	}
	tr, err := s.o.Scheduler.Trigger(r.Context(), name, iv, req.Rerun)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, TriggerResponse{ID: tr.Run.ID, Pipeline: name, IntervalStart: tr.Run.Interval.Start,
		IntervalEnd: tr.Run.Interval.End, State: tr.Run.State, Trigger: string(tr.Run.Trigger), Created: tr.Created,
		URL: "/api/v1/runs/" + tr.Run.ID}, nil
}

// BackfillRequest is the body of POST .../backfill.
type BackfillRequest struct {
	From *time.Time `json:"from"`
	To   *time.Time `json:"to"`
}

func (s *Server) backfill(r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	if _, err := s.o.Scheduler.Pipeline(name); err != nil {
		return 0, nil, err
	}
	var req BackfillRequest
	empty, err := decodeBody(r, &req)
	if err != nil {
		return 0, nil, err
	}
	if empty || req.From == nil || req.To == nil {
		return 0, nil, badRequest(`backfill needs a JSON body {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}`)
	}
	b, err := s.o.Scheduler.Backfill(r.Context(), name, *req.From, *req.To)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, b, nil
}

func (s *Server) pause(paused bool) APIFunc {
	return func(r *http.Request) (int, any, error) {
		name := r.PathValue("name")
		var err error
		if paused {
			_, err = s.o.Scheduler.Pause(r.Context(), name)
		} else {
			_, err = s.o.Scheduler.Unpause(r.Context(), name)
		}
		if err != nil {
			return 0, nil, err
		}
		st, err := s.o.Scheduler.PipelineStatus(r.Context(), name)
		return http.StatusOK, st, err
	}
}
