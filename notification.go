package livedash

import (
	"context"
	"time"
)

// Notification is a system message a tenant admin writes to every user of the tenant. Read and
// ReadAt are per user: they describe the user the notification was read for.
type Notification struct {
	ID        string     `json:"id"`
	Tenant    string     `json:"tenant"`
	AuthorID  string     `json:"author_id"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Severity  string     `json:"severity"` // one of Severities; SeverityInfo when empty on create
	CreatedAt time.Time  `json:"created_at"`
	Read      bool       `json:"read"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// Validate checks title, body and severity (empty is allowed and means info).
func (n Notification) Validate() error {
	if err := checkName("title", n.Title, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("body", n.Body, MaxBodyLen); err != nil {
		return err
	}
	if n.Severity != "" {
		return oneOf("severity", n.Severity, Severities)
	}
	return nil
}

// NotificationFilter narrows ListNotifications.
type NotificationFilter struct {
	UnreadOnly bool
}

// NotificationStore keeps system notifications and, per user, which of them were read. The userID
// of the read methods is the caller; it need not be a stored user (tokens may name others).
type NotificationStore interface {
	// CreateNotification stores n (AuthorID is the writing admin).
	CreateNotification(ctx context.Context, tenant string, n Notification) (Notification, error)
	// Notification returns notification id as seen by userID; ENotFound if there is none.
	Notification(ctx context.Context, tenant, userID, id string) (Notification, error)
	// ListNotifications lists notifications as seen by userID, newest first.
	ListNotifications(ctx context.Context, tenant, userID string, f NotificationFilter, opt ListOptions) (Page[Notification], error)
	// MarkNotificationRead marks notification id read by userID (no-op if it was) and returns it.
	MarkNotificationRead(ctx context.Context, tenant, userID, id string) (Notification, error)
	// MarkAllNotificationsRead marks every notification of tenant read by userID and returns how
	// many were unread.
	MarkAllNotificationsRead(ctx context.Context, tenant, userID string) (int64, error)
	// UnreadNotificationCount returns how many notifications userID has not read.
	UnreadNotificationCount(ctx context.Context, tenant, userID string) (int64, error)
	// DeleteNotification deletes notification id and its read marks.
	DeleteNotification(ctx context.Context, tenant, id string) error
}
