package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/sangathan/sangathan/api"
)

// cmdOpenAPI writes the OpenAPI document exactly as the server serves it at
// /api/v1/openapi.json (for linters and client generators); it needs no database.
func cmdOpenAPI(ctx context.Context, args []string, out io.Writer) error {
	if len(args) != 0 {
		return fmt.Errorf("%w: openapi takes no arguments", errUsage)
	}
	srv, err := api.New(api.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("openapi: the router answered %d", rec.Code)
	}
	_, err = out.Write(rec.Body.Bytes())
	return err
}
