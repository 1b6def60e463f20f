package api_test

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/contract"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

func TestMain(m *testing.M) {
	// Every exchange of every API test is checked against the spec the
	// server serves (contract_test.go says what a mismatch is).
	spec, err := os.ReadFile("openapi.yaml")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	checker, err := contract.New(spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	teststack.Contract = func(req *http.Request, body []byte, resp *teststack.Response) error {
		return checker.Check(req, body, resp.Status, resp.Header, resp.Body)
	}
	os.Exit(testenv.Main(m))
}
