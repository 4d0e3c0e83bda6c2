package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// nodeDir holds the Node.js driver, its package.json and the committed
// package-lock.json; node_modules is installed there and ignored by git.
const nodeDir = "node"

var (
	nodeOnce     sync.Once
	nodeErr      error
	nodeVersions map[string]string
)

// setupNode installs the Node.js SDKs with `npm ci` when node_modules is
// missing (the lock file pins every version) and reads their versions.
// Without node on PATH the Node.js clients are skipped, loudly; any other
// failure fails the test.
func setupNode(t *testing.T) (ok bool) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		fmt.Fprintln(os.Stderr, "WARNING: test/interop: node is not on PATH: JD Cloud's and Tencent Cloud's Node.js SDKs are NOT tried")
		t.Log("node is not on PATH: the Node.js SDKs are not tried")
		return false
	}
	nodeOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", ".package-lock.json")); err != nil {
			if _, err := exec.LookPath("npm"); err != nil {
				nodeErr = fmt.Errorf("node_modules is missing and npm is not on PATH")
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
			cmd.Dir = nodeDir
			if out, err := cmd.CombinedOutput(); err != nil {
				nodeErr = fmt.Errorf("npm ci: %v\n%s", err, out)
				return
			}
		}
		out, err := exec.Command("node", filepath.Join(nodeDir, "driver.js"), "--versions").Output()
		if err != nil {
			nodeErr = fmt.Errorf("driver.js --versions: %v", err)
			return
		}
		nodeErr = json.Unmarshal(out, &nodeVersions)
	})
	if nodeErr != nil {
		t.Fatalf("Node.js SDKs: %v", nodeErr)
	}
	return true
}

// nodeRequest is the driver's input (see driver.js).
type nodeRequest struct {
	Client     string         `json:"client"`
	SignMethod string         `json:"signMethod,omitempty"`
	Method     string         `json:"method"`
	Host       string         `json:"host"`
	Path       string         `json:"path"`
	Query      [][2]string    `json:"query"`
	Body       map[string]any `json:"body"`
	AK         string         `json:"ak"`
	SK         string         `json:"sk"`
	Region     string         `json:"region"`
	Service    string         `json:"service"`
}

// runDriver runs driver.js with in on stdin and returns what it printed.
func runDriver(in nodeRequest) (string, error) {
	j, _ := json.Marshal(in)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(nodeDir, "driver.js"))
	cmd.Stdin = bytes.NewReader(j)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("driver.js: %v: %s", err, stderr.Bytes())
	}
	return string(bytes.TrimSpace(out)), nil
}

// jdcloudJS is JD Cloud's Node.js SDK, jdcloud-sdk-js: a service class
// as its generator writes them, Service.makeRequest, its SignerV2.
func jdcloudJS() *client {
	return &client{
		name:    "jdcloud-sdk-js",
		version: nodeVersions["jdcloud-sdk-js"],
		scheme:  groupJD2,
		signs:   "every header but user-agent (accept, content-type, host with port, x-jdcloud-*); query names sorted decoded, then encoded",
		nonce:   true,
		send: func(g *gateway, grp groupInfo, r request) (string, error) {
			return runDriver(nodeRequest{Client: "jdcloud-sdk-js", Method: r.method, Host: g.hostPort(grp.scheme),
				Path: callPath(grp), Query: r.pairs, Body: r.body, AK: g.ak, SK: g.sk, Region: region, Service: service})
		},
	}
}

// tencentNode is Tencent Cloud's Node.js SDK, tencentcloud-sdk-nodejs-common:
// CommonClient.request, signing with signMethod.
func tencentNode(signMethod, group string) *client {
	cl := &client{
		name:        "tencentcloud-sdk-nodejs-common " + signMethod,
		version:     nodeVersions["tencentcloud-sdk-nodejs-common"],
		scheme:      group,
		noPostQuery: true,
		formBody:    group == groupTCv1,
		nonce:       group == groupTCv1,
		cannot: map[string]string{
			caseRepeated: "it flattens a list to name.0, name.1",
		},
	}
	if group == groupTC3 {
		cl.signs = "content-type;host, the host without its port; path and query as sent; service = first label of the host"
	} else {
		cl.signs = "host (with port), path and every parameter decoded and sorted; form body for POST"
	}
	cl.send = func(g *gateway, grp groupInfo, r request) (string, error) {
		return runDriver(nodeRequest{Client: "tencentcloud-sdk-nodejs-common", SignMethod: signMethod, Method: r.method,
			Host: g.hostPort(grp.scheme), Path: callPath(grp), Query: r.pairs, Body: r.body, AK: g.ak, SK: g.sk,
			Region: "ap-guangzhou", Service: "interop"})
	}
	return cl
}
