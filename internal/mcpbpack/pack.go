package main

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// bundle is one .mcpb to write.
type bundle struct {
	Binary  string // the built executable
	License string // the licence text, shipped as LICENSE
	GOOS    string
	GOARCH  string
	Version string
	OutDir  string
}

// fileName is the bundle's name in the release, beside the archives.
func (b bundle) fileName() string {
	return fmt.Sprintf("mcpbridge_%s_%s_%s.mcpb", b.Version, b.GOOS, b.GOARCH)
}

// write creates OutDir/fileName() (through a temporary file, so a failed run
// leaves no half bundle) and returns its path.
func (b bundle) write() (string, error) {
	man, err := manifestJSON(b.Version, b.GOOS)
	if err != nil {
		return "", err
	}
	if b.License == "" {
		return "", fmt.Errorf("no licence file given: pass -license (the repository's LICENSE)")
	}
	lic, err := os.ReadFile(b.License)
	if err != nil {
		return "", fmt.Errorf("read the licence to bundle: %w", err)
	}
	if len(lic) == 0 {
		return "", fmt.Errorf("the licence file %s is empty", b.License)
	}
	bin, err := os.Open(b.Binary)
	if err != nil {
		return "", fmt.Errorf("open the binary to bundle: %w", err)
	}
	defer bin.Close()
	info, err := bin.Stat()
	if err != nil {
		return "", fmt.Errorf("stat the binary to bundle: %w", err)
	}
	if err := os.MkdirAll(b.OutDir, 0o755); err != nil {
		return "", fmt.Errorf("create the bundle folder: %w", err)
	}
	tmp, err := os.CreateTemp(b.OutDir, ".mcpb-*")
	if err != nil {
		return "", fmt.Errorf("create the bundle: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if err := writeZip(tmp, man, lic, bin, binaryName(b.GOOS), info.ModTime()); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", b.fileName(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", b.fileName(), err)
	}
	out := filepath.Join(b.OutDir, b.fileName())
	if err := os.Rename(tmp.Name(), out); err != nil {
		return "", fmt.Errorf("write %s: %w", b.fileName(), err)
	}
	return out, nil
}

// writeZip lays out the bundle: manifest.json and LICENSE (the licence the
// binary is distributed under, as in the release archives) at the root and
// the binary under server/ with Unix mode 0755 (mcpb unpack and Claude
// Desktop restore it from the zip's external attributes). Every entry
// carries the binary's time, so a rebuild of the same binary gives the same
// bytes.
func writeZip(w io.Writer, manifest, license []byte, bin io.Reader, binName string, modified time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range []struct {
		name string
		body []byte
	}{{"manifest.json", manifest}, {"LICENSE", license}} {
		if err := addFile(zw, f.name, 0o644, modified, func(dst io.Writer) error {
			_, err := dst.Write(f.body)
			return err
		}); err != nil {
			return err
		}
	}
	if err := addFile(zw, "server/"+binName, 0o755, modified, func(f io.Writer) error {
		_, err := io.Copy(f, bin)
		return err
	}); err != nil {
		return err
	}
	return zw.Close()
}

// zipEpoch is the earliest time a zip entry can carry (MS-DOS dates).
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

func addFile(zw *zip.Writer, name string, mode os.FileMode, modified time.Time, fill func(io.Writer) error) error {
	if modified.Before(zipEpoch) { // e.g. a build stamped with a zero commit time
		modified = zipEpoch
	}
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified.UTC()}
	h.SetMode(mode)
	f, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	if err := fill(f); err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	return nil
}
