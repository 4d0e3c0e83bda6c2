package secret

import (
	"strings"
	"testing"
)

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	if !strings.HasPrefix(h, "pbkdf2-sha256$600000$") {
		t.Errorf("hash: got %q, want pbkdf2-sha256 with 600000 iterations", h)
	}
	if strings.Contains(h, "horse") {
		t.Errorf("hash holds the password: %q", h)
	}
	if !CheckPassword(h, "correct horse battery staple") {
		t.Errorf("CheckPassword refused the right password")
	}
	// The rest at a low cost: the cost is a parameter of the hash.
	a, _ := hashPassword("correct horse battery staple", 1000)
	b, _ := hashPassword("correct horse battery staple", 1000)
	if a == b {
		t.Errorf("two hashes of one password are equal; the salt must be random")
	}
	if CheckPassword(a, "correct horse battery stapler") || CheckPassword(a, "") {
		t.Errorf("CheckPassword accepted a wrong password")
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good, err := hashPassword("pw", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(good, "pw") {
		t.Fatalf("CheckPassword refused a hash of 1000 iterations")
	}
	parts := strings.Split(good, "$")
	for _, h := range []string{
		"",
		"pw",
		"bcrypt$1000$" + parts[2] + "$" + parts[3],
		"pbkdf2-sha256$x$" + parts[2] + "$" + parts[3],
		"pbkdf2-sha256$0$" + parts[2] + "$" + parts[3],
		"pbkdf2-sha256$1000$!!$" + parts[3],
		"pbkdf2-sha256$1000$" + parts[2] + "$",
		good + "$extra",
	} {
		if CheckPassword(h, "pw") {
			t.Errorf("CheckPassword(%q) accepted", h)
		}
	}
	if CheckNoPassword("pw") {
		t.Errorf("CheckNoPassword accepted")
	}
}
