package gateway

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// botocorePresign is run by python3 with the gateway's origin, the
// access key and the secret as arguments. It prints two URLs made by
// botocore's generate_presigned_url: an S3 GetObject (path style,
// UNSIGNED-PAYLOAD) and an STS GetCallerIdentity as GET (the hash of an
// empty body, the form of every service but S3), both valid for 300 s.
const botocorePresign = `
import sys
import botocore.session
from botocore.config import Config
origin, ak, sk = sys.argv[1], sys.argv[2], sys.argv[3]
session = botocore.session.get_session()
s3 = session.create_client("s3", region_name="cn-north-1", endpoint_url=origin,
    aws_access_key_id=ak, aws_secret_access_key=sk,
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
print(s3.generate_presigned_url("get_object", Params={"Bucket": "users", "Key": "7"}, ExpiresIn=300))
sts = session.create_client("sts", region_name="cn-north-1", endpoint_url=origin + "/echo",
    aws_access_key_id=ak, aws_secret_access_key=sk)
print(sts.generate_presigned_url("get_caller_identity", ExpiresIn=300, HttpMethod="GET"))
`

// TestPresignedURLBotocore has botocore make presigned URLs for a real
// gateway and fetches them. It needs python3 with botocore (Debian:
// apt-get install -y python3-botocore) and is skipped without it. The
// gateway runs on the wall clock here, since botocore signs with it.
func TestPresignedURLBotocore(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	if out, err := exec.Command(python, "-c", "import botocore").CombinedOutput(); err != nil {
		t.Skipf("botocore is not importable (apt-get install -y python3-botocore): %v: %s", err, out)
	}
	h := newPresignHarness(t, time.Now)
	for _, tc := range []struct{ service, host string }{{"s3", hostJD}, {"sts", hostTCAWS}} {
		// botocore scopes each URL to its own service; none of these
		// groups pins one.
		out, err := exec.Command(python, "-c", botocorePresign, h.origin(tc.host), "AK", secretAK).Output()
		if err != nil {
			t.Fatalf("botocore: %v", err)
		}
		urls := strings.Fields(string(out))
		if len(urls) != 2 {
			t.Fatalf("botocore printed %q", out)
		}
		u := urls[0]
		if tc.service == "sts" {
			u = urls[1]
		}
		if !strings.Contains(u, "X-Amz-Signature=") || !strings.Contains(u, "X-Amz-Expires=300") {
			t.Fatalf("%s: not a presigned URL: %s", tc.service, u)
		}
		resp := h.send("GET", u, "")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s: %d %s", tc.service, u, resp.StatusCode, resp.body)
		}
		wantNoPresignParams(t, resp.echoed(t), queryWithoutPresign(u))
		// A byte changed in the signature is the dialect's mismatch.
		i := strings.Index(u, "X-Amz-Signature=") + len("X-Amz-Signature=")
		bad := u[:i] + flipHex(u[i:], 0)
		want := map[string]string{hostJD: "APIGW_SIGN_RESULT_NOT_SAME", hostTCAWS: "4100"}[tc.host]
		if resp := h.send("GET", bad, ""); resp.StatusCode != 401 || resp.code() != want {
			t.Errorf("%s, signature changed: %d %s, want %s", tc.service, resp.StatusCode, resp.body, want)
		}
	}
}
