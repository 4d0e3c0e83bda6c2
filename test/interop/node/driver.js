#!/usr/bin/env node
// driver.js signs and sends one request with a vendor's own Node.js SDK,
// for Tollgate's interop suite (test/interop). It reads a JSON description
// of the request on stdin:
//
//   {"client": "jdcloud-sdk-js" | "tencentcloud-sdk-nodejs-common",
//    "signMethod": "TC3-HMAC-SHA256" | "HmacSHA256" | "HmacSHA1",  (Tencent)
//    "method": "GET" | "POST", "host": "name:port", "path": "/p",
//    "query": [["name", "value"], ...], "body": {...} | null,
//    "ak": "...", "sk": "...", "region": "...", "service": "..."}
//
// and prints one JSON line: {"status": N, "body": "..."} as the SDK saw the
// answer, or {"error": "..."} when the SDK gave none. `node driver.js
// --versions` prints the versions of Node.js and of both SDKs instead.
//
// The request goes through the SDK's own request code: a service class
// written the way jdcloud-sdk-js's generator writes them, calling
// Service.makeRequest; Tencent's CommonClient.request. Only the connection
// is steered: every *.localhost name is dialled on 127.0.0.1 (Node's
// resolver does not resolve them), and no proxy from the environment is
// used, since the gateway under test listens on the loopback interface.
'use strict'

const http = require('http')
const dns = require('dns')

for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) {
  delete process.env[name]
}

function loopbackLookup (hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options
    options = {}
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options && options.all) {
      return process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }])
    }
    return process.nextTick(callback, null, '127.0.0.1', 4)
  }
  return dns.lookup(hostname, options, callback)
}

// Both SDKs send through node-fetch without an agent of their own, so the
// global agent is the one that connects.
http.globalAgent = new http.Agent({ keepAlive: false, lookup: loopbackLookup })

function version (pkg) {
  return require(pkg + '/package.json').version
}

// pairsToObject turns [name, value] pairs into the object both SDKs take,
// a repeated name becoming an array, in the order first seen.
function pairsToObject (pairs) {
  const out = {}
  for (const [name, value] of pairs || []) {
    if (Object.prototype.hasOwnProperty.call(out, name)) {
      out[name] = [].concat(out[name], value)
    } else {
      out[name] = value
    }
  }
  return out
}

async function jdcloud (req) {
  const JDCloud = require('jdcloud-sdk-js')
  JDCloud.config.logger = (s) => process.stderr.write(String(s) + '\n')

  // Interop is written as jdcloud-sdk-js's generator writes a service
  // (src/repo/*/v1/*.js): a default endpoint, a base path, makeRequest.
  class Interop extends JDCloud.Service {
    constructor (options = {}) {
      options._defaultEndpoint = { protocol: 'http', host: options.host }
      options.basePath = ''
      super(req.service, options)
    }

    call (method, path, query, body) {
      return super.makeRequest(path, method, { regionId: this.config.regionId }, query,
        {}, {}, body, ['application/json'], ['application/json'], null)
    }
  }

  const client = new Interop({
    credentials: { accessKeyId: req.ak, secretAccessKey: req.sk },
    regionId: req.region,
    host: req.host
  })
  try {
    const result = await client.call(req.method, req.path, pairsToObject(req.query), req.body)
    const res = result.responseObj
    delete result.responseObj
    return { status: res.status, body: JSON.stringify(result) }
  } catch (e) {
    if (e && e.responseObj) {
      const res = e.responseObj
      delete e.responseObj
      return { status: res.status, body: JSON.stringify(e) }
    }
    throw e
  }
}

async function tencent (req) {
  const { CommonClient } = require('tencentcloud-sdk-nodejs-common')
  const client = new CommonClient(req.host, '2017-03-12', {
    credential: { secretId: req.ak, secretKey: req.sk },
    region: req.region,
    profile: {
      signMethod: req.signMethod,
      httpProfile: { protocol: 'http://', reqMethod: req.method, reqTimeout: 20 }
    }
  })
  // The client posts to "/" (Tencent's APIs all live there); a gateway
  // API may live elsewhere.
  client.path = req.path
  const params = req.method === 'POST' && req.body ? req.body : pairsToObject(req.query)
  try {
    const data = await client.request('Echo', params)
    return { status: 200, body: JSON.stringify(data) }
  } catch (e) {
    // The SDK keeps the HTTP status of a refusal but not its body.
    if (e && e.httpCode) return { status: e.httpCode, body: e.message || '' }
    throw e
  }
}

async function main () {
  if (process.argv[2] === '--versions') {
    process.stdout.write(JSON.stringify({
      node: process.version,
      'jdcloud-sdk-js': version('jdcloud-sdk-js'),
      'tencentcloud-sdk-nodejs-common': version('tencentcloud-sdk-nodejs-common')
    }) + '\n')
    return
  }
  let input = ''
  for await (const chunk of process.stdin) input += chunk
  const req = JSON.parse(input)
  let out
  try {
    if (req.client === 'jdcloud-sdk-js') {
      out = await jdcloud(req)
    } else if (req.client === 'tencentcloud-sdk-nodejs-common') {
      out = await tencent(req)
    } else {
      throw new Error('unknown client ' + req.client)
    }
  } catch (e) {
    out = { error: String((e && (e.stack || e.message)) || e) }
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}

main()
