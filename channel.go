package livedash

import "strings"

// Channel kinds. A channel name is "kind.scope"; the global channel has no scope.
const (
	KindDashboard     = "dashboard"     // dashboard.{user}
	KindAlerts        = "alerts"        // alerts.{user}
	KindNotifications = "notifications" // notifications.{user}
	KindMetrics       = "metrics"       // metrics.{tenant}
	KindSystem        = "system"        // system.{tenant}
	KindProject       = "project"       // project.{project}
	KindBoard         = "board"         // board.{dashboard}
	KindUser          = "user"          // user.{user}: implicit, direct messages
	KindTenant        = "tenant"        // tenant.{tenant}: implicit, tenant-wide broadcasts
	KindGlobal        = "global"        // global: implicit, broadcasts to everyone
)

// ChannelGlobal is the channel every connection is subscribed to.
const ChannelGlobal = KindGlobal

// SplitChannel splits "kind.scope" into its parts; scope is everything after the first dot.
func SplitChannel(channel string) (kind, scope string) {
	kind, scope, _ = strings.Cut(channel, ".")
	return kind, scope
}

// UserChannel is the implicit direct-message channel of a user.
func UserChannel(userID string) string { return KindUser + "." + userID }

// TenantChannel is the implicit channel of every connection of a tenant.
func TenantChannel(tenant string) string { return KindTenant + "." + tenant }
