package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// DefaultCursorTTL is how long a pagination cursor stays valid by default.
const DefaultCursorTTL = 24 * time.Hour

// cursorVersion is the first byte of every cursor payload, so the layout
// can change without old cursors being misread.
const cursorVersion = 1

// cursorCodec issues and checks keyset pagination cursors. A cursor is the
// base64url encoding of
//
//	version (1 byte) | expiry (8 bytes, Unix seconds) | binding (16 bytes) |
//	key values (each a uvarint length and the bytes) | HMAC-SHA256 (32 bytes)
//
// where binding is the hash of the endpoint and normalised filters of the
// query that issued it (listQuery.binding) and the key values are the keyset
// position of the last row of the page. The MAC covers everything before it,
// so a client can neither forge a position nor reuse a cursor with other
// filters; it is opaque by contract even though it is not encrypted.
type cursorCodec struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

func newCursorCodec(key []byte, ttl time.Duration) *cursorCodec {
	return &cursorCodec{key: key, ttl: ttl, now: time.Now}
}

// encode returns the cursor of the page after the row whose keyset values
// are key, for the query identified by binding.
func (cc *cursorCodec) encode(key []string, binding [16]byte) string {
	b := make([]byte, 0, 64+sha256.Size)
	b = append(b, cursorVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(cc.now().Add(cc.ttl).Unix()))
	b = append(b, binding[:]...)
	for _, k := range key {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	b = append(b, cc.sign(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decode checks a cursor and returns its keyset values; any failure is a
// 400 naming the cursor parameter.
func (cc *cursorCodec) decode(cursor string, binding [16]byte, keyLen int) ([]string, error) {
	const header = 1 + 8 + 16
	invalid := InvalidParameter("cursor", "is not a cursor issued by this API; use the next_cursor of a previous page")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) < header+sha256.Size {
		return nil, invalid
	}
	body, sum := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if !hmac.Equal(cc.sign(body), sum) || body[0] != cursorVersion {
		return nil, invalid
	}
	if time.Unix(int64(binary.BigEndian.Uint64(body[1:9])), 0).Before(cc.now()) {
		return nil, InvalidParameter("cursor", "has expired; start again from the first page")
	}
	if !hmac.Equal(body[9:header], binding[:]) {
		return nil, InvalidParameter("cursor", "was issued for a different query; keep the filters of the first page or start again without a cursor")
	}
	keys := make([]string, 0, keyLen)
	rest := body[header:]
	for len(rest) > 0 {
		n, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < n {
			return nil, invalid
		}
		keys = append(keys, string(rest[w:w+int(n)]))
		rest = rest[w+int(n):]
	}
	if len(keys) != keyLen {
		return nil, invalid
	}
	return keys, nil
}

// sign returns the HMAC-SHA256 of b.
func (cc *cursorCodec) sign(b []byte) []byte {
	m := hmac.New(sha256.New, cc.key)
	m.Write(b)
	return m.Sum(nil)
}
