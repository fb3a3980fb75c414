package httpapi

import (
	"net/http"

	"livedash"
)

type notificationRequest struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Severity string `json:"severity"`
}

func handleNotificationList(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opt, err := listOptions(r)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		var f livedash.NotificationFilter
		if f.UnreadOnly, err = boolParam(r, "unread"); err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		page, err := d.Service.ListNotifications(r.Context(), principalOf(r), f, opt)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusOK, pageOf(page))
	})
}

func handleNotificationCreate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[notificationRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		n, err := d.Service.CreateNotification(r.Context(), principalOf(r), livedash.Notification{
			Title: req.Title, Body: req.Body, Severity: req.Severity,
		})
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusCreated, n)
	})
}

func handleNotificationRead(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := d.Service.MarkNotificationRead(r.Context(), principalOf(r), r.PathValue("id"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusOK, n)
	})
}
