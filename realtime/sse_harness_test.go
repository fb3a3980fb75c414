package realtime

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sseEvent is one parsed item of an event stream: an event, a comment or a retry.
type sseItem struct {
	ID, Event, Data string
	Comment         string
	Retry           int
}

// sseStream reads a real event stream line by line, as EventSource would parse it.
type sseStream struct {
	t     *testing.T
	resp  *http.Response
	items chan sseItem
	done  chan struct{}
}

func (e *env) sse(query string, header http.Header) (*sseStream, *http.Response) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/dashboard/sse?"+query, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		return nil, resp
	}
	s := &sseStream{t: e.t, resp: resp, items: make(chan sseItem, 4096), done: make(chan struct{})}
	go s.read()
	e.t.Cleanup(s.close)
	return s, resp
}

func (s *sseStream) read() {
	defer close(s.items)
	br := bufio.NewReader(s.resp.Body)
	var cur sseItem
	var data []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch {
		case line == "":
			if cur.Event != "" || len(data) > 0 {
				cur.Data = strings.Join(data, "\n")
				if cur.Event == "" {
					cur.Event = "message"
				}
				s.push(cur)
			}
			cur, data = sseItem{}, nil
		case field == "":
			s.push(sseItem{Comment: value})
		case field == "retry":
			n, _ := strconv.Atoi(value)
			s.push(sseItem{Retry: n})
		case field == "id":
			cur.ID = value
		case field == "event":
			cur.Event = value
		case field == "data":
			data = append(data, value)
		}
	}
}

func (s *sseStream) push(it sseItem) {
	select {
	case s.items <- it:
	case <-s.done:
	}
}

func (s *sseStream) close() {
	select {
	case <-s.done:
	default:
		close(s.done)
		s.resp.Body.Close()
	}
}

// next returns the next item; ok is false when the stream ended.
func (s *sseStream) next(timeout time.Duration) (sseItem, bool) {
	s.t.Helper()
	select {
	case it, ok := <-s.items:
		return it, ok
	case <-time.After(timeout):
		s.t.Fatalf("sse: nothing within %v", timeout)
		return sseItem{}, false
	}
}

// event returns the next event, skipping comments and retry.
func (s *sseStream) event(timeout time.Duration) (sseItem, bool) {
	s.t.Helper()
	for {
		it, ok := s.next(timeout)
		if !ok || it.Event != "" {
			return it, ok
		}
	}
}

func (e *env) publishN(t *testing.T, channel string, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if _, err := e.hub.Publish(context.Background(), channel, "tick", i); err != nil {
			t.Fatal(err)
		}
	}
}
