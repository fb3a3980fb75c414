package collector

import "livedash"

// Metric codes produced by the collector. They are a public contract (docs/metrics.md): once
// released they change only by adding. Every point carries the label "host"; the label named in a
// comment is added on the per-object series of the same code.
const (
	CodeCPUPercent     = "host.cpu.percent"      // busy share of all cores; no other label
	CodeCPUCorePercent = "host.cpu.core.percent" // {cpu}
	CodeCPUCount       = "host.cpu.count"

	CodeLoad1  = "host.load.1"
	CodeLoad5  = "host.load.5"
	CodeLoad15 = "host.load.15"

	CodeMemTotal       = "host.mem.total_bytes"
	CodeMemUsed        = "host.mem.used_bytes"
	CodeMemAvailable   = "host.mem.available_bytes"
	CodeMemFree        = "host.mem.free_bytes"
	CodeMemCached      = "host.mem.cached_bytes"
	CodeMemUsedPercent = "host.mem.used_percent"
	CodeSwapTotal      = "host.swap.total_bytes"
	CodeSwapUsed       = "host.swap.used_bytes"

	CodeNetRxBytes   = "host.net.rx_bytes_per_s"   // total without lo; {iface}
	CodeNetTxBytes   = "host.net.tx_bytes_per_s"   // total without lo; {iface}
	CodeNetRxPackets = "host.net.rx_packets_per_s" // total without lo; {iface}
	CodeNetTxPackets = "host.net.tx_packets_per_s" // total without lo; {iface}
	CodeNetRxErrors  = "host.net.rx_errors_per_s"  // total without lo; {iface}
	CodeNetTxErrors  = "host.net.tx_errors_per_s"  // total without lo; {iface}

	CodeDiskReadBytes  = "host.disk.read_bytes_per_s"  // total of physical disks; {disk}
	CodeDiskWriteBytes = "host.disk.write_bytes_per_s" // total of physical disks; {disk}
	CodeDiskReadOps    = "host.disk.read_ops_per_s"    // total of physical disks; {disk}
	CodeDiskWriteOps   = "host.disk.write_ops_per_s"   // total of physical disks; {disk}
	CodeDiskBusy       = "host.disk.busy_percent"      // {disk} only

	CodeFSTotal       = "host.fs.total_bytes"     // {mount}
	CodeFSUsed        = "host.fs.used_bytes"      // {mount}
	CodeFSAvailable   = "host.fs.available_bytes" // {mount}
	CodeFSUsedPercent = "host.fs.used_percent"    // {mount}

	CodeProcsCount   = "host.procs.count"
	CodeProcsRunning = "host.procs.running"
	CodeProcsBlocked = "host.procs.blocked"
	CodeThreadsCount = "host.threads.count"

	CodeGoroutines = "livedash.goroutines"
	CodeHeapBytes  = "livedash.heap_bytes"
	CodeSelfCPU    = "livedash.cpu.percent" // percent of ONE core (100 = one full core)
	// CodeConnections and CodeDeliveredPerSec are not measured by the collector: the server
	// supplies them through Config.Self (see Rate for turning a counter into a per-second rate).
	CodeConnections     = "livedash.connections"
	CodeDeliveredPerSec = "livedash.delivered_per_s"
)

// Label names used by the collector.
const (
	LabelHost  = "host"
	LabelCPU   = "cpu"
	LabelIface = "iface"
	LabelDisk  = "disk"
	LabelMount = "mount"
)

// Units used by the collector's definitions.
const (
	UnitPercent   = "percent"
	UnitBytes     = "bytes"
	UnitBytesPerS = "bytes/s"
	UnitCount     = "count"
	UnitLoad      = "load"
	UnitPacketsPS = "packets/s"
	UnitErrorsPS  = "errors/s"
	UnitOpsPS     = "ops/s"
	UnitMessagesS = "messages/s"
)

// Definitions describes every code the collector (and Config.Self, for the livedash.* codes it
// is expected to supply) produces, so the server can register them for a tenant. Tenant is left
// empty. Names read well inside a sentence ("CPU on host-a ...").
var Definitions = []livedash.MetricDefinition{
	{Code: CodeCPUPercent, Name: "CPU", Unit: UnitPercent},
	{Code: CodeCPUCorePercent, Name: "CPU core", Unit: UnitPercent},
	{Code: CodeCPUCount, Name: "CPU cores", Unit: UnitCount},
	{Code: CodeLoad1, Name: "Load average (1 min)", Unit: UnitLoad},
	{Code: CodeLoad5, Name: "Load average (5 min)", Unit: UnitLoad},
	{Code: CodeLoad15, Name: "Load average (15 min)", Unit: UnitLoad},
	{Code: CodeMemTotal, Name: "Memory total", Unit: UnitBytes},
	{Code: CodeMemUsed, Name: "Memory used", Unit: UnitBytes},
	{Code: CodeMemAvailable, Name: "Memory available", Unit: UnitBytes},
	{Code: CodeMemFree, Name: "Memory free", Unit: UnitBytes},
	{Code: CodeMemCached, Name: "Memory cache", Unit: UnitBytes},
	{Code: CodeMemUsedPercent, Name: "Memory", Unit: UnitPercent},
	{Code: CodeSwapTotal, Name: "Swap total", Unit: UnitBytes},
	{Code: CodeSwapUsed, Name: "Swap used", Unit: UnitBytes},
	{Code: CodeNetRxBytes, Name: "Network receive", Unit: UnitBytesPerS},
	{Code: CodeNetTxBytes, Name: "Network transmit", Unit: UnitBytesPerS},
	{Code: CodeNetRxPackets, Name: "Network packets received", Unit: UnitPacketsPS},
	{Code: CodeNetTxPackets, Name: "Network packets sent", Unit: UnitPacketsPS},
	{Code: CodeNetRxErrors, Name: "Network receive errors", Unit: UnitErrorsPS},
	{Code: CodeNetTxErrors, Name: "Network transmit errors", Unit: UnitErrorsPS},
	{Code: CodeDiskReadBytes, Name: "Disk read", Unit: UnitBytesPerS},
	{Code: CodeDiskWriteBytes, Name: "Disk write", Unit: UnitBytesPerS},
	{Code: CodeDiskReadOps, Name: "Disk reads", Unit: UnitOpsPS},
	{Code: CodeDiskWriteOps, Name: "Disk writes", Unit: UnitOpsPS},
	{Code: CodeDiskBusy, Name: "Disk busy time", Unit: UnitPercent},
	{Code: CodeFSTotal, Name: "Filesystem size", Unit: UnitBytes},
	{Code: CodeFSUsed, Name: "Filesystem used", Unit: UnitBytes},
	{Code: CodeFSAvailable, Name: "Filesystem available", Unit: UnitBytes},
	{Code: CodeFSUsedPercent, Name: "Filesystem usage", Unit: UnitPercent},
	{Code: CodeProcsCount, Name: "Processes", Unit: UnitCount},
	{Code: CodeProcsRunning, Name: "Running processes", Unit: UnitCount},
	{Code: CodeProcsBlocked, Name: "Blocked processes", Unit: UnitCount},
	{Code: CodeThreadsCount, Name: "Threads", Unit: UnitCount},
	{Code: CodeGoroutines, Name: "livedash goroutines", Unit: UnitCount},
	{Code: CodeHeapBytes, Name: "livedash heap", Unit: UnitBytes},
	{Code: CodeSelfCPU, Name: "livedash CPU", Unit: UnitPercent},
	{Code: CodeConnections, Name: "livedash connections", Unit: UnitCount},
	{Code: CodeDeliveredPerSec, Name: "livedash delivered messages", Unit: UnitMessagesS},
}

// Describe returns the name and unit of a collector code, for analytics.Config.Describe; ok is
// false for codes the collector does not define.
func Describe(code string) (name, unit string, ok bool) {
	for _, d := range Definitions {
		if d.Code == code {
			return d.Name, d.Unit, true
		}
	}
	return "", "", false
}
