package sandbox

import (
	"net/http"
	"strings"
)

// huawei rejects unauthenticated requests the way Huawei Cloud's gateway
// does. Both documented styles pass: an AK/SK signature (Authorization:
// SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=... with
// X-Sdk-Date) and an IAM token (X-Auth-Token).
func huawei(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if msg := huaweiAuthProblem(r); msg != "" {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information: " + msg})
			return
		}
		next(w, r)
	}
}

func huaweiAuthProblem(r *http.Request) string {
	if strings.TrimSpace(r.Header.Get("X-Auth-Token")) != "" {
		return ""
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "no X-Auth-Token and no AK/SK signature"
	}
	if !strings.HasPrefix(auth, "SDK-HMAC-") {
		return "unsupported Authorization scheme"
	}
	for _, part := range []string{"Access=", "SignedHeaders=", "Signature="} {
		if !strings.Contains(auth, part) {
			return "the signature lacks " + strings.TrimSuffix(part, "=")
		}
	}
	if r.Header.Get("X-Sdk-Date") == "" {
		return "a signed request needs X-Sdk-Date"
	}
	return ""
}
