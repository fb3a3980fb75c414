package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWriteErrorClientCanceled(t *testing.T) {
	tests := []struct {
		name       string
		cancel     bool
		err        error
		wantStatus int
		wantLogged bool
	}{
		{"client went away", true, fmt.Errorf("query series: %w", context.Canceled), statusClientClosedRequest, false},
		// context.Canceled from something else while the client still waits is a real failure.
		{"canceled inside, client still there", false, fmt.Errorf("query series: %w", context.Canceled), http.StatusInternalServerError, true},
		{"other failure", true, fmt.Errorf("disk on fire"), http.StatusInternalServerError, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v1/metrics/x/series", nil)
			w := httptest.NewRecorder()
			writeError(w, r, log, tt.err)
			if w.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if got := strings.Contains(logs.String(), "level=ERROR"); got != tt.wantLogged {
				t.Errorf("logged an error: %v, want %v (%q)", got, tt.wantLogged, logs.String())
			}
		})
	}
}
