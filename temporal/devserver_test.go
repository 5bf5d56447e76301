package temporal

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// The integration tests run against a real Temporal dev server (the
// Temporal CLI's `server start-dev`), started once per test binary on a free
// loopback port and stopped in TestMain. The CLI is not downloaded (there is no internet):
// .ci/run installs it with `go install github.com/temporalio/cli/cmd/temporal@v1.5.1`
// into ~/.cache/memepipe/bin; MEMEPIPE_TEMPORAL_CLI may name another one.

var (
	devOnce     sync.Once
	devCmd      *exec.Cmd
	devClient   client.Client
	devHostPort string
	devErr      error
	devSkip     string
	devLog      string
	binOnce     sync.Once
	binPath     string
	binErr      error
	binDir      string
	devLogDir   string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if devClient != nil {
		devClient.Close()
	}
	if devCmd != nil {
		_ = devCmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { devCmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = devCmd.Process.Kill()
			<-done
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

func freeHostPort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// devServer returns a client of the shared dev server, starting it on
// first use; it skips t when the CLI is missing. The server is started as
// the SDK's testsuite.StartDevServer does (same flags), but killed by the
// kernel if this test binary dies (a -timeout panic), so no server outlives
// the tests.
func devServer(t testing.TB) client.Client {
	t.Helper()
	devOnce.Do(func() {
		path, why := temporalCLI()
		if path == "" {
			devSkip = why
			return
		}
		if devLogDir, devErr = os.MkdirTemp("", "memepipe-temporal-dev"); devErr != nil {
			return
		}
		devLog = filepath.Join(devLogDir, "server.log")
		f, err := os.Create(devLog)
		if err != nil {
			devErr = err
			return
		}
		if devHostPort, devErr = freeHostPort(); devErr != nil {
			return
		}
		host, port, _ := net.SplitHostPort(devHostPort)
		devCmd = exec.Command(path, "server", "start-dev", "--ip", host, "--port", port, "--headless",
			"--log-level", "warn", "--namespace", "default",
			"--dynamic-config-value", "frontend.enableServerVersionCheck=false",
			// The defaults poll transfer queues slowly and spread a task
			// queue over 4 partitions: each hand-off then costs tens of
			// milliseconds (see docs/PERFORMANCE.md).
			"--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
			"--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
			"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1")
		devCmd.Stdout, devCmd.Stderr = f, f
		devCmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if devErr = devCmd.Start(); devErr != nil {
			devCmd = nil
			return
		}
		logger := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelWarn})))
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			devClient, devErr = client.Dial(client.Options{HostPort: devHostPort, Logger: logger})
			if devErr == nil {
				return
			}
			if time.Now().After(deadline) {
				devErr = fmt.Errorf("the dev server did not answer on %s within a minute: %w", devHostPort, devErr)
				return
			}
		}
	})
	if devSkip != "" {
		t.Skip(devSkip)
	}
	if devErr != nil {
		b, _ := os.ReadFile(devLog)
		t.Fatalf("start the Temporal dev server: %v\n%s", devErr, b)
	}
	return devClient
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
