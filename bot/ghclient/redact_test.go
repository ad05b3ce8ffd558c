package ghclient

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.github.com/", "https://api.github.com/"},
		{"", ""},
		{"https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3/"},
		{"https://tiergate:s3cret@ghe.example.com/api/v3/", "https://tiergate:xxxxx@ghe.example.com/api/v3/"},
		{"postgres://tiergate:s3cret@db:5432/tiergate?sslmode=require", "postgres://tiergate:xxxxx@db:5432/tiergate?sslmode=require"},
		{"https://user-only@ghe.example.com/", "https://user-only@ghe.example.com/"},
		// Does not parse (bad port, bad escape): the whole userinfo goes.
		{"https://tiergate:s3cret@ghe.example.com:port/api/v3/", "https://xxxxx@ghe.example.com:port/api/v3/"},
		{"https://tiergate:s3%zzcret@ghe.example.com/", "https://xxxxx@ghe.example.com/"},
		{"not a url", "not a url"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestNewHidesURLPassword: a password inside the API URL is not quoted in
// New's error.
func TestNewHidesURLPassword(t *testing.T) {
	const password = "hunter2-in-url"
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	_, err = New(Options{AppID: 1, PrivateKey: pkcs1, APIURL: "//tiergate:" + password + "@ghe.example.com/"})
	if err != nil && strings.Contains(err.Error(), password) {
		t.Errorf("New error quotes the URL's password: %v", err)
	}
}
