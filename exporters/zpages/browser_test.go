//go:build unix

package zpages_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// browserTimeout bounds one Chromium run.
const browserTimeout = 60 * time.Second

// screenshotDirEnv names a directory that keeps the screenshots; without
// it they go to the test's temporary directory.
const screenshotDirEnv = "ZPAGES_SCREENSHOT_DIR"

// findBrowser returns the path of a Chromium binary, or "".
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runBrowser runs headless Chromium with a fresh profile and returns its
// standard output. The whole process group is killed when the run times
// out, and after it ends, so no renderer outlives the test.
func runBrowser(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	flags := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--no-default-browser-check",
		"--disable-dev-shm-usage", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir(),
	}
	cmd := exec.CommandContext(ctx, bin, append(flags, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if cmd.Process != nil {
		// Helpers Chromium forked into its group go with it.
		if kerr := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); kerr != nil && !errors.Is(kerr, syscall.ESRCH) {
			t.Logf("killing the browser's process group: %v", kerr)
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("chromium %v: timed out after %v\nstderr:\n%s", args, browserTimeout, stderr.Bytes())
	}
	if err != nil {
		t.Fatalf("chromium %v: %v\nstderr:\n%s", args, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestBrowser loads the pages of a traced greeter server in headless
// Chromium, checks the rendered rows and saves screenshots.
func TestBrowser(t *testing.T) {
	bin := findBrowser()
	if bin == "" {
		t.Skip("no browser: neither chromium nor chromium-browser is in PATH (Debian: apt-get install chromium)")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	site := startGreeterSite(t)

	checkTracez(t, string(runBrowser(t, bin, "--dump-dom", site.URL+"tracez")))
	checkRpcz(t, string(runBrowser(t, bin, "--dump-dom", site.URL+"rpcz")))

	dir := os.Getenv(screenshotDirEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, shot := range []struct{ file, path string }{
		{"tracez.png", "tracez?name=helloworld.Greeter%2FSayHello&type=error"},
		{"rpcz.png", "rpcz"},
	} {
		file := filepath.Join(dir, shot.file)
		runBrowser(t, bin, "--screenshot="+file, "--window-size=1280,900", site.URL+shot.path)
		st, err := os.Stat(file)
		if err != nil {
			t.Fatalf("no screenshot: %v", err)
		}
		if st.Size() < 1000 {
			t.Errorf("screenshot %s is only %d bytes", file, st.Size())
		}
		t.Logf("screenshot of %s: %s", shot.path, file)
	}
}
