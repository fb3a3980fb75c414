package sqlstore

import (
	"testing"

	"livedash"
)

func TestNotifications(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		admin := newUser(t, s, tn, "admin", livedash.RoleAdmin)
		ann, bob := newUser(t, s, tn, "ann"), "bob-from-a-token" // read marks need no stored user

		n1 := must[livedash.Notification](t)(s.CreateNotification(ctxT, tn, livedash.Notification{AuthorID: admin.ID, Title: "Maintenance", Body: "Sunday 02:00 UTC", Severity: livedash.SeverityWarning}))
		n2 := must[livedash.Notification](t)(s.CreateNotification(ctxT, tn, livedash.Notification{AuthorID: admin.ID, Title: "Welcome"}))
		if n2.Severity != livedash.SeverityInfo || n2.Read || n1.Tenant != tn {
			t.Fatalf("created %+v", n2)
		}
		for _, bad := range []livedash.Notification{{AuthorID: admin.ID}, {AuthorID: admin.ID, Title: "x", Severity: "loud"}, {Title: "x"}} {
			_, err := s.CreateNotification(ctxT, tn, bad)
			wantCode(t, err, livedash.EBadRequest)
		}

		unread := func(user string) int64 {
			t.Helper()
			return must[int64](t)(s.UnreadNotificationCount(ctxT, tn, user))
		}
		list := func(user string, f livedash.NotificationFilter) []livedash.Notification {
			t.Helper()
			return must[livedash.Page[livedash.Notification]](t)(s.ListNotifications(ctxT, tn, user, f, livedash.ListOptions{})).Items
		}
		if unread(ann.ID) != 2 || unread(bob) != 2 {
			t.Fatalf("unread = %d, %d", unread(ann.ID), unread(bob))
		}
		if got := list(ann.ID, livedash.NotificationFilter{}); len(got) != 2 || got[0].ID != n2.ID || got[1].ID != n1.ID || got[1].Body != "Sunday 02:00 UTC" {
			t.Fatalf("ListNotifications = %+v", got)
		}

		read := must[livedash.Notification](t)(s.MarkNotificationRead(ctxT, tn, ann.ID, n1.ID))
		if !read.Read || read.ReadAt == nil {
			t.Errorf("marked %+v", read)
		}
		again := must[livedash.Notification](t)(s.MarkNotificationRead(ctxT, tn, ann.ID, n1.ID)) // idempotent
		if !again.ReadAt.Equal(*read.ReadAt) {
			t.Errorf("second mark moved read_at: %v → %v", read.ReadAt, again.ReadAt)
		}
		_, err := s.MarkNotificationRead(ctxT, tn, ann.ID, "nope")
		wantCode(t, err, livedash.ENotFound)
		if unread(ann.ID) != 1 || unread(bob) != 2 {
			t.Errorf("unread after one mark = %d, %d", unread(ann.ID), unread(bob))
		}
		if got := must[livedash.Notification](t)(s.Notification(ctxT, tn, bob, n1.ID)); got.Read {
			t.Error("ann's read mark shows for bob")
		}
		if got := list(ann.ID, livedash.NotificationFilter{UnreadOnly: true}); len(got) != 1 || got[0].ID != n2.ID {
			t.Errorf("ann's unread = %+v", got)
		}

		if n := must[int64](t)(s.MarkAllNotificationsRead(ctxT, tn, bob)); n != 2 {
			t.Errorf("MarkAll marked %d, want 2", n)
		}
		if n := must[int64](t)(s.MarkAllNotificationsRead(ctxT, tn, bob)); n != 0 {
			t.Errorf("MarkAll again marked %d, want 0", n)
		}
		if unread(bob) != 0 || unread(ann.ID) != 1 {
			t.Errorf("unread after mark all = %d, %d", unread(bob), unread(ann.ID))
		}
		_, err = s.MarkAllNotificationsRead(ctxT, tn, "")
		wantCode(t, err, livedash.EBadRequest)

		ok(t, s.DeleteNotification(ctxT, tn, n2.ID))
		wantCode(t, s.DeleteNotification(ctxT, tn, n2.ID), livedash.ENotFound)
		_, err = s.Notification(ctxT, tn, ann.ID, n2.ID)
		wantCode(t, err, livedash.ENotFound)
		if unread(ann.ID) != 0 {
			t.Errorf("unread after delete = %d", unread(ann.ID))
		}
	})
}
