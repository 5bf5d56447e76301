package risk

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

// The split that produced the embedded model: 20% of each class held out,
// rows ordered by an FNV hash of (seed, pair address).
const (
	RugSplitSeed uint64  = 20240521
	RugTestShare float64 = 0.2
)

//go:embed rug_model.json
var rugModelJSON []byte

var rugModel = sync.OnceValues(func() (*Model, error) {
	var m Model
	if err := json.Unmarshal(rugModelJSON, &m); err != nil {
		return nil, fmt.Errorf("embedded rug model: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("embedded rug model: %w", err)
	}
	if len(m.Features) != len(RugFeatureNames) {
		return nil, fmt.Errorf("embedded rug model has %d features, want %d", len(m.Features), len(RugFeatureNames))
	}
	for i, f := range m.Features {
		if f != RugFeatureNames[i] {
			return nil, fmt.Errorf("embedded rug model feature %d is %q, want %q", i, f, RugFeatureNames[i])
		}
	}
	return &m, nil
})

// RugModel returns the embedded rug-pull model (trained by
// `go run ./analyze/risk/cmd/train`).
func RugModel() (*Model, error) { return rugModel() }
