//go:build !linux

package fileexporter_test

// The short-write test needs Linux's RLIMIT_FSIZE behaviour.
const fsizeChildEnv = "FILEEXPORTER_FSIZE_CHILD"

func runFileSizeLimitChild() int { return 1 }
