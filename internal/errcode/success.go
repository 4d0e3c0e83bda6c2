package errcode

import "encoding/json"

// The entries that name a success in a dialect's success envelope.
var (
	marketSuccess  = mustEntry(FamilyMarket, "10000", 200)
	jdcloudSuccess = mustEntry(FamilyConsole, "APIGATEWAY_SUCCESS", 200)
)

// MarketSuccess returns the market entry that wraps a successful answer
// (code 10000) in the market dialect.
func MarketSuccess() Entry { return *marketSuccess }

// jdcloudSuccessBody is the jdcloud success envelope: the error
// envelope's request id, with the console's success code and message in
// place of the error, and the answer as its result.
type jdcloudSuccessBody struct {
	RequestID string          `json:"requestId"`
	Status    string          `json:"status"`
	Message   string          `json:"message"`
	Result    json.RawMessage `json:"result,omitempty"`
}

// Success wraps result, the JSON of a successful answer (nil for an
// answer without a body), in the success envelope of dialect d, and
// reports false for a dialect whose successes have none: zenith and
// tencent answer a success with the result alone. The jdcloud envelope
// names the console's APIGATEWAY_SUCCESS, the market's its 10000; both
// carry the request id as their error envelopes do.
func Success(d Dialect, lang Lang, requestID string, result json.RawMessage) ([]byte, bool) {
	var body any
	switch d {
	case DialectJDCloud:
		body = jdcloudSuccessBody{RequestID: requestID, Status: jdcloudSuccess.Code, Message: jdcloudSuccess.Message.In(lang), Result: result}
	case DialectMarket:
		var r any
		if result != nil {
			r = result
		}
		body = marketBody{Code: marketSuccess.Code, Msg: marketSuccess.Message.In(lang), Result: r, RequestID: requestID}
	default:
		return nil, false
	}
	b, _ := json.Marshal(body)
	return append(b, '\n'), true
}
