package interop

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

const tencentGoModule = "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

// echoRequest is a request type written as the SDK's generator writes
// them (e.g. cvm's DescribeInstancesRequest): the `name` tags become the
// query of a GET and the parameters of a v1 form, the `json` tags the
// body of a TC3 POST. It has a field for every parameter a case sends.
type echoRequest struct {
	*tchttp.BaseRequest
	T    *string `json:"t,omitempty" name:"t"`
	N    *int64  `json:"n,omitempty" name:"n"`
	Q    *string `json:"q,omitempty" name:"q"`
	Name *string `json:"名,omitempty" name:"名"`
	X    *string `json:"x,omitempty" name:"x"`
	A0   *string `json:"a0,omitempty" name:"a0"`
	AC   *string `json:"a:,omitempty" name:"a:"`
	AH   *string `json:"a-,omitempty" name:"a-"`
	AS   *string `json:"a/,omitempty" name:"a/"`
	V    *string `json:"v,omitempty" name:"v"`
	Sp   *string `json:"sp,omitempty" name:"sp"`
	Sp2  *string `json:"sp2,omitempty" name:"sp2"`
	Pl   *string `json:"pl,omitempty" name:"pl"`
}

// set sets the field whose name tag is name.
func (e *echoRequest) set(name string, value any) error {
	v := reflect.ValueOf(e).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Tag.Get("name") != name {
			continue
		}
		f := v.Field(i)
		switch f.Type().Elem().Kind() {
		case reflect.String:
			s := fmt.Sprint(value)
			f.Set(reflect.ValueOf(&s))
		case reflect.Int64:
			n, err := strconv.ParseInt(fmt.Sprint(value), 10, 64)
			if err != nil {
				return err
			}
			f.Set(reflect.ValueOf(&n))
		}
		return nil
	}
	return fmt.Errorf("echoRequest has no field for %q", name)
}

// tencentGo returns the Tencent Cloud Go SDK's client signing with
// signMethod: TC3-HMAC-SHA256, or API 2.0's HmacSHA256 or HmacSHA1.
func tencentGo(signMethod, group string) *client {
	cl := &client{
		name:        "tencentcloud-sdk-go common " + signMethod,
		version:     moduleVersion(tencentGoModule),
		scheme:      group,
		noPostQuery: true,
		formBody:    group == groupTCv1,
		nonce:       group == groupTCv1,
		cannot: map[string]string{
			caseRepeated: "its request types flatten a list to name.0, name.1",
			caseEmpty:    "its request types drop an empty string",
		},
	}
	if group == groupTC3 {
		cl.signs = "content-type;host (with port); canonical URI always `/`; query sorted"
	} else {
		cl.signs = "host (with port), path and every parameter decoded and sorted; form body for POST"
	}
	cl.send = func(g *gateway, grp groupInfo, r request) (string, error) {
		cpf := profile.NewClientProfile()
		cpf.SignMethod = signMethod
		cpf.HttpProfile.Scheme = "HTTP"
		cpf.HttpProfile.Endpoint = g.hostPort(grp.scheme) // path "/"
		cpf.HttpProfile.ReqMethod = r.method
		cpf.HttpProfile.ReqTimeout = 20
		c := common.NewCommonClient(common.NewCredential(g.ak, g.sk), "ap-guangzhou", cpf).
			WithHttpTransport(wireClient(g).Transport)

		req := &echoRequest{BaseRequest: &tchttp.BaseRequest{}}
		req.Init().WithApiInfo("interop", "2017-03-12", "Echo")
		if r.method == "POST" {
			for k, v := range r.body {
				if err := req.set(k, v); err != nil {
					return "", err
				}
			}
		} else {
			for _, p := range r.pairs {
				if err := req.set(p[0], p[1]); err != nil {
					return "", err
				}
			}
		}
		// The SDK expects Tencent's {"Response": …} and reads the
		// backend's echo as no error; the wire has the real answer.
		err := c.Send(req, tchttp.NewCommonResponse())
		if err != nil {
			return err.Error(), nil
		}
		return "ok", nil
	}
	return cl
}
