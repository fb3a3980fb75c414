package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"livedash"
)

// notificationSelect reads notifications with the read mark of one user (the first argument).
const notificationSelect = "SELECT n.id, n.tenant, n.author_id, n.title, n.body, n.severity, n.created_at, r.read_at " +
	"FROM notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = ? "

func scanNotification(sc scanner) (livedash.Notification, error) {
	var n livedash.Notification
	var created int64
	var readAt sql.NullInt64
	err := sc.Scan(&n.ID, &n.Tenant, &n.AuthorID, &n.Title, &n.Body, &n.Severity, &created, &readAt)
	n.CreatedAt = fromMS(created)
	n.ReadAt = fromNullMS(readAt)
	n.Read = readAt.Valid
	return n, err
}

// CreateNotification implements livedash.NotificationStore.
func (s *Store) CreateNotification(ctx context.Context, tenant string, n livedash.Notification) (livedash.Notification, error) {
	if err := n.Validate(); err != nil {
		return livedash.Notification{}, err
	}
	if n.AuthorID == "" {
		return livedash.Notification{}, livedash.Errorf(livedash.EBadRequest, "author_id: must not be empty")
	}
	if n.Severity == "" {
		n.Severity = livedash.SeverityInfo
	}
	now := s.nowMS()
	n.ID, n.Tenant, n.CreatedAt, n.Read, n.ReadAt = s.newID(), tenant, fromMS(now), false, nil
	err := s.write(ctx, func(r runner) error {
		if err := requireTenant(ctx, r, tenant); err != nil {
			return err
		}
		_, err := r.exec(ctx, "INSERT INTO notifications (id, tenant, author_id, title, body, severity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			n.ID, tenant, n.AuthorID, n.Title, n.Body, n.Severity, now)
		return err
	})
	if err != nil {
		return livedash.Notification{}, fail("create notification", err)
	}
	return n, nil
}

// Notification implements livedash.NotificationStore.
func (s *Store) Notification(ctx context.Context, tenant, userID, id string) (livedash.Notification, error) {
	n, err := scanNotification(s.read().queryRow(ctx, notificationSelect+"WHERE n.tenant = ? AND n.id = ?", userID, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, notFound("notification", id)
	}
	return n, fail("notification", err)
}

// ListNotifications implements livedash.NotificationStore.
func (s *Store) ListNotifications(ctx context.Context, tenant, userID string, f livedash.NotificationFilter, opt livedash.ListOptions) (livedash.Page[livedash.Notification], error) {
	var none livedash.Page[livedash.Notification]
	lq, err := newListQuery(opt)
	if err != nil {
		return none, err
	}
	q := notificationSelect + "WHERE n.tenant = ?"
	args := []any{userID, tenant}
	if lq.after != "" {
		q += " AND n.id < ?"
		args = append(args, lq.after)
	}
	if f.UnreadOnly {
		q += " AND r.read_at IS NULL"
	}
	q += " ORDER BY n.id DESC LIMIT ?"
	args = append(args, lq.limit+1)
	rows, err := s.read().query(ctx, q, args...)
	if err != nil {
		return none, fail("list notifications", err)
	}
	defer rows.Close()
	var out []livedash.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return none, fail("list notifications", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return none, fail("list notifications", err)
	}
	return page(out, lq.limit, func(n livedash.Notification) string { return n.ID }), nil
}

// MarkNotificationRead implements livedash.NotificationStore.
func (s *Store) MarkNotificationRead(ctx context.Context, tenant, userID, id string) (livedash.Notification, error) {
	if userID == "" {
		return livedash.Notification{}, livedash.Errorf(livedash.EBadRequest, "user: must not be empty")
	}
	err := s.write(ctx, func(r runner) error {
		var one int
		err := r.queryRow(ctx, "SELECT 1 FROM notifications WHERE tenant = ? AND id = ?", tenant, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("notification", id)
		}
		if err != nil {
			return err
		}
		_, err = r.exec(ctx, "INSERT INTO notification_reads (notification_id, user_id, tenant, read_at) VALUES (?, ?, ?, ?)"+
			s.d.onConflict([]string{"notification_id", "user_id"}), id, userID, tenant, s.nowMS())
		return err
	})
	if err != nil {
		return livedash.Notification{}, fail("mark notification read", err)
	}
	return s.Notification(ctx, tenant, userID, id)
}

// unreadWhere selects the notifications of a tenant (first argument) a user (second) has not read.
const unreadWhere = "WHERE n.tenant = ? AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = ?)"

// MarkAllNotificationsRead implements livedash.NotificationStore.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, tenant, userID string) (int64, error) {
	if userID == "" {
		return 0, livedash.Errorf(livedash.EBadRequest, "user: must not be empty")
	}
	var n int64
	err := s.write(ctx, func(r runner) error {
		var err error
		n, err = rowsAffected(r.exec(ctx, "INSERT INTO notification_reads (notification_id, user_id, tenant, read_at) SELECT n.id, ?, n.tenant, ? FROM notifications n "+unreadWhere,
			userID, s.nowMS(), tenant, userID))
		return err
	})
	return n, fail("mark all notifications read", err)
}

// UnreadNotificationCount implements livedash.NotificationStore.
func (s *Store) UnreadNotificationCount(ctx context.Context, tenant, userID string) (int64, error) {
	var n int64
	err := s.read().queryRow(ctx, "SELECT COUNT(*) FROM notifications n "+unreadWhere, tenant, userID).Scan(&n)
	return n, fail("unread notification count", err)
}

// DeleteNotification implements livedash.NotificationStore.
func (s *Store) DeleteNotification(ctx context.Context, tenant, id string) error {
	err := s.write(ctx, func(r runner) error {
		n, err := rowsAffected(r.exec(ctx, "DELETE FROM notifications WHERE tenant = ? AND id = ?", tenant, id))
		if err == nil && n == 0 {
			return notFound("notification", id)
		}
		return err
	})
	return fail("delete notification", err)
}
