package collector

import (
	"archive/zip"
	"bytes"
	"fmt"
)

// Unzip returns the name and the content of the one file of a zipped
// provider answer (CAISO OASIS and ERCOT MIS send their reports so). The
// file is read through MaxBody whatever size the zip's header declares, as
// a hostile zip declares what it likes: a zip bomb fails with ErrTooLarge
// instead of exhausting memory. Every error wraps ErrMalformed.
func Unzip(body []byte) (name string, data []byte, err error) {
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return "", nil, fmt.Errorf("%w: answer is not a zip: %v", ErrMalformed, err)
	}
	if len(zr.File) != 1 {
		return "", nil, fmt.Errorf("%w: zip holds %d files, want 1", ErrMalformed, len(zr.File))
	}
	f := zr.File[0]
	rc, err := f.Open()
	if err != nil {
		return "", nil, fmt.Errorf("%w: open %s in zip: %v", ErrMalformed, f.Name, err)
	}
	defer func() { _ = rc.Close() }()
	if data, err = ReadLimited(rc, MaxBody); err != nil {
		return "", nil, fmt.Errorf("%w: read %s in zip: %w", ErrMalformed, f.Name, err)
	}
	return f.Name, data, nil
}
