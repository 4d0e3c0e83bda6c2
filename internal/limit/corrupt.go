package limit

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
)

// CorruptError is a counters file that cannot be read as this data
// directory's: a damaged record with whole records after it (not a torn
// tail), a snapshot that does not end, or a file whose header names
// another data directory. OpenMemory refuses to start on one rather than
// forget what the file held; tollgate repair quarantines it.
type CorruptError struct {
	File   string // the file's path
	Offset int64  // where the damage begins, in bytes
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("limit: %s at offset %d: %s", e.File, e.Offset, e.Reason)
}

// NewDataID returns a new random data directory id: 32 hexadecimal digits.
func NewDataID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validFrameAt reports whether a whole frame with a matching CRC starts at
// off in data, and its length.
func validFrameAt(data []byte, off int) (int, bool) {
	if len(data)-off < frameHeader {
		return 0, false
	}
	n := int(binary.LittleEndian.Uint32(data[off:]))
	if n == 0 || n > maxRecord || len(data)-off-frameHeader < n {
		return 0, false
	}
	p := data[off+frameHeader : off+frameHeader+n]
	return n, crc32.Checksum(p, castagnoli) == binary.LittleEndian.Uint32(data[off+4:])
}

// tornAt reports whether the bad frame at off is a torn tail: the last,
// incomplete record of a write a crash cut short. It is when no whole
// frame starts anywhere after off: a crash leaves a prefix of a write, or
// zeros, never a damaged record followed by good ones. Flipped bytes in
// the middle of a file leave whole frames after them and are not torn,
// even when they flip a length so that it reaches past the end.
func tornAt(data []byte, off int) bool {
	for p := off + 1; p+frameHeader < len(data); p++ {
		if _, ok := validFrameAt(data, p); ok {
			return false
		}
	}
	return true
}

// framesAfter calls fn with every whole frame found in data from off on,
// resynchronizing past damage byte by byte: what can still be decoded of
// a damaged file.
func framesAfter(data []byte, off int, fn func(off int, p []byte)) {
	for off < len(data) {
		n, ok := validFrameAt(data, off)
		if !ok {
			off++
			continue
		}
		fn(off, data[off+frameHeader:off+frameHeader+n])
		off += frameHeader + n
	}
}
