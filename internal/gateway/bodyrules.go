package gateway

import (
	"bytes"
	"errors"
	"image"
	_ "image/gif" // decoders image.DecodeConfig recognises (model.ImageRules.Formats)
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// lowerLimit puts the API's maximum body size (body.maxBytes, or the
// picture's maxBytes when lower) in force, as soon as match knows the API
// and before anything reads the body: a declared length past it is
// refused at once with errcode.BodyTooLarge, and a body of unknown
// length is cut while it is read, by whichever stage reads it first (the
// signature check, or the body stage), so that no more than the maximum
// is ever buffered. A maximum at or above the gateway's own limit changes
// nothing: that limit, errcode.RequestTooLarge, is the stricter.
func lowerLimit(c *Call, r *snapshot.Rules) error {
	max := r.MaxBody
	if max <= 0 || c.body == nil {
		return nil
	}
	if b := c.body; b.limit > 0 && b.limit <= max {
		return nil
	}
	if c.R.ContentLength > max {
		return errcode.Newf(errcode.BodyTooLarge, "the body has %d bytes; this API takes at most %d", c.R.ContentLength, max)
	}
	c.body.limit, c.body.overLimit = max, errcode.BodyTooLarge
	return nil
}

// checkBody is the body stage, after traffic and before validate: the
// body must be present when required, of a media type the API accepts,
// and, where the API bounds its size or takes a picture, it is read whole
// (within the limit lowerLimit set) so that the backend only ever gets a
// body that passed. A picture's format, bytes and pixels are read from
// its header with image.DecodeConfig, without decoding the picture.
//
// The declared Content-Type is checked first, then what the bytes are:
// a PNG sent as image/jpeg to an API that takes JPEG is refused for its
// format. An API without body rules costs one nil check.
func (g *Gateway) checkBody(c *Call) error {
	r := c.API.Rules
	if r == nil || r.Body == nil {
		return nil
	}
	req := c.R
	if req.ContentLength == 0 || req.Body == nil || req.Body == http.NoBody {
		if r.Body.Required {
			return errcode.Newf(errcode.ArgumentMissing, "this API requires a body")
		}
		return nil
	}
	if len(r.ContentTypes) > 0 {
		if err := checkContentType(req.Header.Get("Content-Type"), r.ContentTypes); err != nil {
			return err
		}
	}
	if !r.ReadsBody() {
		return nil
	}
	var body []byte
	if bb, ok := req.Body.(*bufferedBody); ok {
		body = bb.b // read whole by the signature check already
	} else {
		var err error
		if body, err = g.readBody(c); err != nil {
			return err
		}
	}
	if len(body) == 0 {
		if r.Body.Required {
			return errcode.Newf(errcode.ArgumentMissing, "this API requires a body")
		}
		return nil
	}
	if im := r.Body.Image; im != nil {
		return checkImage(body, im.Formats, im.MaxPixels)
	}
	return nil
}

// checkContentType refuses a Content-Type that is missing, does not
// parse, or is not one of accepted (lower-case media types, parameters
// ignored) with errcode.BodyTypeUnsupported.
func checkContentType(header string, accepted []string) error {
	mt, _, err := mime.ParseMediaType(header)
	if err != nil {
		return errcode.Newf(errcode.BodyTypeUnsupported, "the body's Content-Type %q is not a media type; this API takes %s", header, strings.Join(accepted, ", "))
	}
	if !slices.Contains(accepted, mt) { // ParseMediaType lowers the case
		return errcode.Newf(errcode.BodyTypeUnsupported, "the body is %s; this API takes %s", mt, strings.Join(accepted, ", "))
	}
	return nil
}

// checkImage checks that body is a picture in one of formats (any of
// jpeg, png and gif when empty) of at most maxPixels pixels (0: any). A
// body that is no picture the gateway knows, or whose header is broken, is
// errcode.ImageUndecodable; a picture of another format
// errcode.BodyTypeUnsupported; one with too many pixels
// errcode.BodyTooLarge.
func checkImage(body []byte, formats []string, maxPixels int64) error {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return errcode.Newf(errcode.ImageUndecodable, "the body is not a picture (jpeg, png or gif)")
		}
		return errcode.Newf(errcode.ImageUndecodable, "the %s picture cannot be decoded: %v", format, err)
	}
	if len(formats) > 0 && !slices.Contains(formats, format) {
		return errcode.Newf(errcode.BodyTypeUnsupported, "the picture is %s; this API takes %s", format, strings.Join(formats, ", "))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return errcode.Newf(errcode.ImageUndecodable, "the %s picture has no pixels (%dx%d)", format, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); maxPixels > 0 && px > maxPixels {
		return errcode.Newf(errcode.BodyTooLarge, "the picture has %dx%d = %d pixels; this API takes at most %d", cfg.Width, cfg.Height, px, maxPixels)
	}
	return nil
}
