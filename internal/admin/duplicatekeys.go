package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// duplicateKeys refuses a JSON body in which an object, at any depth,
// has the same key twice. encoding/json would keep the last value, so
// `{"role":"viewer","role":"admin"}` means what the last of two readers
// sees, and a proxy or a log in front of the API may read the first. Keys
// are compared as encoding/json matches them to fields, ignoring case
// (with the Kelvin sign and the long s folded as it folds them): "name"
// and "Name" are the same field to the decoder, so they are a duplicate
// too, as they are in a map of HTTP headers. The body is valid JSON by
// the time this runs.
func duplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return duplicateKeysIn(dec, "")
}

// duplicateKeysIn reads one value from dec, refusing a duplicate key in
// it; path is where the value stands ("params[1].").
func duplicateKeysIn(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return bodyInvalid("malformed JSON: %v", err)
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]string{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return bodyInvalid("malformed JSON: %v", err)
			}
			key, _ := tok.(string)
			folded := foldKey(key)
			if first, ok := seen[folded]; ok {
				detail := fmt.Sprintf("the key %q appears twice in the object", key)
				if first != key {
					detail = fmt.Sprintf("the keys %q and %q are the same field (keys are matched ignoring case)", first, key)
				}
				return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: path + key, Detail: detail}
			}
			seen[folded] = key
			if err := duplicateKeysIn(dec, path+key+"."); err != nil {
				return err
			}
		}
		_, err := dec.Token() // '}'
		return err
	case json.Delim('['):
		prefix := strings.TrimSuffix(path, ".")
		for i := 0; dec.More(); i++ {
			if err := duplicateKeysIn(dec, prefix+"["+strconv.Itoa(i)+"]."); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		return err
	}
	return nil
}

// foldKey is key as encoding/json compares it to a field name: lower case
// after upper case, so that the Kelvin sign meets "k" and the long s "s".
func foldKey(key string) string {
	return strings.ToLower(strings.ToUpper(key))
}
