package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time:
//
//	go build -ldflags "-X main.version=v1.2.0" ./cmd/memepipe
var version = "dev"

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, Go version and source revision",
		Long: `Print memepipe's version (set with -ldflags "-X main.version=..."), the Go
version it was built with, and the VCS revision recorded by the Go toolchain
(go build records it unless -buildvcs=false).`,
		Example: `  memepipe version
  go build -ldflags "-X main.version=v0.3.0" -o memepipe ./cmd/memepipe`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(a.stdout, "memepipe %s\n", version)
			bi, ok := debug.ReadBuildInfo()
			if !ok {
				fmt.Fprintln(a.stdout, "build info: not available")
				return nil
			}
			fmt.Fprintf(a.stdout, "go        %s\n", bi.GoVersion)
			settings := map[string]string{}
			for _, s := range bi.Settings {
				settings[s.Key] = s.Value
			}
			if rev := settings["vcs.revision"]; rev != "" {
				dirty := ""
				if settings["vcs.modified"] == "true" {
					dirty = " (modified)"
				}
				fmt.Fprintf(a.stdout, "revision  %s%s\n", rev, dirty)
				if t := settings["vcs.time"]; t != "" {
					fmt.Fprintf(a.stdout, "committed %s\n", t)
				}
			} else {
				fmt.Fprintln(a.stdout, "revision  unknown (built without VCS info: -buildvcs=false, or outside a repository)")
			}
			if m := bi.Main.Version; m != "" && m != "(devel)" {
				fmt.Fprintf(a.stdout, "module    %s %s\n", bi.Main.Path, m)
			}
			return nil
		},
	}
}
