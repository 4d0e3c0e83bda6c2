package gateway

import (
	"bytes"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// FuzzCheckImage feeds arbitrary bodies to the picture check: it must not
// panic, must answer with one of its three conditions, and may only admit
// a body that DecodeConfig reads as an accepted format within the pixels.
func FuzzCheckImage(f *testing.F) {
	f.Add(picture(f, "jpeg", 8, 8))
	f.Add(picture(f, "png", 3, 5))
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\xff\xff\xff\xff\xff\xff\xff\xff\x08\x02\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, body []byte) {
		const maxPixels = 64 * 64
		formats := []string{"jpeg", "png"}
		err := checkImage(body, formats, maxPixels)
		if err == nil {
			cfg, format, derr := image.DecodeConfig(bytes.NewReader(body))
			if derr != nil || !slices.Contains(formats, format) || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
				t.Fatalf("admitted %q: %v %s %dx%d", body, derr, format, cfg.Width, cfg.Height)
			}
			return
		}
		var ee *errcode.Error
		if !errors.As(err, &ee) || (ee.Cond != errcode.ImageUndecodable && ee.Cond != errcode.BodyTypeUnsupported && ee.Cond != errcode.BodyTooLarge) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzCheckContentType feeds arbitrary Content-Type headers to the media
// type check: it must not panic, and may only admit a header whose media
// type is the accepted one.
func FuzzCheckContentType(f *testing.F) {
	for _, s := range []string{"application/json", "Application/JSON; charset=utf-8", "application/json;", "application/json; =", "text/plain", "", "application/json, text/plain", "application/json\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		err := checkContentType(header, []string{"application/json"})
		if err == nil {
			mt, _, _ := strings.Cut(header, ";")
			if !strings.EqualFold(strings.TrimSpace(mt), "application/json") {
				t.Fatalf("admitted %q", header)
			}
			return
		}
		if !errors.Is(err, errcode.BodyTypeUnsupported) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}
