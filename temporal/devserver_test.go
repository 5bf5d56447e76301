package temporal

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

// The integration tests run against a real Temporal dev server (the
// Temporal CLI's `server start-dev`), started once per test binary and
// stopped in TestMain. The CLI is not downloaded (there is no internet):
// .ci/run installs it with `go install github.com/temporalio/cli/cmd/temporal@v1.5.1`
// into ~/.cache/memepipe/bin; MEMEPIPE_TEMPORAL_CLI may name another one.

var (
	devOnce   sync.Once
	dev       *testsuite.DevServer
	devErr    error
	devSkip   string
	devLog    string
	binOnce   sync.Once
	binPath   string
	binErr    error
	binDir    string
	devLogDir string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if dev != nil {
		if err := dev.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop temporal dev server:", err)
		}
	}
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	if devLogDir != "" {
		os.RemoveAll(devLogDir)
	}
	os.Exit(code)
}

// temporalCLI finds the Temporal CLI, or says why not.
func temporalCLI() (string, string) {
	if p := os.Getenv("MEMEPIPE_TEMPORAL_CLI"); p != "" {
		return p, ""
	}
	if dir, err := os.UserCacheDir(); err == nil {
		p := filepath.Join(dir, "memepipe", "bin", "temporal")
		if _, err := os.Stat(p); err == nil {
			return p, ""
		}
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, ""
	}
	return "", "the Temporal CLI is not installed: .ci/run installs it (GOBIN=~/.cache/memepipe/bin go install github.com/temporalio/cli/cmd/temporal@v1.5.1), or set MEMEPIPE_TEMPORAL_CLI"
}

// devServer returns a client of the shared dev server, starting it on
// first use; it skips t when the CLI is missing.
func devServer(t testing.TB) client.Client {
	t.Helper()
	devOnce.Do(func() {
		path, why := temporalCLI()
		if path == "" {
			devSkip = why
			return
		}
		devLogDir, devErr = os.MkdirTemp("", "memepipe-temporal-dev")
		if devErr != nil {
			return
		}
		devLog = filepath.Join(devLogDir, "server.log")
		f, err := os.Create(devLog)
		if err != nil {
			devErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		dev, devErr = testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
			ExistingPath: path,
			LogLevel:     "warn",
			ClientOptions: &client.Options{
				HostPort: "", // a free port on 127.0.0.1
				Logger:   sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelWarn}))),
			},
			ExtraArgs: []string{
				// The defaults poll transfer queues slowly and spread a
				// task queue over 4 partitions: each hand-off then costs
				// tens of milliseconds (see docs/PERFORMANCE.md).
				"--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
				"--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
				"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
			},
			Stdout: f,
			Stderr: f,
		})
	})
	if devSkip != "" {
		t.Skip(devSkip)
	}
	if devErr != nil {
		b, _ := os.ReadFile(devLog)
		t.Fatalf("start the Temporal dev server: %v\n%s", devErr, b)
	}
	return dev.Client()
}

// memepipeBinary builds cmd/memepipe once per test binary.
func memepipeBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "memepipe-temporal-bin")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "memepipe")
		out, err := exec.Command("go", "build", "-o", binPath, "memepipe/cmd/memepipe").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build memepipe: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}
