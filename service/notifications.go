package service

import (
	"context"

	"livedash"
)

// ListNotifications lists the notifications of p's tenant as read by p, newest first. Any role.
func (s *Service) ListNotifications(ctx context.Context, p livedash.Principal, f livedash.NotificationFilter, opt livedash.ListOptions) (livedash.Page[livedash.Notification], error) {
	if err := canRead(p); err != nil {
		return livedash.Page[livedash.Notification]{}, err
	}
	return s.store.ListNotifications(ctx, p.Tenant, p.UserID, f, opt)
}

// CreateNotification stores n written by p and publishes system_notification on system.{tenant}.
// Admins.
func (s *Service) CreateNotification(ctx context.Context, p livedash.Principal, n livedash.Notification) (livedash.Notification, error) {
	if err := canAdmin(p); err != nil {
		return livedash.Notification{}, err
	}
	n.ID, n.Tenant, n.AuthorID, n.Read, n.ReadAt = "", p.Tenant, p.UserID, false, nil
	if err := n.Validate(); err != nil {
		return livedash.Notification{}, err
	}
	created, err := s.store.CreateNotification(ctx, p.Tenant, n)
	if err != nil {
		return livedash.Notification{}, err
	}
	ev := created
	ev.Read, ev.ReadAt = false, nil // per user; not the author's
	s.publish(ctx, EventSystemNotification, NotificationEvent{Notification: ev}, systemChannel(p.Tenant))
	return created, nil
}

// MarkNotificationRead marks notification id read by p and returns it. Any role.
func (s *Service) MarkNotificationRead(ctx context.Context, p livedash.Principal, id string) (livedash.Notification, error) {
	if err := canRead(p); err != nil {
		return livedash.Notification{}, err
	}
	return s.store.MarkNotificationRead(ctx, p.Tenant, p.UserID, id)
}

// UnreadCount returns how many notifications p has not read. Any role.
func (s *Service) UnreadCount(ctx context.Context, p livedash.Principal) (int64, error) {
	if err := canRead(p); err != nil {
		return 0, err
	}
	return s.store.UnreadNotificationCount(ctx, p.Tenant, p.UserID)
}
